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

  constructor(@Inject(API_CONFIG) private readonly config: ApiConfig) {}

  /**
   * Runs `replay` if a slot is free, and frees the slot however it ends, or as soon as `signal`
   * aborts (the caller hung up). Such a replay stops at its next batch, after at most one batch more
   * of work; one stuck in a read of the log that never returns (a store that stopped answering) holds
   * no slot while it waits, and stops when the read comes back. Without this it kept its slot for as
   * long as the read hung, and with AUDIT_REPLAYS_MAX=1 no auditor could replay again.
   */
  async run<T>(replay: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const limit = this.config.auditReplaysMax;
    if (this.running >= limit) {
      throw new ProblemException(
        503,
        'audit-replays-busy',
        'Service unavailable',
        `${limit} replay${limit === 1 ? ' is' : 's are'} running already (AUDIT_REPLAYS_MAX); retry later.`,
        { running: this.running, limit },
        { 'Retry-After': String(RETRY_AFTER_SECONDS) },
      );
    }
    this.running++;
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      this.running--;
    };
    signal?.addEventListener('abort', release, { once: true });
    try {
      return await replay();
    } finally {
      signal?.removeEventListener('abort', release);
      release();
    }
  }
}
