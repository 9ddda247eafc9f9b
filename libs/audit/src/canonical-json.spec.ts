import { canonicalJson, eventHash } from '@pc/pipeline';
import { offlineCanonicalJson, offlineEventHash } from './offline-verifier';

/**
 * The offline verifier re-implements canonical JSON on purpose (it must not import our code). This
 * spec is what keeps the two in agreement: if libs/pipeline ever changes its rule, exports stop
 * verifying, and this fails first.
 */
describe('offline canonical JSON agrees with libs/pipeline', () => {
  const samples: unknown[] = [
    null,
    true,
    false,
    0,
    -0,
    42,
    -17.25,
    1e21,
    1.5e-7,
    Number.MAX_SAFE_INTEGER,
    0.1 + 0.2,
    '',
    'plain',
    'quotes " and \\ backslash',
    'control \u0000 \u001f \n \t',
    'Žltý kôň úpel ďábelské ódy',
    'emoji 🐴 and astral 𝒜, lone surrogate \ud800',
    'line separators \u2028 \u2029',
    [],
    {},
    [1, 'two', null, [3, [4, {}]]],
    { b: 1, a: 2, c: { z: [], y: { x: 'deep' } } },
    { é: 1, e: 2, E: 3, '10': 4, '9': 5, '': 6, ' ': 7, ä: 8, '🐴': 9, z: 10 },
    { skipped: undefined, kept: null, nested: { alsoSkipped: undefined, list: [undefined, 1] } },
    {
      type: 'PartnerRegistered',
      data: { partnerId: 'p1', profile: { legalName: 'Contoso', address: { country: 'SK' } } },
      metadata: {
        actor: { kind: 'platform', id: 'ops' },
        schemaVersion: 1,
        occurredAt: '2026-01-05T09:00:00.000Z',
      },
    },
  ];

  it.each(samples.map((value, i) => [i, value]))('sample %i', (_i, value) => {
    expect(offlineCanonicalJson(value)).toBe(canonicalJson(value));
  });

  it('agrees on generated nested values', () => {
    // A small deterministic generator (no randomness in specs): varied depth, keys and numbers.
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648);
    const build = (depth: number): unknown => {
      const pick = next() % 6;
      if (depth === 0 || pick === 0) return (next() % 2000) / 7 - 100;
      if (pick === 1) return String.fromCodePoint(0x20 + (next() % 0x2fff), 0x1f400 + (next() % 64));
      if (pick === 2) return Array.from({ length: next() % 4 }, () => build(depth - 1));
      if (pick === 3) return next() % 2 === 0;
      const object: Record<string, unknown> = {};
      for (let i = next() % 5; i > 0; i--)
        object[String.fromCharCode(0x41 + (next() % 60))] = build(depth - 1);
      return object;
    };
    for (let i = 0; i < 300; i++) {
      const value = build(5);
      expect(offlineCanonicalJson(value)).toBe(canonicalJson(value));
    }
  });

  it('agrees on the event hash', () => {
    const metadata = {
      prevHash: '0'.repeat(64),
      hash: 'ignored',
      actor: { id: 'ops', kind: 'platform' },
      occurredAt: 'x',
    };
    expect(offlineEventHash('T', { a: [1, { b: 'ü' }] }, metadata)).toBe(
      eventHash('T', { a: [1, { b: 'ü' }] }, metadata),
    );
  });
});
