import type { IdempotencyRecord, IdempotencyStore, Reservation } from '../idempotency-store';

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
  const reservation = (key: string, requestHash: string, minute: number): Reservation => ({
    service: 'svc',
    key,
    requestHash,
    at: at(minute),
  });
  const reserve = (key: string, requestHash: string, minute: number, staleBeforeMinute = 0) =>
    openStore().reserve(reservation(key, requestHash, minute), at(staleBeforeMinute));

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
      await store.release(reservation('r2', 'h2', 1));
      expect(await reserve('r2', 'h1', 2)).toMatchObject({ kind: 'pending' });
      await store.release(reservation('r2', 'h1', 1));
      expect(await reserve('r2', 'h3', 3)).toEqual({ kind: 'reserved' });
    });

    // Regression: any request hash took a stale reservation over, so a second, different command ran
    // under a key whose first request may have run its own before it died (and that one's retries
    // were then refused as a reused key).
    it('a stale reservation is not taken over by another request: it stays its holder’s', async () => {
      const store = openStore();
      await reserve('r8', 'h1', 1);
      expect(await reserve('r8', 'h2', 5, 3)).toEqual({ kind: 'pending', requestHash: 'h1', since: at(1) });
      expect(await store.find('svc', 'r8')).toBeNull();
      // Untouched: still the first request's own reservation, which its holder can release.
      await store.release(reservation('r8', 'h1', 1));
      expect(await reserve('r8', 'h2', 6, 3)).toEqual({ kind: 'reserved' });
    });

    it('a stale reservation is taken over by the same request hash', async () => {
      const store = openStore();
      await reserve('r9', 'h1', 1);
      expect(await reserve('r9', 'h1', 5, 3)).toEqual({ kind: 'reserved' });
      expect(await reserve('r9', 'h1', 6, 3)).toEqual({ kind: 'pending', requestHash: 'h1', since: at(5) });
      await store.complete(answer('r9', 'h1'));
      expect(await store.find('svc', 'r9')).toEqual(answer('r9', 'h1'));
    });

    // Regression: release deleted the key's pending row by request hash alone, so a request that was
    // alive after all (only slow) released the reservation of the retry that had taken its key over,
    // and a third request with the key then ran beside that retry.
    it('a reservation taken over is no longer its first holder’s: its release leaves the new one held', async () => {
      const store = openStore();
      expect(await reserve('r5', 'h1', 1)).toEqual({ kind: 'reserved' });
      // 30 s (here: minutes) later the same request comes again and takes the key over as stale.
      expect(await reserve('r5', 'h1', 5, 3)).toEqual({ kind: 'reserved' });
      // The first request was alive after all, and fails: it gives back only what it took.
      await store.release(reservation('r5', 'h1', 1));
      expect(await reserve('r5', 'h1', 6, 3)).toEqual({ kind: 'pending', requestHash: 'h1', since: at(5) });
      // The request that took it over answers; the key then replays its answer.
      await store.complete(answer('r5', 'h1'));
      expect(await reserve('r5', 'h1', 7, 3)).toEqual({ kind: 'completed', record: answer('r5', 'h1') });
      expect(await store.find('svc', 'r5')).toEqual(answer('r5', 'h1'));
    });

    it('the request that took a key over releases it; a later one then takes it afresh', async () => {
      const store = openStore();
      await reserve('r6', 'h1', 1);
      expect(await reserve('r6', 'h1', 5, 3)).toEqual({ kind: 'reserved' });
      await store.release(reservation('r6', 'h1', 1));
      expect(await reserve('r6', 'h3', 6, 3)).toMatchObject({ kind: 'pending', requestHash: 'h1' });
      await store.release(reservation('r6', 'h1', 5));
      expect(await reserve('r6', 'h3', 6, 3)).toEqual({ kind: 'reserved' });
    });

    // Decided: an answer for the same hash answers the key even if its reservation was taken over,
    // since both requests run one command (the command id comes from the key and the hash) and the
    // later run is the pipeline's replay of it: the answer of the run that came first is the one kept.
    it('completing a reservation taken over by the same request answers the key; the new holder cannot release it', async () => {
      const store = openStore();
      await reserve('r7', 'h1', 1);
      await reserve('r7', 'h1', 5, 3);
      const first = { ...answer('r7', 'h1'), createdAt: at(6) };
      await store.complete(first);
      expect(await reserve('r7', 'h1', 7, 3)).toEqual({ kind: 'completed', record: first });
      await store.release(reservation('r7', 'h1', 5));
      await store.complete(answer('r7', 'h1'));
      expect(await store.find('svc', 'r7')).toEqual(first);
    });

    it('an answer stored without a reservation is kept by a later reservation', async () => {
      const store = openStore();
      await store.save(answer('r4', 'h1'));
      expect(await reserve('r4', 'h1', 1)).toEqual({ kind: 'completed', record: answer('r4', 'h1') });
    });

    it('an abandoned reservation stays bound to its request: stale at once for it, refused to another body', async () => {
      const store = openStore();
      await reserve('r10', 'h1', 1);
      // Only its own reservation (the `at` names it) is abandoned.
      await store.abandon(reservation('r10', 'h1', 2));
      expect(await reserve('r10', 'h1', 3)).toEqual({ kind: 'pending', requestHash: 'h1', since: at(1) });
      await store.abandon(reservation('r10', 'h1', 1));
      // Not old by the clock (nothing is before minute 0), yet stale: the same request takes it at once.
      expect(await reserve('r10', 'h2', 3)).toMatchObject({ kind: 'pending', requestHash: 'h1' });
      expect(await reserve('r10', 'h1', 3)).toEqual({ kind: 'reserved' });
      // An answered key is left alone.
      await store.complete(answer('r10', 'h1'));
      await store.abandon(reservation('r10', 'h1', 3));
      expect(await store.find('svc', 'r10')).toEqual(answer('r10', 'h1'));
    });
  });
}
