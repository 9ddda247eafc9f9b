import { Inject, Injectable } from '@nestjs/common';
import { API_CONFIG, type ApiConfig, ProblemException } from '../../platform';

/** What a refused replay tells the caller to wait before trying again. */
const RETRY_AFTER_SECONDS = 30;

/**
 * Bounds the replays of the log that auditors' requests run at once in this process (read models as
 * of a position, the replay check). Each one reads the whole history up to its position, minutes at
 * millions of events, and takes a share of the CPU the commands need; so past AUDIT_REPLAYS_MAX the
 * next one is refused at once (503 audit-replays-busy, Retry-After) rather than queued behind them.
 */
@Injectable()
export class AuditReplayGate {
  private running = 0;
  /**
   * Replays whose caller hung up and that have not stopped yet (waiting on a read of the log): they
   * hold no slot, but at most AUDIT_REPLAYS_MAX of them are let pile up beside the running ones, or
   * clients that time out and retry could stack any number of slow replays.
   */
  private draining = 0;

  constructor(@Inject(API_CONFIG) private readonly config: ApiConfig) {}

  /**
   * Runs `replay` if a slot is free, and frees the slot however it ends, or as soon as `signal`
   * aborts (the caller hung up). Such a replay stops at its next batch, after at most one batch more
   * of work; one stuck in a read of the log that never returns (a store that stopped answering) holds
   * no slot while it waits (it counts as draining), and stops when the read comes back. Without this
   * it kept its slot for as long as the read hung, and with AUDIT_REPLAYS_MAX=1 no auditor could
   * replay again. Refused (503) while the slots are taken, or while running and draining replays
   * together reach twice the limit.
   */
  async run<T>(replay: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const limit = this.config.auditReplaysMax;
    if (this.running >= limit || this.running + this.draining >= 2 * limit) {
      throw new ProblemException(
        503,
        'audit-replays-busy',
        'Service unavailable',
        `${limit} replay${limit === 1 ? ' is' : 's are'} running already (AUDIT_REPLAYS_MAX); retry later.`,
        { running: this.running, draining: this.draining, limit },
        { 'Retry-After': String(RETRY_AFTER_SECONDS) },
      );
    }
    this.running++;
    const slot: { state: 'running' | 'draining' | 'done' } = { state: 'running' };
    const abandon = () => {
      if (slot.state !== 'running') return;
      slot.state = 'draining';
      this.running--;
      this.draining++;
    };
    signal?.addEventListener('abort', abandon, { once: true });
    try {
      return await replay();
    } finally {
      signal?.removeEventListener('abort', abandon);
      if (slot.state === 'running') this.running--;
      if (slot.state === 'draining') this.draining--;
      slot.state = 'done';
    }
  }
}
