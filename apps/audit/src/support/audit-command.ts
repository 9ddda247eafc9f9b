import { CommandRunner } from 'nest-commander';
import { AuditNotFoundError } from '@pc/audit';
import { ConfigError } from '@pc/event-store';
import { CliError, EXIT_CANNOT_CHECK } from './exit-codes';
import { note } from './output';

type CommanderCommand = Parameters<CommandRunner['setCommand']>[0];

/** Commander's own exits (help: 0, usage errors: 1) mapped onto ours: help stays 0, usage becomes 2. */
export function exitOnCommanderError(error: Error & { exitCode?: number }): never {
  process.exit(error.exitCode === 0 || error.exitCode === undefined ? 0 : EXIT_CANNOT_CHECK);
}

/** Exit code of a command stopped by a signal: 128 + the signal's number, as a shell reports it. */
const EXIT_ON_SIGNAL = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof EXIT_ON_SIGNAL;

/** The reason `AuditCommand.signal` is aborted with. */
export class Interrupted extends Error {
  constructor(readonly by: StopSignal) {
    super(`interrupted (${by})`);
    this.name = 'Interrupted';
  }
}

/**
 * Base of every auditor command: expected failures (bad input, missing stream, configuration) print
 * one line and exit 2; unexpected ones keep their stack for a bug report. The first Ctrl-C (SIGINT)
 * or SIGTERM while a command runs aborts `signal`: a replay stops at its next batch and removes its
 * scratch files (as big as the read models) before the command exits 130 (143); a second one exits
 * at once.
 */
export abstract class AuditCommand extends CommandRunner {
  private stop = new AbortController();

  /** Aborted (with an Interrupted) on the first SIGINT or SIGTERM; pass it to long work. */
  protected get signal(): AbortSignal {
    return this.stop.signal;
  }

  override setCommand(command: CommanderCommand): this {
    command.exitOverride(exitOnCommanderError);
    // Commander ignores arguments a command does not declare: `verify partner-contoso` checked every
    // stream and `export extra --out d` exported everything, both exit 0. A usage error instead.
    command.allowExcessArguments(false);
    return super.setCommand(command);
  }

  async run(args: string[], options?: Record<string, unknown>): Promise<void> {
    this.stop = new AbortController();
    const interrupt = (by: StopSignal) => {
      if (this.stop.signal.aborted) process.exit(EXIT_ON_SIGNAL[by]);
      note(`${by}: stopping (again to quit at once)…`);
      this.stop.abort(new Interrupted(by));
    };
    const handlers = (Object.keys(EXIT_ON_SIGNAL) as StopSignal[]).map((by) => {
      const handler = () => interrupt(by);
      process.on(by, handler);
      return () => process.off(by, handler);
    });
    try {
      process.exitCode = await this.execute(args, options ?? {});
    } catch (error) {
      if (error instanceof Interrupted) {
        note(`error: ${error.message}; nothing was checked to the end`);
        process.exitCode = EXIT_ON_SIGNAL[error.by];
        return;
      }
      if (error instanceof CliError || error instanceof AuditNotFoundError || error instanceof ConfigError) {
        note(`error: ${error.message}`);
        process.exitCode = error instanceof CliError ? error.exitCode : EXIT_CANNOT_CHECK;
        return;
      }
      throw error;
    } finally {
      for (const remove of handlers) remove();
    }
  }

  /** Returns the exit code. */
  protected abstract execute(args: string[], options: Record<string, unknown>): Promise<number>;
}
