/**
 * The auditor CLI's exit codes, stable for scripts and CI jobs:
 *  0  checked, and everything is as recorded;
 *  1  checked, and something is not (a hash-chain break, an export discrepancy, a replay difference);
 *  2  could not check (bad usage, configuration, missing stream or store, feature not available);
 *  130 / 143  replay-check or as-of --read-model stopped by Ctrl-C (SIGINT) / SIGTERM before the end
 *             (scratch files removed); other commands end on the signal as any process does.
 */
export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_CANNOT_CHECK = 2;
/** A replay stopped by a signal: 128 + the signal's number, as a shell reports it. */
export const EXIT_ON_SIGNAL = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof EXIT_ON_SIGNAL;

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
