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
  const entry = record[id];
  return entry === undefined ? record : { ...record, [id]: { ...entry, ...patch(entry) } };
}
