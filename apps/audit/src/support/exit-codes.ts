/**
 * The auditor CLI's exit codes, stable for scripts and CI jobs:
 *  0  checked, and everything is as recorded;
 *  1  checked, and something is not (a hash-chain break, an export discrepancy, a replay difference);
 *  2  could not check (bad usage, configuration, missing stream or store, feature not available);
 *  130 / 143  stopped by Ctrl-C (SIGINT) / SIGTERM before the end (scratch files removed).
 */
export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_CANNOT_CHECK = 2;

/** An expected failure: printed as one line to stderr, no stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_CANNOT_CHECK,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
