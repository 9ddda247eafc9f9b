import { CommandRunner } from 'nest-commander';
import { AuditNotFoundError } from '@pc/audit';
import { ConfigError } from '@pc/event-store';
import { CliError, EXIT_CANNOT_CHECK, EXIT_ON_SIGNAL, type StopSignal } from './exit-codes';
import { note } from './output';

type CommanderCommand = Parameters<CommandRunner['setCommand']>[0];

/** Commander's own exits (help: 0, usage errors: 1) mapped onto ours: help stays 0, usage becomes 2. */
export function exitOnCommanderError(error: Error & { exitCode?: number }): never {
  process.exit(error.exitCode === 0 || error.exitCode === undefined ? 0 : EXIT_CANNOT_CHECK);
}

/** The reason `AuditCommand.signal` is aborted with. */
export class Interrupted extends Error {
  constructor(readonly by: StopSignal) {
    super(`interrupted (${by})`);
    this.name = 'Interrupted';
  }
}

/**
 * Base of every auditor command: expected failures (bad input, missing stream, configuration) print
 * one line and exit 2; unexpected ones keep their stack for a bug report. A command that sets
 * `interruptible` (one that passes `signal` to its work: the replays) takes over Ctrl-C (SIGINT) and
 * SIGTERM while it runs: the first aborts `signal`, the replay stops at its next batch and removes
 * its scratch files (as big as the read models), and the command exits 130 (143); a second one exits
 * at once (the scratch directories are still removed, see ScratchSpace). Every other command keeps
 * Node's default: the signal ends it at once.
 */
export abstract class AuditCommand extends CommandRunner {
  private stop = new AbortController();

  /** Whether this command stops its work on `signal`; only then are SIGINT and SIGTERM taken over. */
  protected readonly interruptible: boolean = false;

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
    const signals = this.interruptible ? (Object.keys(EXIT_ON_SIGNAL) as StopSignal[]) : [];
    const handlers = signals.map((by) => {
      const handler = () => interrupt(by);
      process.on(by, handler);
      return () => process.off(by, handler);
    });
    try {
      const code = await this.execute(args, options ?? {});
      // Interrupted after the work's last look at the signal: it ran to its end, but not as asked.
      this.stop.signal.throwIfAborted();
      process.exitCode = code;
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
