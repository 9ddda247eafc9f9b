import { refuse } from '../shared/errors';

/**
 * A DNS name a tenant can own: at least two labels, each 1–63 of a–z, 0–9 and inner hyphens,
 * 253 characters in all, and a top-level label that is not all digits (that would be an IP address).
 * Returns it in lower case, the form it is stored and claimed in.
 */
export function validDomain(value: unknown): string {
  const domain = typeof value === 'string' ? value.trim().toLowerCase().replace(/\.$/, '') : '';
  const labels = domain.split('.');
  const ok =
    domain.length > 0 &&
    domain.length <= 253 &&
    labels.length >= 2 &&
    labels.every((l) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(l)) &&
    !/^\d+$/.test(labels[labels.length - 1]);
  if (!ok)
    refuse('invalid-domain', `'${String(value)}' is not a valid domain name`, { domain: String(value) });
  return domain;
}

/** ISO 3166-1 alpha-2 codes officially assigned. */
const COUNTRIES = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV ' +
    'BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ' +
    'ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE ' +
    'IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY ' +
    'MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU ' +
    'NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM ' +
    'SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE ' +
    'VG VI VN VU WF WS YE YT ZA ZM ZW'
  ).split(' '),
);

/** An ISO 3166-1 alpha-2 country code, returned in upper case. */
export function validCountry(value: unknown): string {
  const country = typeof value === 'string' ? value.trim().toUpperCase() : '';
  if (!COUNTRIES.has(country))
    refuse('invalid-country', `'${String(value)}' is not an ISO 3166-1 alpha-2 country code`, {
      country: String(value),
    });
  return country;
}

// Deliberately loose (one @, a dot in the domain, no spaces): deliverability is proven by mail, not regex.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function validEmail(value: unknown, field = 'email'): string {
  const email = typeof value === 'string' ? value.trim() : '';
  if (!EMAIL.test(email) || email.length > 254)
    refuse('invalid-email', `'${String(value)}' is not an e-mail address`, { field, email: String(value) });
  return email;
}

export function nonEmpty(value: unknown, field: string, max = 256): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text === '' || text.length > max)
    refuse('invalid-field', `${field} must be a non-empty text of at most ${max} characters`, { field });
  return text;
}
