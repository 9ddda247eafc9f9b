/**
 * Mints a DEVELOPMENT bearer token for calling the API locally:
 *   npm run token -- --kind partner-user --id u1 --partner p1 --scope commands,queries
 * Signs with JWT_SECRET when set, otherwise with the public development secret the API accepts
 * outside production. Refuses to run with NODE_ENV=production.
 */
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { DEVELOPMENT_JWT_SECRET, DEVELOPMENT_TOKEN_ISSUER } from '../platform/auth/dev-keys';
import { ACTOR_KINDS, SCOPES } from '../platform/auth/principal';

const USAGE = `Usage: npm run token -- --kind <${ACTOR_KINDS.join('|')}> --id <actorId>
       [--partner <partnerId>] [--customer <customerId>] [--scope commands,queries,audit,platform]
       [--sub <serviceId> (default dev-cli)] [--expires <1h|30m|3600s|2d> (default 1h)]`;

export interface MintOptions {
  kind: string;
  id: string;
  partner?: string;
  customer?: string;
  scope: string[];
  sub: string;
  expires: string;
  secret: string;
}

export function parseMintArgs(argv: string[], env: NodeJS.ProcessEnv): MintOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      kind: { type: 'string' },
      id: { type: 'string' },
      partner: { type: 'string' },
      customer: { type: 'string' },
      scope: { type: 'string', default: 'commands,queries' },
      sub: { type: 'string', default: 'dev-cli' },
      expires: { type: 'string', default: '1h' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new UsageError(USAGE);
  if (env.NODE_ENV === 'production')
    throw new UsageError('Refusing to mint development tokens with NODE_ENV=production.');
  const problems: string[] = [];
  if (!values.kind || !(ACTOR_KINDS as readonly string[]).includes(values.kind)) {
    problems.push(`--kind must be one of ${ACTOR_KINDS.join(', ')}`);
  }
  if (!values.id) problems.push('--id is required');
  if (values.kind === 'partner-user' && !values.partner)
    problems.push('--partner is required for a partner-user');
  if (values.kind === 'customer-user' && !values.customer)
    problems.push('--customer is required for a customer-user');
  const scope = (values.scope ?? '').split(/[\s,]+/).filter((s) => s !== '');
  const unknown = scope.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0)
    problems.push(`unknown scope(s) ${unknown.join(', ')}; allowed: ${SCOPES.join(', ')}`);
  if (!/^\d+[smhd]$/.test(values.expires ?? ''))
    problems.push('--expires must look like 30m, 1h, 3600s or 2d');
  if (problems.length > 0) throw new UsageError(`${problems.join('\n')}\n\n${USAGE}`);
  return {
    kind: values.kind as string,
    id: values.id as string,
    partner: values.partner,
    customer: values.customer,
    scope,
    sub: values.sub ?? 'dev-cli',
    expires: values.expires ?? '1h',
    secret: env.JWT_SECRET?.trim() || DEVELOPMENT_JWT_SECRET,
  };
}

export function mintDevToken(options: MintOptions): Promise<string> {
  const act: Record<string, string> = { kind: options.kind, id: options.id };
  if (options.partner) act.partnerId = options.partner;
  if (options.customer) act.customerId = options.customer;
  return new SignJWT({ act, scope: options.scope.join(' ') })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(options.sub)
    .setIssuer(DEVELOPMENT_TOKEN_ISSUER)
    .setIssuedAt()
    .setExpirationTime(options.expires)
    .sign(new TextEncoder().encode(options.secret));
}

export class UsageError extends Error {}

if (require.main === module) {
  Promise.resolve()
    .then(() => mintDevToken(parseMintArgs(process.argv.slice(2), process.env)))
    .then((token) => console.log(token))
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(error instanceof UsageError ? 2 : 1);
    });
}
