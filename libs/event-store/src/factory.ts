import { ConfigError, redactUrl } from './config-error';
import { createPostgresEventStore } from './postgres/postgres-event-store';
import { createSqliteEventStore } from './sqlite/sqlite-event-store';
import type { EventStore, EventStoreKind } from './types';

export type EventStoreConfig =
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; url: string; schema: string }
  | { kind: 'eventstoredb'; url: string };

const KINDS: readonly EventStoreKind[] = ['sqlite', 'postgres', 'eventstoredb'];
const DEFAULT_SQLITE_PATH = './data/events.sqlite';
const DEFAULT_SCHEMA = 'public';
const SCHEMA_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Reads the event-store settings. The default (nothing set) is the embedded SQLite file, so the
 * service runs with nothing installed. Empty values count as unset. Every bad setting is reported at
 * once (one ConfigError, a line each in `problems`): a bad EVENT_STORE_URL does not hide a bad
 * EVENT_STORE_SCHEMA. No message shows a password (values are shown through redactUrl).
 */
export function loadEventStoreConfig(env: NodeJS.ProcessEnv): EventStoreConfig {
  const errors: ConfigError[] = [];
  const kind = setting(env, 'EVENT_STORE') ?? 'sqlite';
  if (!isKind(kind)) {
    errors.push(
      new ConfigError(
        'EVENT_STORE',
        `EVENT_STORE='${redactUrl(kind)}' is not supported; allowed values: ${KINDS.join(', ')}`,
      ),
    );
    // Which URL form is meant is not known; a schema name is checked whatever the backend (it was
    // likely meant for PostgreSQL), so fixing EVENT_STORE does not reveal one more problem.
    checkSchema(env, errors);
    throw combined(errors);
  }
  switch (kind) {
    case 'sqlite':
      return { kind, path: setting(env, 'EVENT_STORE_PATH') ?? DEFAULT_SQLITE_PATH };
    case 'postgres': {
      const url = checkUrl(
        env,
        'postgres',
        ['postgres:', 'postgresql:'],
        'postgres://user:password@host:5432/database',
        errors,
      );
      const schema = checkSchema(env, errors);
      throwAll(errors);
      return { kind, url, schema };
    }
    case 'eventstoredb': {
      const url = checkUrl(
        env,
        'eventstoredb',
        ['esdb:', 'esdb+discover:'],
        'esdb://host:2113?tls=false',
        errors,
      );
      throwAll(errors);
      return { kind, url };
    }
  }
}

/** Throws what `errors` holds, if anything, as one ConfigError. */
function throwAll(errors: readonly ConfigError[]): void {
  if (errors.length > 0) throw combined(errors);
}

/** One ConfigError for `errors` (at least one, each of one problem): the first's setting, every problem. */
function combined(errors: readonly ConfigError[]): ConfigError {
  const [first, ...more] = errors;
  return more.length === 0 ? first : new ConfigError(first.setting, first.message, more);
}

function checkSchema(env: NodeJS.ProcessEnv, errors: ConfigError[]): string {
  const schema = setting(env, 'EVENT_STORE_SCHEMA') ?? DEFAULT_SCHEMA;
  if (!SCHEMA_PATTERN.test(schema)) {
    errors.push(
      new ConfigError(
        'EVENT_STORE_SCHEMA',
        `EVENT_STORE_SCHEMA='${redactUrl(schema)}' is not a valid schema name; allowed: letters, digits and _ ` +
          `(not starting with a digit, at most 63 characters); default ${DEFAULT_SCHEMA}`,
      ),
    );
  }
  return schema;
}

/** Opens the configured store (creating its file or tables when missing). */
export async function createEventStore(config: EventStoreConfig): Promise<EventStore> {
  switch (config.kind) {
    case 'sqlite':
      return createSqliteEventStore({ path: config.path });
    case 'postgres':
      return createPostgresEventStore({ connectionString: config.url, schema: config.schema });
    case 'eventstoredb': {
      // Loaded on demand so only deployments that use EventStoreDB pull in the gRPC client.
      const { createEventStoreDbEventStore } = await import('./eventstoredb/eventstoredb-event-store');
      return createEventStoreDbEventStore(config.url);
    }
  }
}

function setting(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function isKind(value: string): value is EventStoreKind {
  return (KINDS as readonly string[]).includes(value);
}

function checkUrl(
  env: NodeJS.ProcessEnv,
  kind: EventStoreKind,
  protocols: string[],
  example: string,
  errors: ConfigError[],
): string {
  const url = setting(env, 'EVENT_STORE_URL');
  const allowed = protocols.map((p) => `${p}//`).join(' or ');
  if (url === undefined) {
    errors.push(
      new ConfigError(
        'EVENT_STORE_URL',
        `EVENT_STORE_URL is required when EVENT_STORE=${kind}; expected ${allowed}... e.g. ${example}`,
      ),
    );
    return '';
  }
  const protocol = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0].toLowerCase();
  if (
    protocol === undefined ||
    !protocols.includes(protocol) ||
    !url.slice(protocol.length).startsWith('//')
  ) {
    errors.push(
      new ConfigError(
        'EVENT_STORE_URL',
        `EVENT_STORE_URL must start with ${allowed} when EVENT_STORE=${kind} (got '${redactUrl(url)}'); e.g. ${example}`,
      ),
    );
  }
  return url;
}
