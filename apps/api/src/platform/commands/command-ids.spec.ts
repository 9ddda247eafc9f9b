import { canonicalJson, commandIdFor, parseIfMatch, requestFingerprint } from './command-ids';

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
});
