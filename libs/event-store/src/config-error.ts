/**
 * Bad event-store settings. The message names each setting and what it accepts, for operators. When
 * several settings are wrong, `setting` is the first and `problems` lists every one (one per line of
 * the message), so a bad deploy fails once with the full list, as the read-model store's settings do.
 * No message carries a password: connection URLs are shown through redactUrl.
 */
export class ConfigError extends Error {
  /** One line per bad setting, each starting with the setting's name. */
  readonly problems: string[];

  constructor(
    readonly setting: string,
    message: string,
    more: readonly ConfigError[] = [],
  ) {
    const problems = [message, ...more.flatMap((error) => error.problems)];
    super(problems.join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * A connection URL (or any value an operator may have pasted one into) as it may be shown (in an
 * error, a log): the password of its user info masked, and a password query parameter too. The user
 * info ends at the LAST `@` of the authority, so a password holding an unencoded `@` or `/` is masked
 * whole (the host may be masked with it: more hidden, never less).
 */
export function redactUrl(url: string): string {
  let shown = url.replace(/([?&](?:password|pass|pwd)=)[^&#]*/gi, '$1***');
  const start = shown.indexOf('//');
  if (start === -1) return shown;
  const rest = shown.slice(start + 2);
  const at = rest.lastIndexOf('@');
  const colon = rest.indexOf(':');
  if (at !== -1 && colon !== -1 && colon < at) {
    shown = `${shown.slice(0, start + 2)}${rest.slice(0, colon)}:***@${rest.slice(at + 1)}`;
  }
  return shown;
}
