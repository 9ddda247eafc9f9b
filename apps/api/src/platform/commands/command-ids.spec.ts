import { canonicalJson } from '@pc/pipeline';
import { actorKey, commandIdFor, legacyActorKey, parseIfMatch, requestFingerprint } from './command-ids';

describe('command ids and request fingerprints', () => {
  it('derives the same UUIDv5 for the same service and key, different ones otherwise', () => {
    expect(commandIdFor('svc', 'k')).toBe(commandIdFor('svc', 'k'));
    expect(commandIdFor('svc', 'k')).not.toBe(commandIdFor('other', 'k'));
    expect(commandIdFor('svc', 'k')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-/);
    expect(commandIdFor('svc', undefined)).not.toBe(commandIdFor('svc', undefined));
    // Another request (actor, path or body) reusing the key is another command.
    expect(commandIdFor('svc', 'k', 'request-a')).toBe(commandIdFor('svc', 'k', 'request-a'));
    expect(commandIdFor('svc', 'k', 'request-a')).not.toBe(commandIdFor('svc', 'k', 'request-b'));
  });

  it('parses strong, weak and bare ETags', () => {
    expect(parseIfMatch('"3"')).toBe(3);
    expect(parseIfMatch('W/"3"')).toBe(3);
    expect(parseIfMatch('3')).toBe(3);
    expect(parseIfMatch('*')).toBeUndefined();
    expect(parseIfMatch(undefined)).toBeUndefined();
    expect(() => parseIfMatch('"abc"')).toThrow();
  });

  it('fingerprints bodies independently of key order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    const base = { method: 'POST', path: '/x', actor: 'partner-user:u1' };
    expect(requestFingerprint({ ...base, body: { a: 1, b: 2 } })).toBe(
      requestFingerprint({ ...base, body: { b: 2, a: 1 } }),
    );
    expect(requestFingerprint({ ...base, body: { a: 1 } })).not.toBe(
      requestFingerprint({ ...base, path: '/y', body: { a: 1 } }),
    );
  });

  it('keeps fingerprints and command ids of earlier versions (a retry after an upgrade is still a retry)', () => {
    const body = { b: 1, a: [{ d: 2, c: 3 }, null], é: 'x', Z: true, z: { y: [1.5, '東京'] } };
    const fingerprint = requestFingerprint({
      method: 'POST',
      path: '/partners/p1/users',
      actor: 'partner-user:u1',
      body,
    });
    // Values computed by the version before the fingerprint used the hash chain's canonical JSON.
    expect(fingerprint).toBe('d63783a7bcb53610643c58a8ac32ac6e20049c1a27c9c86c07bb731b98335637');
    expect(commandIdFor('svc', 'key-1', fingerprint)).toBe('98cb5d9d-e0c0-59c8-95ce-4ccefbe84329');
  });

  it('names a tenant user with its tenant, and other principals as before', () => {
    expect(actorKey({ kind: 'platform', id: 'ops' })).toBe('platform:ops');
    expect(actorKey({ kind: 'service', id: 'billing' })).toBe(
      legacyActorKey({ kind: 'service', id: 'billing' }),
    );
    const a = actorKey({ kind: 'customer-user', id: 'admin', customerId: 'c1' });
    const b = actorKey({ kind: 'customer-user', id: 'admin', customerId: 'c2' });
    expect(a).not.toBe(b);
    expect(actorKey({ kind: 'partner-user', id: 'jana', partnerId: 'p1' })).toBe('partner-user:p1::jana');
  });
});
