import { Injectable } from '@nestjs/common';
import { CLIENT_LIST, PARTNER_OVERVIEW, POR_INBOX } from '@pc/read-models';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { filter } from 'rxjs';
import { ReadModelRuntime } from './read-model-runtime';

/** The names dashboards know the read models by (the resources they re-read). */
export const READ_MODEL_NAMES: Record<string, string> = {
  [PARTNER_OVERVIEW]: 'overview',
  [CLIENT_LIST]: 'clients',
  [POR_INBOX]: 'por-notifications',
};

/**
 * Server-Sent Events telling one partner's dashboard which of its read models changed and at what
 * position (to pass back as X-Min-Position when re-reading). Announcements only: no row data goes
 * out on the stream, so a dashboard always reads through the tenant-checked query routes.
 */
@Injectable()
export class PartnerUpdates {
  constructor(private readonly runtime: ReadModelRuntime) {}

  /** Takes over the reply (the tenant check has passed) and streams until either side closes. */
  open(partnerId: string, request: FastifyRequest, reply: FastifyReply): void {
    reply.hijack();
    const response = reply.raw;
    // Headers already set on the reply (request and correlation ids) go out with the stream's own.
    const inherited: Record<string, string> = {};
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined) inherited[name] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    response.writeHead(200, {
      ...inherited,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // Proxies (nginx) must not buffer the stream.
      'x-accel-buffering': 'no',
    });
    const send = (event: string, data: object, id?: string) => {
      if (!response.writableEnded) {
        response.write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      }
    };
    send('ready', { partnerId, readModels: Object.values(READ_MODEL_NAMES) });

    // Subscriptions may complete synchronously (shutdown under way): everything is declared first.
    const subscriptions: Array<{ unsubscribe(): void }> = [];
    // Comment lines keep idle connections open through proxies and reveal dead clients.
    const heartbeat = setInterval(() => {
      if (!response.writableEnded) response.write(': heartbeat\n\n');
    }, this.runtime.config.heartbeatMs);
    heartbeat.unref();
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      subscriptions.forEach((subscription) => subscription.unsubscribe());
      if (!response.writableEnded) response.end();
    };
    subscriptions.push(
      this.runtime.changes$
        .pipe(filter((change) => change.partnerIds === 'all' || change.partnerIds.includes(partnerId)))
        .subscribe({
          next: (change) =>
            send(
              'changed',
              {
                readModel: READ_MODEL_NAMES[change.projection] ?? change.projection,
                position: change.position,
              },
              change.position,
            ),
          complete: end,
        }),
      this.runtime.closing$.subscribe({ next: end, complete: end }),
    );
    if (ended) subscriptions.forEach((subscription) => subscription.unsubscribe());
    request.raw.on('close', end);
    response.on('close', end);
  }
}
