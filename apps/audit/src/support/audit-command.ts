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

/**
 * Base of every auditor command: expected failures (bad input, missing stream, configuration) print
 * one line and exit 2; unexpected ones keep their stack for a bug report.
 */
export abstract class AuditCommand extends CommandRunner {
  override setCommand(command: CommanderCommand): this {
    command.exitOverride(exitOnCommanderError);
    // Commander ignores arguments a command does not declare: `verify partner-contoso` checked every
    // stream and `export extra --out d` exported everything, both exit 0. A usage error instead.
    command.allowExcessArguments(false);
    return super.setCommand(command);
  }

  async run(args: string[], options?: Record<string, unknown>): Promise<void> {
    try {
      process.exitCode = await this.execute(args, options ?? {});
    } catch (error) {
      if (error instanceof CliError || error instanceof AuditNotFoundError || error instanceof ConfigError) {
        note(`error: ${error.message}`);
        process.exitCode = error instanceof CliError ? error.exitCode : EXIT_CANNOT_CHECK;
        return;
      }
      throw error;
    }
  }

  /** Returns the exit code. */
  protected abstract execute(args: string[], options: Record<string, unknown>): Promise<number>;
}
