import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext, CommandPipeline, CommandResult } from '@pc/pipeline';
import { COMMAND_PIPELINE } from '../tokens';

/**
 * The one command class on the CommandBus. Every domain command travels as data (type + payload),
 * so adding a command to libs/domain needs no new Nest class: the pipeline dispatches on `type`.
 */
export class ExecuteDomainCommand extends Command<CommandResult> {
  constructor(
    readonly type: string,
    readonly payload: Record<string, unknown>,
    readonly context: CommandContext,
  ) {
    super();
  }
}

@CommandHandler(ExecuteDomainCommand)
export class ExecuteDomainCommandHandler implements ICommandHandler<ExecuteDomainCommand, CommandResult> {
  constructor(@Inject(COMMAND_PIPELINE) private readonly pipeline: CommandPipeline) {}

  execute(command: ExecuteDomainCommand): Promise<CommandResult> {
    return this.pipeline.execute(command.type, command.payload, command.context);
  }
}
