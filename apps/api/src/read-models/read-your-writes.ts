import { createParamDecorator, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { comparePositions, type EventStore, positionProblem } from '@pc/event-store';
import type { FastifyRequest } from 'fastify';
import { EVENT_STORE, ProblemException, ReadsQuery } from '../platform';
import { ReadModelRuntime } from './read-model-runtime';

const first = (value: unknown): unknown => (Array.isArray(value) ? value[0] : value);

/**
 * The minimum global position a query must reflect: the `X-Min-Position` header, else the
 * `minPosition` query parameter (for clients that cannot set headers, e.g. EventSource). Taken from
 * a command's response `position`.
 */
export const MinPosition = createParamDecorator(
  (_: unknown, context: ExecutionContext): string | undefined => {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = first(request.headers['x-min-position']);
    const sent = (request.query as Record<string, unknown> | undefined)?.minPosition;
    // In the query string it is given or not: `minPosition=` or a repeated one is refused below, not
    // taken for "no wait" (a caller that meant to wait would read stale data and never know).
    const query = Array.isArray(sent) ? sent : sent === '' ? [] : sent;
    const value = typeof header === 'string' && header !== '' ? header : query;
    if (value === undefined) return undefined;
    const problem = positionProblem(value);
    if (typeof value !== 'string' || problem !== undefined) {
      throw new ProblemException(
        400,
        'invalid-min-position',
        'Invalid minimum position',
        `X-Min-Position / minPosition ${problem ?? 'must be a position'}.`,
        {
          minPosition: typeof value === 'string' ? value.slice(0, 100) : null,
        },
      );
    }
    return value;
  },
  [ReadsQuery('minPosition')],
);

/**
 * Read-your-writes: waits (bounded) until the projections a query reads have reached the position,
 * else answers 503 with Retry-After — the caller's write is safe, only the read model is behind.
 *
 * A position beyond the log's head was returned by no write, so no wait can reach it: 400 at once,
 * rather than a 503 after the whole wait that a client would retry forever. The head is read only
 * when the read models have not reached the position at once (never on the fast path), and read
 * fresh: a position another instance returned is committed, so at or below the head any later read
 * of the shared store sees.
 */
@Injectable()
export class ReadYourWrites {
  constructor(
    private readonly runtime: ReadModelRuntime,
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
  ) {}

  async atLeast(position: string | undefined, projections: string[]): Promise<void> {
    if (position === undefined) return;
    if (await this.runtime.waitFor(position, projections, 0)) return;
    const head = await this.eventStore.headPosition();
    if (head === null || comparePositions(position, head) > 0) {
      throw new ProblemException(
        400,
        'min-position-beyond-head',
        'Minimum position not written yet',
        `No write has reached position ${position} (the log's head is ${head ?? 'empty'}): pass a position a command returned.`,
        { minPosition: position, head },
      );
    }
    const timeoutMs = this.runtime.config.readYourWritesTimeoutMs;
    if (await this.runtime.waitFor(position, projections, timeoutMs)) return;
    throw new ProblemException(
      503,
      'read-model-behind',
      'Read model not up to date',
      `The read models did not reach position ${position} within ${timeoutMs} ms. Retry shortly.`,
      { minPosition: position, projections },
      { 'Retry-After': '1' },
    );
  }
}
