/**
 * Durable memory of the responses to commands sent with an Idempotency-Key, so a retry (even after a
 * restart) gets the original answer and writes nothing. Lives in table `idempotency_keys` of the
 * read-model database but is NOT a read model: it cannot be rebuilt from events and projection
 * rebuilds must never touch it.
 */
export interface StoredResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

export interface IdempotencyRecord {
  service: string;
  key: string;
  requestHash: string;
  /** Only successful results are stored as answers ('pending' rows are reservations, never returned). */
  status: 'completed';
  response: StoredResponse;
  createdAt: string;
}

/**
 * A request that has taken its key and is running: later requests with the key wait for its answer.
 * The four fields name one reservation: its holder passes the same object to `release`.
 */
export interface Reservation {
  service: string;
  key: string;
  requestHash: string;
  /**
   * When it was taken (ISO); a reservation older than the caller's `staleBefore` may be taken over by
   * the same request (see IdempotencyStore.reserve). Also what tells a reservation from the one that
   * took it over (same key, maybe the same hash): a takeover needs the held one to be older than its
   * `staleBefore`, so their `at`s always differ.
   */
  at: string;
}

export type ReserveOutcome =
  | { kind: 'reserved' }
  /** The key was answered already. */
  | { kind: 'completed'; record: IdempotencyRecord }
  /**
   * Another request holds the key and has not answered yet: one still running, or a stale one with
   * another request hash (the key stays bound to the request it was first sent with).
   */
  | { kind: 'pending'; requestHash: string; since: string };

export interface IdempotencyStore {
  readonly kind: 'sqlite' | 'postgres';
  /** The stored answer of a key; null when there is none yet (a pending reservation is not one). */
  find(service: string, key: string): Promise<IdempotencyRecord | null>;
  /** Stores the record unless (service, key) is already stored; returns the record that is stored. */
  save(record: IdempotencyRecord): Promise<IdempotencyRecord>;
  /**
   * Takes the key for a request about to run, unless it is answered or held. A reservation taken
   * before `staleBefore` (its request died without answering) is taken over, in one atomic step, only
   * by a request with its hash: the dead request may have run its command, so the key stays bound to
   * it, and another request's hash gets 'pending' with the holder's hash, stale or not. A takeover
   * writes the reservation's `at`.
   */
  reserve(reservation: Reservation, staleBefore: string): Promise<ReserveOutcome>;
  /**
   * Turns the key's reservation for this request hash into its stored answer, or stores the answer if
   * the key has none (the reservation gone). A reservation taken over by a request with the same hash
   * is answered too: that request runs the same command (the command id comes from the key and the
   * hash), which the pipeline answers as a replay, so the answer of the run that came first is stored.
   */
  complete(record: IdempotencyRecord): Promise<void>;
  /**
   * Gives the key back, free for any request (the command was refused: nothing was applied, nothing
   * to answer a retry with; for failures that may have applied, see `abandon`). Only the caller's own
   * reservation, the one `reserve` took with these values: one taken over since (as stale) belongs to
   * the request that took it, and is left alone, as is an answered key.
   */
  release(reservation: Reservation): Promise<void>;
  /**
   * Gives up the caller's own reservation without freeing the key (the request failed in a way that
   * may have applied its command: an infrastructure error, or an answer that could not be stored):
   * the reservation is made stale at once, so the same request, sent again, takes it over at once,
   * while another request with the key is still refused (see `reserve`). One taken over since, or an
   * answered key, is left alone.
   */
  abandon(reservation: Reservation): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const IDEMPOTENCY_TABLE = 'idempotency_keys';

/** Status of a reservation row (see IdempotencyStore.reserve); its response column holds JSON null. */
export const PENDING = 'pending';
export const PENDING_RESPONSE = 'null';

/** The `at` an abandoned reservation gets: older than any `staleBefore`, so stale at once. */
export const ABANDONED_AT = '1970-01-01T00:00:00.000Z';
