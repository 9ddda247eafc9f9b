import { Injectable } from '@nestjs/common';

export interface ProjectionStatus {
  name: string;
  /** 'failed' and 'stopped' make the service not ready; 'catching-up' reports degraded (still 200). */
  state: 'starting' | 'catching-up' | 'live' | 'rebuilding' | 'stopped' | 'failed';
  /** Last position applied (null before the first event). */
  checkpoint: string | null;
  lagEvents: number;
  lagSeconds: number;
  lastError?: string;
}

/** Implemented by the projections runtime; tells readiness and metrics how far behind each projection is. */
export interface ProjectionStatusProvider {
  statuses(): Promise<ProjectionStatus[]> | ProjectionStatus[];
  /** Resolves when the read-model store answers (readiness); rejects with why it does not. */
  pingStore?(): Promise<void>;
}

/**
 * Where projection runtimes register themselves (inject it and call `register(provider)` in
 * onModuleInit). With nothing registered it reports [] — the state until the runtime is wired.
 */
@Injectable()
export class ProjectionStatusRegistry implements ProjectionStatusProvider {
  private readonly providers: ProjectionStatusProvider[] = [];

  register(provider: ProjectionStatusProvider): void {
    this.providers.push(provider);
  }

  async statuses(): Promise<ProjectionStatus[]> {
    const all = await Promise.all(this.providers.map((provider) => provider.statuses()));
    return all.flat();
  }

  /** Pings the read-model store of every provider that has one. */
  async pingStores(): Promise<void> {
    await Promise.all(this.providers.map((provider) => provider.pingStore?.()));
  }
}
