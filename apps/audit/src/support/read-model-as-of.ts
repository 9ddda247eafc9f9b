import { type EventStore, InvalidAppendError } from '@pc/event-store';
import {
  AS_OF_READ_MODELS,
  type ReadModelAsOfResult,
  isAsOfReadModel,
  readModelAsOf,
} from '../../../api/src/audit/read-models/read-model-as-of';
import { ProblemException } from '../../../api/src/platform/problem/problem-exception';
import { CliError } from './exit-codes';
import { parseNonNegativeInt, stringOption } from './output';

/**
 * `as-of --read-model …`: the same code as GET /audit/read-models/{readModel}/as-of (scratch
 * rebuild + the live query), so the CLI and the API can never disagree about a past state.
 */
export async function readModelAsOfJson(
  store: EventStore,
  readModel: string,
  options: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<ReadModelAsOfResult> {
  if (!isAsOfReadModel(readModel)) {
    throw new CliError(`--read-model must be one of ${AS_OF_READ_MODELS.join(', ')}, got '${readModel}'`);
  }
  const partnerId = stringOption(options, 'partner');
  const position = stringOption(options, 'position');
  if (partnerId === undefined || position === undefined) {
    throw new CliError('--read-model needs --partner <id> and --position <position>');
  }
  const limitText = stringOption(options, 'limit');
  const limit = limitText === undefined ? undefined : parseNonNegativeInt(limitText, '--limit');
  if (limit !== undefined && (limit < 1 || limit > 200)) throw new CliError('--limit must be from 1 to 200');
  try {
    return await readModelAsOf(
      store,
      readModel,
      {
        partnerId,
        position,
        clients: { limit },
      },
      () => new Date(),
      signal,
    );
  } catch (error) {
    // Refusals of the auditor's input (unknown partner, malformed position) are one line, not a stack.
    if (error instanceof ProblemException) throw new CliError(error.detail);
    if (error instanceof InvalidAppendError) throw new CliError(error.message);
    throw error;
  }
}
