/**
 * The metadata envelope carried by every event the service writes. The pipeline builds it;
 * the port stores it as opaque JSON. Auditors read it to answer "who did what, when, on whose
 * behalf, and because of which command".
 */
export type ActorKind = 'partner-user' | 'customer-user' | 'service' | 'platform';

export interface Actor {
  kind: ActorKind;
  id: string;
  partnerId?: string;
  customerId?: string;
}

export interface EventMetadata {
  /** Id of the command that produced the event (stable across retries of the same command). */
  commandId: string;
  /** Id of the end-to-end conversation (request) the command belongs to. */
  correlationId: string;
  /** Id of the message that directly caused this event (the command, or a triggering event). */
  causationId: string;
  /** The acting principal (a person, or the platform) on whose behalf the command ran. */
  actor: Actor;
  /** The internal service that issued the command (JWT `sub`). */
  service: { kind: 'service'; id: string };
  /** Business time at which the command was decided (ISO-8601), from the command, never a clock in the domain. */
  occurredAt: string;
  /** Schema version of the event's data. */
  schemaVersion: number;
  /** Name of the command type. */
  commandType: string;
  /** SHA-256 chaining this event to the previous event of its stream (tamper evidence); hex. */
  hash?: string;
  prevHash?: string;
}
