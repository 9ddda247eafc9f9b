import { createParamDecorator, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from '../platform';
import { ReadModelRuntime } from './read-model-runtime';
import { POSITION_FORMAT } from '@pc/event-store';

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
    const query = first((request.query as Record<string, unknown> | undefined)?.minPosition);
    const value = typeof header === 'string' && header !== '' ? header : query;
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string' || !POSITION_FORMAT.test(value)) {
      throw new ProblemException(
        400,
        'invalid-min-position',
        'Invalid minimum position',
        'X-Min-Position / minPosition must be a position returned by a command.',
        {
          minPosition: typeof value === 'string' ? value.slice(0, 100) : null,
        },
      );
    }
    return value;
  },
);

/**
 * Read-your-writes: waits (bounded) until the projections a query reads have reached the position,
 * else answers 503 with Retry-After — the caller's write is safe, only the read model is behind.
 */
@Injectable()
export class ReadYourWrites {
  constructor(private readonly runtime: ReadModelRuntime) {}

  async atLeast(position: string | undefined, projections: string[]): Promise<void> {
    if (position === undefined) return;
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
