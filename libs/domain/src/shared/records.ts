/**
 * The entry with this id if the record holds one of its own, else undefined. Aggregate states keep
 * their children (users, subscriptions, delegations, service requests) in plain records keyed by ids
 * that arrive in URLs and bodies: a plain `record[id]` answers an inherited member for ids such as
 * "constructor" or "toString", which then passed for an existing user or subscription.
 */
export function entryOf<T>(record: Readonly<Record<string, T>>, id: string): T | undefined {
  return Object.hasOwn(record, id) ? record[id] : undefined;
}

/**
 * The record with entry `id` patched, as a new object; the SAME record when there is no such entry,
 * so an evolver can tell "nothing changed" by identity. Aggregate states keep their children
 * (users, subscriptions, delegations, service requests) in records keyed by id.
 */
export function patchEntry<T extends object>(
  record: Record<string, T>,
  id: string,
  patch: (entry: T) => Partial<T>,
): Record<string, T> {
  const entry = entryOf(record, id);
  return entry === undefined ? record : { ...record, [id]: { ...entry, ...patch(entry) } };
}
