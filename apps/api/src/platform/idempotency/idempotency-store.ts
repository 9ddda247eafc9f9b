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
  /** Only successful results are stored, so this is always 'completed' today. */
  status: 'completed';
  response: StoredResponse;
  createdAt: string;
}

export interface IdempotencyStore {
  readonly kind: 'sqlite' | 'postgres';
  find(service: string, key: string): Promise<IdempotencyRecord | null>;
  /** Stores the record unless (service, key) is already stored; returns the record that is stored. */
  save(record: IdempotencyRecord): Promise<IdempotencyRecord>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const IDEMPOTENCY_TABLE = 'idempotency_keys';
