import { createHash, randomUUID } from 'node:crypto';
import type { Actor } from '@pc/event-store';
import { canonicalJson } from '@pc/pipeline';
import { v5 as uuidv5 } from 'uuid';
import { badRequest } from '../problem/problem-exception';

/**
 * Namespace of command ids derived from Idempotency-Keys. Fixed forever: changing it would make
 * retries of already-applied commands look new.
 */
export const COMMAND_ID_NAMESPACE = '6f1c9f1e-3d2b-5a8e-9c47-0b2f5d8a7e13';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

export function validIdempotencyKey(raw: unknown, source: string): string | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string' || !IDEMPOTENCY_KEY.test(raw)) {
    throw badRequest('invalid-idempotency-key', `${source} must be 1 to 200 visible ASCII characters.`);
  }
  return raw;
}

/**
 * The same (service, key, request) always gives the same command id, so a retry is recognised
 * downstream too. The request fingerprint (method, path, actor, body) is part of it: two DIFFERENT
 * requests that reuse one key, even concurrently and before either is recorded, are two different
 * commands to the pipeline, so neither can pass as the other's retry (and slip past its claims).
 */
export function commandIdFor(serviceId: string, key: string | undefined, fingerprint = ''): string {
  return key === undefined
    ? randomUUID()
    : uuidv5(`${serviceId}\n${key}\n${fingerprint}`, COMMAND_ID_NAMESPACE);
}

/** `"7"`, `W/"7"` or `7` → 7; `*` or absent → undefined (no expectation). */
export function parseIfMatch(header: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(header) ? header[0] : header;
  if (raw === undefined || raw.trim() === '' || raw.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"?(-1|\d{1,15})"?\s*$/.exec(raw);
  if (match === null) {
    throw badRequest(
      'invalid-if-match',
      'If-Match must be the ETag of a revision, e.g. "3" (weak or quoted).',
    );
  }
  return Number(match[1]);
}

export const etagOf = (revision: number): string => `"${revision}"`;

/**
 * The acting principal as a fingerprint names it: kind, tenant and id. User ids are unique within
 * one partner or customer only, so two customers' "admin" users must not read as one actor (the
 * second would have been answered with the first's stored response). Principals without a tenant
 * (platform, services) keep the form `kind:id`.
 */
export function actorKey(actor: Actor): string {
  if (actor.partnerId === undefined && actor.customerId === undefined) return legacyActorKey(actor);
  return `${actor.kind}:${actor.partnerId ?? ''}:${actor.customerId ?? ''}:${actor.id}`;
}

/**
 * How fingerprints named the actor before the tenant was part of it (`kind:id`). Idempotency records
 * are kept, so a record written then must still be recognised as the same request's: the gateway
 * accepts either fingerprint for an existing record, and writes new records with actorKey's.
 */
export function legacyActorKey(actor: Pick<Actor, 'kind' | 'id'>): string {
  return `${actor.kind}:${actor.id}`;
}

/**
 * Fingerprint of "the same request": method, concrete path, the acting principal and the body.
 * The actor is included so that another user of the same service reusing a key never receives the
 * first user's response. The body's JSON is canonical (keys sorted at every level, as the hash chain
 * has it), so equal bodies give equal fingerprints whatever their key order.
 */
export function requestFingerprint(parts: {
  method: string;
  path: string;
  actor: string;
  body: unknown;
}): string {
  return fingerprinter(parts)(parts.actor);
}

/**
 * requestFingerprint of one request for any actor key: the body's canonical JSON is built once, so a
 * second fingerprint (the legacy actor key's) costs one more hash of the text, not its rebuilding.
 */
export function fingerprinter(parts: {
  method: string;
  path: string;
  body: unknown;
}): (actor: string) => string {
  const head = `${parts.method.toUpperCase()}\n${parts.path}\n`;
  const body = canonicalJson(parts.body);
  return (actor) => createHash('sha256').update(`${head}${actor}\n${body}`).digest('hex');
}
