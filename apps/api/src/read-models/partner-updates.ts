import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '@pc/domain';
import { CLIENT_LIST, PARTNER_OVERVIEW, POR_INBOX } from '@pc/read-models';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { filter } from 'rxjs';
import { ActingUsers, type Principal, statusOfDomainError } from '../platform';
import type { ReadModelChange } from './read-model-changes';
import { ReadModelRuntime } from './read-model-runtime';

/** The names dashboards know the read models by (the resources they re-read). */
export const READ_MODEL_NAMES: Record<string, string> = {
  [PARTNER_OVERVIEW]: 'overview',
  [CLIENT_LIST]: 'clients',
  [POR_INBOX]: 'por-notifications',
};

/** The last event of a stream the server ends because the acting user may no longer read. */
export interface StreamEnd {
  /** The refusal's code, as in the 403 problem a read would now get (`actor-inactive`...), or `unavailable`. */
  reason: string;
  status: number;
  detail: string;
  [fact: string]: unknown;
}

/**
 * Server-Sent Events telling one partner's dashboard which of its read models changed and at what
 * position (to pass back as X-Min-Position when re-reading). Announcements only: no row data goes
 * out on the stream, so a dashboard always reads through the tenant-checked query routes.
 *
 * The acting user stays checked while the stream is open. A token outlives a deactivation, and the
 * ActingUserGuard's check when the stream opened says nothing about an hour later: before anything
 * goes out (a `changed` event or a heartbeat), its rule (ActingUsers) is asked again.
 * Once it refuses (a partner or customer user deactivated or removed from its tenant), the stream
 * sends one last `end` event carrying the refusal (`reason`: `actor-inactive`...; what a read would
 * now answer with 403) and closes. A browser's EventSource then reconnects and gets that 403, which
 * stops it. If the check cannot be made (the event store is unreachable), the stream ends too
 * (`reason`: `unavailable`): it never keeps sending on an unchecked user.
 *
 * Changes that arrive while a check is under way wait for the next check (one started after they
 * arrived), so a burst costs one aggregate read (through the pipeline's stream cache), not one per
 * change, and none is sent on a check older than itself.
 */
@Injectable()
export class PartnerUpdates {
  private readonly logger = new Logger(PartnerUpdates.name);

  constructor(
    private readonly runtime: ReadModelRuntime,
    private readonly actingUsers: ActingUsers,
  ) {}

  /**
   * Takes over the reply (the tenant and acting-user checks have passed) and streams until either
   * side closes, or until the acting user (of `principal`) may no longer read.
   */
  open(partnerId: string, principal: Principal, request: FastifyRequest, reply: FastifyReply): void {
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
    let ended = false;
    const send = (event: string, data: object, id?: string) => {
      if (!ended && !response.writableEnded) {
        response.write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      }
    };
    send('ready', { partnerId, readModels: Object.values(READ_MODEL_NAMES) });

    // Subscriptions may complete synchronously (shutdown under way): everything is declared first.
    const subscriptions: Array<{ unsubscribe(): void }> = [];
    // What waits for the next check of the acting user: changes in arrival order, and a heartbeat.
    const pending: ReadModelChange[] = [];
    let heartbeatDue = false;
    let checking = false;
    // Comment lines keep idle connections open through proxies and reveal dead clients.
    const heartbeat = setInterval(() => {
      heartbeatDue = true;
      void pump();
    }, this.runtime.config.heartbeatMs);
    heartbeat.unref();
    const end = (last?: StreamEnd) => {
      if (ended) return;
      if (last !== undefined) send('end', last);
      ended = true;
      clearInterval(heartbeat);
      subscriptions.forEach((subscription) => subscription.unsubscribe());
      if (!response.writableEnded) response.end();
    };

    /** Checks the acting user, then sends what waited for the check; again while more arrived meanwhile. */
    const pump = async (): Promise<void> => {
      if (checking) return; // the running check's loop picks it up
      checking = true;
      try {
        while (!ended && (pending.length > 0 || heartbeatDue)) {
          const changes = pending.splice(0);
          const beat = heartbeatDue;
          heartbeatDue = false;
          const refusal = await this.refusalOf(principal);
          if (ended) return;
          if (refusal !== undefined) return end(refusal);
          for (const change of changes) {
            send(
              'changed',
              {
                readModel: READ_MODEL_NAMES[change.projection] ?? change.projection,
                position: change.position,
              },
              change.position,
            );
          }
          if (beat && !response.writableEnded) response.write(': heartbeat\n\n');
        }
      } finally {
        checking = false;
      }
    };

    subscriptions.push(
      this.runtime.changes$
        .pipe(filter((change) => change.partnerIds === 'all' || change.partnerIds.includes(partnerId)))
        .subscribe({
          next: (change) => {
            pending.push(change);
            void pump();
          },
          complete: () => end(),
        }),
      this.runtime.closing$.subscribe({ next: () => end(), complete: () => end() }),
    );
    if (ended) subscriptions.forEach((subscription) => subscription.unsubscribe());
    request.raw.on('close', () => end());
    response.on('close', () => end());
  }

  /** Why the acting user may no longer read (the ActingUsers rule's refusal); undefined while it may. */
  private async refusalOf(principal: Principal): Promise<StreamEnd | undefined> {
    try {
      await this.actingUsers.assertActive(principal);
      return undefined;
    } catch (error) {
      if (error instanceof DomainError) {
        // The status a read would now be refused with (the guard's refusals are all 'forbidden').
        return {
          ...error.facts,
          reason: error.code,
          status: statusOfDomainError(error),
          detail: error.detail,
        };
      }
      this.logger.warn(`update stream ended: the acting user could not be checked (${String(error)})`);
      return {
        reason: 'unavailable',
        status: 503,
        detail: 'The acting user could not be checked; reconnect to try again.',
      };
    }
  }
}
