import type { ServerResponse } from 'node:http';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/** The reason of a ClientGone signal: the caller closed its connection before the answer was sent. */
export class ClientGoneError extends Error {
  readonly code = 'client-closed-request';

  constructor() {
    super('The client closed the connection before the response was sent.');
    this.name = 'ClientGoneError';
  }
}

/**
 * A signal aborted (with a ClientGoneError) when the connection of `response` closes before the
 * response has been sent in full. A response sent normally never aborts it.
 */
export function clientGoneSignal(response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  const closed = () => {
    if (!response.writableFinished) controller.abort(new ClientGoneError());
  };
  if (response.destroyed) closed();
  else response.once('close', closed);
  return controller.signal;
}

/**
 * Parameter decorator: an AbortSignal for work that is only worth finishing while the caller waits
 * (a long replay of the log). Pass it down; the work stops at its next step once the client is gone.
 */
export const ClientGone = createParamDecorator((_: unknown, context: ExecutionContext): AbortSignal =>
  clientGoneSignal(context.switchToHttp().getResponse<FastifyReply>().raw),
);
