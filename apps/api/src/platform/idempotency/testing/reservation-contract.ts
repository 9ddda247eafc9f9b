import type { IdempotencyRecord, IdempotencyStore } from '../idempotency-store';

/**
 * What every idempotency store does with reservations (IdempotencyStore.reserve, complete, release),
 * run by the SQLite spec and the PostgreSQL integration test against their own store.
 */
export function describeReservations(openStore: () => IdempotencyStore): void {
  const answer = (key: string, requestHash: string): IdempotencyRecord => ({
    service: 'svc',
    key,
    requestHash,
    status: 'completed',
    response: { statusCode: 201, headers: { ETag: '"0"' }, body: { requestHash } },
    createdAt: '2031-01-01T00:10:00.000Z',
  });
  const at = (minute: number) => `2031-01-01T00:${String(minute).padStart(2, '0')}:00.000Z`;
  const reserve = (key: string, requestHash: string, minute: number, staleBeforeMinute = 0) =>
    openStore().reserve({ service: 'svc', key, requestHash, at: at(minute) }, at(staleBeforeMinute));

  describe('reservations', () => {
    it('a reserved key is held, not answered, until completed; then it answers', async () => {
      const store = openStore();
      expect(await reserve('r1', 'h1', 1)).toEqual({ kind: 'reserved' });
      expect(await store.find('svc', 'r1')).toBeNull();
      expect(await reserve('r1', 'h1', 2)).toEqual({ kind: 'pending', requestHash: 'h1', since: at(1) });
      expect(await reserve('r1', 'h2', 2)).toMatchObject({ kind: 'pending', requestHash: 'h1' });
      await store.complete(answer('r1', 'h1'));
      expect(await store.find('svc', 'r1')).toEqual(answer('r1', 'h1'));
      expect(await reserve('r1', 'h2', 3)).toEqual({ kind: 'completed', record: answer('r1', 'h1') });
    });

    it('a released key is free again; only its own request releases it', async () => {
      const store = openStore();
      await reserve('r2', 'h1', 1);
      await store.release('svc', 'r2', 'h2');
      expect(await reserve('r2', 'h1', 2)).toMatchObject({ kind: 'pending' });
      await store.release('svc', 'r2', 'h1');
      expect(await reserve('r2', 'h3', 3)).toEqual({ kind: 'reserved' });
    });

    it('a stale reservation is taken over; completing the old one then keeps the stored answer', async () => {
      const store = openStore();
      await reserve('r3', 'h1', 1);
      expect(await reserve('r3', 'h2', 5, 3)).toEqual({ kind: 'reserved' });
      await store.complete(answer('r3', 'h2'));
      // The request that died comes back after all: the answer stored first stays.
      await store.complete(answer('r3', 'h1'));
      expect(await store.find('svc', 'r3')).toEqual(answer('r3', 'h2'));
    });

    it('an answer stored without a reservation is kept by a later reservation', async () => {
      const store = openStore();
      await store.save(answer('r4', 'h1'));
      expect(await reserve('r4', 'h1', 1)).toEqual({ kind: 'completed', record: answer('r4', 'h1') });
    });
  });
}
