import { defineCommand, type StreamSpec } from '../shared/command';
import { DomainError, refuse } from '../shared/errors';
import { nonEmpty, validCountry, validEmail } from '../customer/validation';
import { toInstant } from '../shared/time';
import type { DecisionContext, DomainEvent, Loaded } from '../shared/types';
import {
  type Address,
  AUTHORIZATIONS,
  type Authorization,
  type CompanyProfile,
  type CompanyRole,
  type CustomerAccess,
  type FieldChange,
  type PartnerEvent,
  type ProfileField,
  type RoleScope,
  COMPANY_ROLES,
  CUSTOMER_ACCESS_LEVELS,
  PROFILE_FIELDS,
  partnerStream,
} from './events';
import { authorizePartnerAction, requirePlatform } from './permissions';
import {
  activeGlobalAdmins,
  emailKey,
  holdsAuthorization,
  partnerEvolver,
  type PartnerState,
  type PartnerUser,
} from './state';
import { entryOf } from '../shared/records';

export const partnerSpec = (partnerId: string): StreamSpec => ({
  stream: partnerStream(partnerId),
  evolver: partnerEvolver as StreamSpec['evolver'],
});

const onPartner = {
  primary: 'partner',
  streams: (p: { partnerId: string }) => ({ partner: partnerSpec(p.partnerId) }),
};
const partnerOf = (loaded: Record<string, Loaded<unknown>>): PartnerState =>
  loaded.partner.state as PartnerState;
const emit = (...events: PartnerEvent[]): { events: Record<string, DomainEvent[]> } => ({
  events: { partner: events },
});

function requireExisting(state: PartnerState, partnerId: string): void {
  if (!state.exists)
    throw new DomainError('partner-not-found', 'No such partner', { partnerId }, 'not-found');
}

function userOf(state: PartnerState, userId: string): PartnerUser {
  const user = entryOf(state.users, userId);
  if (!user) {
    throw new DomainError(
      'partner-user-not-found',
      `No user ${userId} in partner ${state.id}`,
      { partnerId: state.id, userId },
      'not-found',
    );
  }
  return user;
}

function requireUniqueEmail(state: PartnerState, email: string, exceptUserId?: string): void {
  const owner = entryOf(state.emails, emailKey(email));
  if (owner !== undefined && owner !== exceptUserId) {
    refuse(
      'email-already-used',
      `Another user of partner ${state.id} already uses ${email}`,
      { partnerId: state.id, userId: owner },
      'conflict',
    );
  }
}

const isLastActiveGlobalAdmin = (state: PartnerState, user: PartnerUser): boolean =>
  user.active && user.companyRole === 'global-admin' && activeGlobalAdmins(state).length === 1;

function protectLastGlobalAdmin(state: PartnerState, user: PartnerUser, what: string): void {
  if (isLastActiveGlobalAdmin(state, user)) {
    refuse(
      'last-global-admin',
      `User ${user.id} is the last active global admin of partner ${state.id} and cannot ${what}`,
      {
        partnerId: state.id,
        userId: user.id,
      },
    );
  }
}

/**
 * What customers rely on in a partner's profile ("it must be correct"): the legal name, phone, e-mail
 * and the address's first line, city and country are always there. A registration gives them all; an
 * update may change any of them but never blank one (null or blank text is refused, as is a bad e-mail
 * or country code). The website and the other address lines are optional: null clears them.
 * Only checks: the values written are the caller's, as before.
 */
function checkProfile(profile: Partial<CompanyProfile>, complete: boolean): void {
  const given = (value: unknown): boolean => complete || value !== undefined;
  if (given(profile.legalName)) nonEmpty(profile.legalName, 'legalName', 200);
  if (given(profile.phone)) nonEmpty(profile.phone, 'phone', 30);
  if (given(profile.email)) validEmail(profile.email);
  optionalText(profile.website, 'website', 2000);
  if (!given(profile.address)) return;
  const address = profile.address as Partial<Address> | null;
  if (address === null || typeof address !== 'object' || Array.isArray(address)) {
    refuse('invalid-field', 'address must be an object', { field: 'address' });
    return;
  }
  if (given(address.line1)) nonEmpty(address.line1, 'address.line1', 200);
  if (given(address.city)) nonEmpty(address.city, 'address.city', 100);
  if (given(address.country)) validCountry(address.country);
  optionalText(address.line2, 'address.line2', 200);
  optionalText(address.postalCode, 'address.postalCode', 20);
  optionalText(address.region, 'address.region', 100);
}

/**
 * An optional text: absent, null (cleared) or a non-blank text of at most `max` characters (after
 * trimming, as it is recorded). A blank text is refused rather than taken for null: a value the
 * caller meant to keep must not vanish.
 */
function optionalText(value: unknown, field: string, max: number): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'string' || value.trim() === '' || value.trim().length > max)
    refuse('invalid-field', `${field} must be a non-blank text of at most ${max} characters, or null`, {
      field,
    });
}

/**
 * A partner user's e-mail and display name as they are recorded (trimmed), checked when given (both
 * are required on creation). The trimmed e-mail is also what uniqueness compares: checked and then
 * stored as sent, ' Jana@contoso.example' was a second address beside 'jana@contoso.example'.
 */
function checkUser(
  user: { email?: unknown; displayName?: unknown },
  complete: boolean,
): { email?: string; displayName?: string } {
  return {
    ...(complete || user.email !== undefined ? { email: validEmail(user.email) } : {}),
    ...(complete || user.displayName !== undefined
      ? { displayName: nonEmpty(user.displayName, 'displayName', 200) }
      : {}),
  };
}

function normaliseProfile(profile: CompanyProfile): CompanyProfile {
  return {
    ...profile,
    address: { ...withoutNulls(profile.address), country: profile.address.country.toUpperCase() },
    email: profile.email.trim(),
  };
}

/**
 * The texts a command gives, as they are recorded: trimmed (checkProfile has refused blank ones). Only
 * what the command sends is trimmed, so a value recorded before with spaces is not changed by an
 * update of another field; one that differs from the profile only by surrounding spaces is no change.
 */
function trimTexts<T extends object>(value: T): T {
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      typeof v === 'string' ? v.trim() : v !== null && typeof v === 'object' ? trimTexts(v) : v,
    ]),
  ) as T;
}

/** An address without the optional lines that null cleared: null and absent are the same value. */
function withoutNulls<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as T;
}

// ---------------------------------------------------------------------------------------------

export interface RegisterPartner {
  partnerId?: string;
  profile: CompanyProfile;
  firstUser: { userId?: string; email: string; displayName: string };
}

export const registerPartner = defineCommand<RegisterPartner>({
  type: 'RegisterPartner',
  primary: 'partner',
  streams: (p, ctx) => ({ partner: partnerSpec(p.partnerId ?? ctx.newId('partnerId')) }),
  decide(p, loaded, ctx) {
    requirePlatform(ctx.actor, 'register partners');
    checkProfile(p.profile ?? {}, true);
    const firstUser = checkUser(p.firstUser ?? {}, true) as { email: string; displayName: string };
    const partnerId = p.partnerId ?? ctx.newId('partnerId');
    if (partnerOf(loaded).exists) {
      refuse(
        'partner-already-registered',
        `Partner ${partnerId} is already registered`,
        { partnerId },
        'conflict',
      );
    }
    const userId = p.firstUser.userId ?? ctx.newId('userId');
    return {
      ids: { partnerId, userId },
      ...emit(
        {
          type: 'PartnerRegistered',
          data: { partnerId, profile: normaliseProfile(trimTexts(p.profile)), verification: 'pending' },
        },
        {
          type: 'PartnerUserCreated',
          data: { partnerId, userId, email: firstUser.email, displayName: firstUser.displayName },
        },
        {
          type: 'AdminRoleAssigned',
          data: { partnerId, userId, scope: 'company', role: 'global-admin', previousRole: null },
        },
      ),
    };
  },
});

// ---------------------------------------------------------------------------------------------

export interface UpdateCompanyProfile {
  partnerId: string;
  changes: Partial<CompanyProfile>;
}

/**
 * Profile values compared as values: null and absent are the same (null clears an optional field or
 * address line), and an address's lines compare whatever order they were written in.
 */
const sameValue = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);
const canonical = (value: unknown): string =>
  JSON.stringify(value ?? null, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(withoutNulls(v)).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
      : v,
  );
/** Changing who the company legally is, or where, needs the platform to verify the profile again. */
const REVERIFY: ProfileField[] = ['legalName'];

export const updateCompanyProfile = defineCommand<UpdateCompanyProfile>({
  type: 'UpdateCompanyProfile',
  ...onPartner,
  decide(p, loaded, ctx) {
    const state = partnerOf(loaded);
    authorizePartnerAction(state, ctx.actor, 'edit-company-profile');
    if (p.changes === null || typeof p.changes !== 'object')
      refuse('invalid-field', 'changes must be an object', { field: 'changes' });
    checkProfile(p.changes, false);
    const current = state.profile as CompanyProfile;
    const given = trimTexts(p.changes);
    const next = normaliseProfile({
      ...current,
      ...given,
      address: { ...current.address, ...(given.address ?? {}) },
    });
    const changes: Partial<Record<ProfileField, FieldChange<unknown>>> = {};
    for (const field of PROFILE_FIELDS) {
      if (!sameValue(current[field], next[field]))
        changes[field] = { from: current[field] ?? null, to: next[field] ?? null };
    }
    const fields = Object.keys(changes) as ProfileField[];
    if (fields.length === 0) return { events: {} };
    const becauseOf = fields.filter((f) => REVERIFY.includes(f));
    if (changes.address && current.address.country !== next.address.country) becauseOf.push('address');
    const events: PartnerEvent[] = [
      {
        type: 'CompanyProfileUpdated',
        data: { partnerId: p.partnerId, changes } as Extract<
          PartnerEvent,
          { type: 'CompanyProfileUpdated' }
        >['data'],
      },
    ];
    if (becauseOf.length > 0)
      events.push({
        type: 'CompanyProfileVerificationRequired',
        data: { partnerId: p.partnerId, becauseOf },
      });
    return emit(...events);
  },
});

// ---------------------------------------------------------------------------------------------

export interface VerifyCompanyProfile {
  partnerId: string;
}
export interface RejectCompanyProfile {
  partnerId: string;
  reason: string;
}

export const verifyCompanyProfile = defineCommand<VerifyCompanyProfile>({
  type: 'VerifyCompanyProfile',
  ...onPartner,
  decide(p, loaded, ctx) {
    requirePlatform(ctx.actor, 'verify company profiles');
    const state = partnerOf(loaded);
    requireExisting(state, p.partnerId);
    if (state.verification === 'verified') return { events: {} };
    return emit({ type: 'CompanyProfileVerified', data: { partnerId: p.partnerId } });
  },
});

export const rejectCompanyProfile = defineCommand<RejectCompanyProfile>({
  type: 'RejectCompanyProfile',
  ...onPartner,
  decide(p, loaded, ctx) {
    requirePlatform(ctx.actor, 'reject company profiles');
    const state = partnerOf(loaded);
    requireExisting(state, p.partnerId);
    if (state.verification !== 'pending') {
      refuse(
        'profile-not-pending-verification',
        `The profile of partner ${p.partnerId} is ${state.verification}, not pending verification`,
        {
          partnerId: p.partnerId,
          verification: state.verification,
        },
      );
    }
    return emit({ type: 'CompanyProfileRejected', data: { partnerId: p.partnerId, reason: p.reason } });
  },
});

// ---------------------------------------------------------------------------------------------

export interface GrantAuthorization {
  partnerId: string;
  authorization: Authorization;
  /** Defaults to the command's time. */
  effectiveFrom?: string;
}
export type RevokeAuthorization = GrantAuthorization;

/**
 * Authorization periods are `[from, until)`, one after another; only the last one can change.
 * Decisions compare effective dates, never the clock, so a retry decides the same way later.
 *
 * A grant from `g`: with no period, or after the last one's end (`g >= until`), it opens a new one;
 * on an open period starting later than `g` it moves that start earlier; on an open period that
 * has started by `g` it changes nothing. It never starts before the end of the period before it
 * (`authorization-overlaps`), nor inside a period that has an end.
 */
export const grantAuthorization = defineCommand<GrantAuthorization>({
  type: 'GrantAuthorization',
  ...onPartner,
  decide(p, loaded, ctx) {
    requirePlatform(ctx.actor, 'grant authorizations');
    const state = partnerOf(loaded);
    requireExisting(state, p.partnerId);
    const effectiveFrom = toInstant(p.effectiveFrom ?? ctx.now, 'effectiveFrom');
    const periods = entryOf(state.authorizations, knownAuthorization(p.authorization)) ?? [];
    const last = periods[periods.length - 1];
    // Already granted with no end, from this date or earlier: granting again changes nothing.
    if (last && last.until === undefined && effectiveFrom >= last.from) return { events: {} };
    // The end this grant must not start before: the last period's, or (when the grant moves an open
    // period's start earlier) the one before it.
    const ended = last?.until === undefined ? periods[periods.length - 2] : last;
    if (ended?.until !== undefined && effectiveFrom < ended.until) {
      refuse(
        'authorization-overlaps',
        `A grant cannot take effect before the previous revocation (${ended.until})`,
        {
          partnerId: p.partnerId,
          authorization: p.authorization,
          revokedFrom: ended.until,
        },
      );
    }
    return emit({
      type: 'AuthorizationGranted',
      data: { partnerId: p.partnerId, authorization: p.authorization, effectiveFrom },
    });
  },
});

/**
 * A revocation from `r` of the last period `[from, until)`: it ends an open period, or moves an end
 * already scheduled later (`r < until`) earlier. When that period has ended by `r` (`until <= r`,
 * whether the end is past or still scheduled) the authorization is already not held from `r` on, so
 * it changes nothing. It cannot take effect before the period's start (`authorization-overlaps`);
 * never granted at all is `authorization-not-held`.
 */
export const revokeAuthorization = defineCommand<RevokeAuthorization>({
  type: 'RevokeAuthorization',
  ...onPartner,
  decide(p, loaded, ctx) {
    requirePlatform(ctx.actor, 'revoke authorizations');
    const state = partnerOf(loaded);
    requireExisting(state, p.partnerId);
    const effectiveFrom = toInstant(p.effectiveFrom ?? ctx.now, 'effectiveFrom');
    const periods = entryOf(state.authorizations, knownAuthorization(p.authorization)) ?? [];
    const last = periods[periods.length - 1];
    if (!last) {
      return refuse('authorization-not-held', `Partner ${p.partnerId} does not hold ${p.authorization}`, {
        partnerId: p.partnerId,
        authorization: p.authorization,
      });
    }
    if (effectiveFrom < last.from) {
      refuse('authorization-overlaps', `A revocation cannot take effect before the grant (${last.from})`, {
        partnerId: p.partnerId,
        authorization: p.authorization,
        grantedFrom: last.from,
      });
    }
    if (last.until !== undefined && last.until <= effectiveFrom) return { events: {} };
    return emit({
      type: 'AuthorizationRevoked',
      data: { partnerId: p.partnerId, authorization: p.authorization, effectiveFrom },
    });
  },
});

// ---------------------------------------------------------------------------------------------

export interface CreatePartnerUser {
  partnerId: string;
  userId?: string;
  email: string;
  displayName: string;
}

export const createPartnerUser = defineCommand<CreatePartnerUser>({
  type: 'CreatePartnerUser',
  ...onPartner,
  decide(p, loaded, ctx) {
    const state = partnerOf(loaded);
    authorizePartnerAction(state, ctx.actor, 'manage-users');
    const { email, displayName } = checkUser(p, true) as { email: string; displayName: string };
    const userId = p.userId ?? ctx.newId('userId');
    if (entryOf(state.users, userId))
      refuse(
        'partner-user-exists',
        `User ${userId} already exists`,
        { partnerId: p.partnerId, userId },
        'conflict',
      );
    requireUniqueEmail(state, email);
    return {
      ids: { userId },
      ...emit({
        type: 'PartnerUserCreated',
        data: { partnerId: p.partnerId, userId, email, displayName },
      }),
    };
  },
});

/** One of the platform's authorizations, or the refusal `unknown-authorization`. */
function knownAuthorization(value: unknown): Authorization {
  if (!(AUTHORIZATIONS as readonly unknown[]).includes(value))
    refuse('unknown-authorization', `'${String(value)}' is not an authorization`, {
      authorization: String(value),
    });
  return value as Authorization;
}

/** A user management admin may not touch a global admin's account (it could take the company over). */
function requireMayManage(state: PartnerState, ctx: DecisionContext, target: PartnerUser): void {
  const actor = authorizePartnerAction(state, ctx.actor, 'manage-users');
  if (actor && actor.companyRole !== 'global-admin' && target.companyRole === 'global-admin') {
    refuse(
      'cannot-manage-global-admin',
      'Only a global admin may change or deactivate a global admin',
      {
        partnerId: state.id,
        userId: target.id,
      },
      'forbidden',
    );
  }
}

export interface UpdatePartnerUser {
  partnerId: string;
  userId: string;
  email?: string;
  displayName?: string;
}

export const updatePartnerUser = defineCommand<UpdatePartnerUser>({
  type: 'UpdatePartnerUser',
  ...onPartner,
  decide(p, loaded, ctx) {
    const state = partnerOf(loaded);
    authorizePartnerAction(state, ctx.actor, 'manage-users');
    const user = userOf(state, p.userId);
    requireMayManage(state, ctx, user);
    const { email, displayName } = checkUser(p, false);
    const changes: { email?: FieldChange<string>; displayName?: FieldChange<string> } = {};
    if (email !== undefined && email !== user.email) {
      requireUniqueEmail(state, email, user.id);
      changes.email = { from: user.email, to: email };
    }
    if (displayName !== undefined && displayName !== user.displayName) {
      changes.displayName = { from: user.displayName, to: displayName };
    }
    if (Object.keys(changes).length === 0) return { events: {} };
    return emit({ type: 'PartnerUserUpdated', data: { partnerId: p.partnerId, userId: p.userId, changes } });
  },
});

export interface PartnerUserRef {
  partnerId: string;
  userId: string;
}

export const deactivatePartnerUser = defineCommand<PartnerUserRef>({
  type: 'DeactivatePartnerUser',
  ...onPartner,
  decide(p, loaded, ctx) {
    const state = partnerOf(loaded);
    authorizePartnerAction(state, ctx.actor, 'manage-users');
    const user = userOf(state, p.userId);
    requireMayManage(state, ctx, user);
    if (!user.active) return { events: {} };
    protectLastGlobalAdmin(state, user, 'be deactivated');
    return emit({ type: 'PartnerUserDeactivated', data: { partnerId: p.partnerId, userId: p.userId } });
  },
});

export const reactivatePartnerUser = defineCommand<PartnerUserRef>({
  type: 'ReactivatePartnerUser',
  ...onPartner,
  decide(p, loaded, ctx) {
    const state = partnerOf(loaded);
    authorizePartnerAction(state, ctx.actor, 'manage-users');
    const user = userOf(state, p.userId);
    requireMayManage(state, ctx, user);
    if (user.active) return { events: {} };
    return emit({ type: 'PartnerUserReactivated', data: { partnerId: p.partnerId, userId: p.userId } });
  },
});

// ---------------------------------------------------------------------------------------------

export interface AssignAdminRole {
  partnerId: string;
  userId: string;
  scope: RoleScope;
  role: CompanyRole | CustomerAccess;
}

function requireRoleFitsScope(p: AssignAdminRole): void {
  const allowed: readonly string[] = p.scope === 'company' ? COMPANY_ROLES : CUSTOMER_ACCESS_LEVELS;
  if (!allowed.includes(p.role)) {
    refuse(
      'role-not-in-scope',
      `Role '${p.role}' is not a ${p.scope === 'company' ? 'company' : 'supported-companies'} role`,
      {
        scope: p.scope,
        role: p.role,
      },
    );
  }
}

export const assignAdminRole = defineCommand<AssignAdminRole>({
  type: 'AssignAdminRole',
  ...onPartner,
  decide(p, loaded, ctx) {
    const state = partnerOf(loaded);
    authorizePartnerAction(state, ctx.actor, 'manage-roles');
    requireRoleFitsScope(p);
    const user = userOf(state, p.userId);
    const previousRole = p.scope === 'company' ? user.companyRole : user.customerAccess;
    // Already held (a retry, even after a deactivation): nothing to write.
    if (previousRole === p.role) return { events: {} };
    if (!user.active)
      refuse('partner-user-inactive', `User ${p.userId} is deactivated`, {
        partnerId: p.partnerId,
        userId: p.userId,
      });
    if (p.scope === 'company') protectLastGlobalAdmin(state, user, 'lose the global admin role');
    return emit({
      type: 'AdminRoleAssigned',
      data: { partnerId: p.partnerId, userId: p.userId, scope: p.scope, role: p.role, previousRole },
    });
  },
});

export interface RevokeAdminRole {
  partnerId: string;
  userId: string;
  scope: RoleScope;
}

export const revokeAdminRole = defineCommand<RevokeAdminRole>({
  type: 'RevokeAdminRole',
  ...onPartner,
  decide(p, loaded, ctx) {
    const state = partnerOf(loaded);
    authorizePartnerAction(state, ctx.actor, 'manage-roles');
    const user = userOf(state, p.userId);
    const role = p.scope === 'company' ? user.companyRole : user.customerAccess;
    if (role === null) {
      refuse(
        'role-not-held',
        `User ${p.userId} holds no ${p.scope === 'company' ? 'company' : 'supported-companies'} role`,
        {
          partnerId: p.partnerId,
          userId: p.userId,
          scope: p.scope,
        },
      );
    }
    if (p.scope === 'company') protectLastGlobalAdmin(state, user, 'lose the global admin role');
    return emit({
      type: 'AdminRoleRevoked',
      data: { partnerId: p.partnerId, userId: p.userId, scope: p.scope, role: role! },
    });
  },
});

export const partnerCommands = [
  registerPartner,
  updateCompanyProfile,
  verifyCompanyProfile,
  rejectCompanyProfile,
  grantAuthorization,
  revokeAuthorization,
  createPartnerUser,
  updatePartnerUser,
  deactivatePartnerUser,
  reactivatePartnerUser,
  assignAdminRole,
  revokeAdminRole,
];

export { holdsAuthorization };
