import { sqliteIdempotencyPath } from './create-idempotency-store';

describe('sqliteIdempotencyPath', () => {
  it('puts the keys in a file of their own beside the read models, never in theirs', () => {
    expect(sqliteIdempotencyPath('./data/read-models.sqlite')).toBe('./data/read-models.idempotency.sqlite');
    expect(sqliteIdempotencyPath('/var/lib/pc/rm.db')).toBe('/var/lib/pc/rm.idempotency.db');
    expect(sqliteIdempotencyPath('/var/lib/pc/readmodels')).toBe('/var/lib/pc/readmodels.idempotency.sqlite');
  });

  it('keeps an in-memory database in memory', () => {
    expect(sqliteIdempotencyPath(':memory:')).toBe(':memory:');
  });
});
