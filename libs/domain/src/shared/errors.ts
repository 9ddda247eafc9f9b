/**
 * Why a command was refused. `code` is stable (it becomes the problem+json `type` suffix,
 * e.g. `https://partner-center.dev/errors/not-an-advisor`); `facts` names the offending ids.
 * `kind` tells the transport which family the refusal belongs to.
 */
export type RefusalKind =
  /** A business rule says no (HTTP 422). */
  | 'rule'
  /** The actor may not do this (HTTP 403; tenant-hiding turns it into 404 at the edge where needed). */
  | 'forbidden'
  /** The thing named does not exist, or is not visible to this actor (HTTP 404). */
  | 'not-found'
  /** The thing already exists (HTTP 409). */
  | 'conflict';

export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly detail: string,
    readonly facts: Record<string, string | number | boolean | null> = {},
    readonly kind: RefusalKind = 'rule',
  ) {
    super(detail);
    this.name = 'DomainError';
  }
}

export const refuse = (
  code: string,
  detail: string,
  facts: Record<string, string | number | boolean | null> = {},
  kind: RefusalKind = 'rule',
): never => {
  throw new DomainError(code, detail, facts, kind);
};
