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

/** A request that has taken its key and is running: later requests with the key wait for its answer. */
export interface Reservation {
  service: string;
  key: string;
  requestHash: string;
  /** When it was taken (ISO); a reservation older than the caller's `staleBefore` may be taken over. */
  at: string;
}

export type ReserveOutcome =
  | { kind: 'reserved' }
  /** The key was answered already. */
  | { kind: 'completed'; record: IdempotencyRecord }
  /** Another request holds the key and has not answered yet. */
  | { kind: 'pending'; requestHash: string; since: string };

export interface IdempotencyStore {
  readonly kind: 'sqlite' | 'postgres';
  /** The stored answer of a key; null when there is none yet (a pending reservation is not one). */
  find(service: string, key: string): Promise<IdempotencyRecord | null>;
  /** Stores the record unless (service, key) is already stored; returns the record that is stored. */
  save(record: IdempotencyRecord): Promise<IdempotencyRecord>;
  /**
   * Takes the key for a request about to run, unless it is answered or held (a reservation taken
   * before `staleBefore` is taken over: its request died without answering).
   */
  reserve(reservation: Reservation, staleBefore: string): Promise<ReserveOutcome>;
  /** Turns this request's reservation into its stored answer (or stores it, the reservation gone). */
  complete(record: IdempotencyRecord): Promise<void>;
  /** Gives the key back (the request failed: nothing to answer a retry with). Only its own reservation. */
  release(service: string, key: string, requestHash: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const IDEMPOTENCY_TABLE = 'idempotency_keys';

/** Status of a reservation row (see IdempotencyStore.reserve); its response column holds JSON null. */
export const PENDING = 'pending';
export const PENDING_RESPONSE = 'null';
