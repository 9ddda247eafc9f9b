import { HttpException, Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { DomainError } from '@pc/domain/shared/errors';
import { InvalidAppendError, WrongExpectedVersionError } from '@pc/event-store';
import {
  type CommandContext,
  type CommandResult,
  ConcurrencyConflictError,
  PreconditionFailedError,
  ReplayMismatchError,
} from '@pc/pipeline';
import { insufficientScope, ProblemException } from '../problem/problem-exception';
import { CLOCK, type Clock } from '../clock';
import { IDEMPOTENCY_STORE } from '../tokens';
import type { IdempotencyStore, Reservation, StoredResponse } from '../idempotency/idempotency-store';
import {
  actorKey,
  commandIdFor,
  etagOf,
  legacyActorKey,
  parseIfMatch,
  fingerprinter,
  validIdempotencyKey,
} from './command-ids';
import type { CommandReply, CommandRequestMeta } from './command-meta';
import { ExecuteDomainCommand } from './execute-domain-command';

/** What every command endpoint answers (see CommandAcceptedDto for the OpenAPI schema). */
export interface CommandResponseBody {
  [key: string]: unknown;
  commandId: string;
  ids: Record<string, string>;
  revision: number;
  position: string | null;
  events: string[];
  replayed: boolean;
  /** Secrets handed out once (e.g. a temporary password). Never stored, so absent on an idempotent replay. */
  returned?: Record<string, string>;
}

/** Scopes that may run commands; `audit` and `queries` are read-only by construction. */
const COMMAND_SCOPES = ['commands', 'platform'] as const;

/**
 * The only way controllers issue commands. It turns an HTTP request into a CommandContext (ids,
 * actor, business time, If-Match), enforces Idempotency-Key semantics durably, executes through the
 * CommandBus, and shapes the reply (201 when events were written, now or by the first run of a
 * replayed command, 200 otherwise; ETag, X-Position).
 */
@Injectable()
export class CommandGateway implements OnApplicationShutdown {
  private readonly logger = new Logger('CommandGateway');

  constructor(
    private readonly commandBus: CommandBus,
    @Inject(IDEMPOTENCY_STORE) private readonly idempotency: IdempotencyStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async send(commandType: string, payload: object, meta: CommandRequestMeta): Promise<CommandResponseBody> {
    const { principal } = meta;
    if (!COMMAND_SCOPES.some((scope) => principal.scopes.has(scope))) throw insufficientScope(COMMAND_SCOPES);

    const key =
      validIdempotencyKey(meta.idempotencyKey, 'The Idempotency-Key header') ??
      validIdempotencyKey(bodyCommandId(meta.rawBody), 'The body field "commandId"');
    const service = principal.service.id;
    const fingerprintAs =
      key === undefined
        ? undefined
        : fingerprinter({ method: meta.method, path: meta.path, body: meta.rawBody });
    const fingerprint = fingerprintAs?.(actorKey(principal.actor));
    // Records answered before the tenant was part of the actor carry the legacy fingerprint; computed
    // only for a record whose hash is not the current one. (Reservations came later: none holds it.)
    const sameRequest = (requestHash: string) =>
      requestHash === fingerprint || requestHash === fingerprintAs?.(legacyActorKey(principal.actor));
    if (key !== undefined && fingerprint !== undefined) {
      const previous = await this.idempotency.find(service, key);
      if (previous !== null) {
        if (!sameRequest(previous.requestHash)) throw keyReused(key);
        return replay(previous.response, meta.reply);
      }
    }
    // After the replay (a retry with a known key is answered as it was), before the key is taken: a
    // malformed If-Match is refused without leaving the key held.
    const expectedRevision = parseIfMatch(meta.ifMatch);
    // The reservation this request took: only it is released (not one that took it over as stale).
    let reservation: Reservation | undefined;
    if (key !== undefined && fingerprint !== undefined) {
      // Taken before the command runs, so a second request with the key (a client retrying while
      // the first is still running, or reusing the key for another body at the same moment) is
      // answered instead of running beside it.
      const now = this.clock.now();
      const taking: Reservation = { service, key, requestHash: fingerprint, at: now.toISOString() };
      // A stale reservation is taken over only if it is this request's; another request's stays its
      // holder's, and is answered as below (422), stale or not.
      const reserved = await this.idempotency.reserve(
        taking,
        new Date(now.getTime() - PENDING_TAKEOVER_MS).toISOString(),
      );
      if (reserved.kind === 'completed') {
        if (!sameRequest(reserved.record.requestHash)) throw keyReused(key);
        return replay(reserved.record.response, meta.reply);
      }
      if (reserved.kind === 'pending') {
        if (!sameRequest(reserved.requestHash)) throw keyReused(key);
        throw requestInProgress(key);
      }
      reservation = taking;
    }

    const context: CommandContext = {
      commandId: commandIdFor(service, key, fingerprint),
      correlationId: meta.correlationId,
      actor: principal.actor,
      service: principal.service,
      now: this.clock.now().toISOString(),
      expectedRevision,
    };
    let result: CommandResult;
    try {
      result = await this.commandBus.execute(
        new ExecuteDomainCommand(commandType, toPlainPayload(payload), context),
      );
    } catch (error) {
      // Nothing is stored for the key, so a retry runs again. A refusal applied nothing: the key is
      // given back. Any other failure (a store that went away mid-append, a timeout after a commit) may
      // have applied the command: the key stays bound to this request, free at once for it (its retry
      // is answered as a replay) and still refused to another body, which would otherwise run a second
      // command under a key whose first one went through. Best effort: a reservation left behind is
      // taken over by the same request once stale.
      if (reservation !== undefined) await this.giveUp(reservation, isRefusal(error) ? 'release' : 'abandon');
      throw error;
    }
    const response = toStoredResponse(result);

    if (reservation !== undefined) await this.remember(reservation, response);
    applyToReply(response, meta.reply);
    if (result.replayed) meta.reply.header('Idempotent-Replayed', 'true');
    return result.returned === undefined
      ? (response.body as CommandResponseBody)
      : { ...(response.body as CommandResponseBody), returned: result.returned };
  }

  /**
   * Gives the key back (a refusal: `release`) or frees it for this request only (`abandon`). When the
   * store is away too (the usual reason the command failed: one database for both), it is kept for
   * one timer that tries again every second until it goes through or the reservation is stale anyway
   * (PENDING_TAKEOVER_MS after it was taken, by the clock): the key stayed pending, and every retry
   * got 409 request-in-progress for that long after the store came back.
   */
  private async giveUp(reservation: Reservation, how: 'release' | 'abandon'): Promise<void> {
    try {
      await this.idempotency[how](reservation);
    } catch (error) {
      const { service, key } = reservation;
      this.logger.warn({ err: error, service, key }, 'could not release idempotency key; trying again');
      if (this.unreleased.size >= MAX_UNRELEASED) return;
      this.unreleased.set(`${service}\n${key}`, { reservation, how });
      this.retryTimer ??= setInterval(() => void this.retryGiveUps(), GIVE_UP_RETRY_MS);
      this.retryTimer.unref();
    }
  }

  /** Keys whose giving up failed, by service and key (one entry per key: the latest request's). */
  private readonly unreleased = new Map<string, { reservation: Reservation; how: 'release' | 'abandon' }>();
  private retryTimer: NodeJS.Timeout | undefined;
  private retrying = false;

  private async retryGiveUps(): Promise<void> {
    if (this.retrying) return;
    this.retrying = true;
    try {
      for (const [id, { reservation, how }] of [...this.unreleased]) {
        if (Date.parse(reservation.at) + PENDING_TAKEOVER_MS <= this.clock.now().getTime()) {
          this.unreleased.delete(id);
          this.logger.warn(
            { service: reservation.service, key: reservation.key },
            'gave up releasing idempotency key; the same request takes it over now',
          );
          continue;
        }
        try {
          await this.idempotency[how](reservation);
          this.unreleased.delete(id);
        } catch {
          break; // Still away: the next tick tries again.
        }
      }
    } finally {
      this.retrying = false;
      if (this.unreleased.size === 0) this.stopRetrying();
    }
  }

  private stopRetrying(): void {
    clearInterval(this.retryTimer);
    this.retryTimer = undefined;
  }

  onApplicationShutdown(): void {
    this.stopRetrying();
    this.unreleased.clear();
  }

  private async remember(reservation: Reservation, response: StoredResponse): Promise<void> {
    const { service, key, requestHash } = reservation;
    try {
      await this.idempotency.complete({
        service,
        key,
        requestHash,
        status: 'completed',
        response,
        createdAt: this.clock.now().toISOString(),
      });
    } catch (error) {
      // The command is applied. Its key is not left held (a retry would get 409 for 30 s) but stays
      // bound to this request (abandon): a retry then runs again and has no second effect (the
      // command id is derived from the key, so the pipeline reports it as replayed), and another body
      // is refused; only the byte-identical replay is lost.
      this.logger.warn({ err: error, service, key }, 'could not record idempotency key');
      await this.giveUp(reservation, 'abandon');
    }
  }
}

function bodyCommandId(body: unknown): unknown {
  return typeof body === 'object' && body !== null && 'commandId' in body ? body.commandId : undefined;
}

/** DTO instances become plain JSON; `commandId` is transport, not payload. */
function toPlainPayload(payload: object): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(payload)) as Record<string, unknown>;
  delete plain['commandId'];
  return plain;
}

/**
 * 201 when the command wrote events, also when the pipeline found them written already (a retry
 * after a lost answer, a taken-over key, a `commandId` sent again): the answer is the first one's,
 * as an idempotency-store replay gives it. It was 200 there, so one request got 201 or 200
 * depending on which path answered its retry.
 */
function toStoredResponse(result: CommandResult): StoredResponse {
  const wroteEvents = result.eventTypes.length > 0;
  const headers: Record<string, string> = { ETag: etagOf(result.revision) };
  if (result.position !== null) headers['X-Position'] = result.position;
  const body: CommandResponseBody = {
    commandId: result.commandId,
    ids: result.ids,
    revision: result.revision,
    position: result.position,
    events: result.eventTypes,
    replayed: result.replayed,
  };
  return { statusCode: wroteEvents ? 201 : 200, headers, body };
}

function applyToReply(response: StoredResponse, reply: CommandReply): void {
  reply.status(response.statusCode);
  for (const [name, value] of Object.entries(response.headers)) reply.header(name, value);
}

function replay(response: StoredResponse, reply: CommandReply): CommandResponseBody {
  applyToReply(response, reply);
  reply.header('Idempotent-Replayed', 'true');
  return response.body as CommandResponseBody;
}

/**
 * How long a request may hold its key without answering before the same request, sent again, takes it
 * over (its process died mid-command). Taking over is safe: the command id comes from the key and the
 * body, so a second run of the same command is answered as a replay. Another request (body, actor,
 * path) with the key is refused as a reuse, stale reservation or not: the request that died may have
 * run its command, and a second, different command under its key would leave its retries refused.
 */
export const PENDING_TAKEOVER_MS = 30_000;

/** How often keys that could not be given back (the store away) are tried again. */
const GIVE_UP_RETRY_MS = 1000;
/** Most keys kept for that at once; past it, they wait to be stale (PENDING_TAKEOVER_MS). */
const MAX_UNRELEASED = 10_000;

function requestInProgress(key: string): ProblemException {
  return new ProblemException(
    409,
    'request-in-progress',
    'Request in progress',
    'A request with this Idempotency-Key is still running. Retry shortly to get its response.',
    { idempotencyKey: key },
    { 'Retry-After': '1' },
  );
}

function keyReused(key: string): ProblemException {
  return new ProblemException(
    422,
    'idempotency-key-reused',
    'Idempotency-Key reused',
    'This Idempotency-Key was already used for a different request (method, path, actor or body). Use a new key.',
    { idempotencyKey: key },
  );
}

/**
 * Failures that certainly applied nothing: the domain's refusals and the pipeline's and the store's
 * own (a precondition, a conflict given up on, a replay that cannot be rebuilt, a bad argument), and
 * any 4xx. Anything else may have happened after the events were committed.
 */
function isRefusal(error: unknown): boolean {
  return (
    error instanceof DomainError ||
    error instanceof PreconditionFailedError ||
    error instanceof ConcurrencyConflictError ||
    error instanceof ReplayMismatchError ||
    error instanceof WrongExpectedVersionError ||
    error instanceof InvalidAppendError ||
    (error instanceof HttpException && error.getStatus() < 500)
  );
}
