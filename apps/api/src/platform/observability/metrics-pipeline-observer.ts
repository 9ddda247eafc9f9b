import type { PipelineObserver } from '@pc/pipeline';
import type { MetricsService } from './metrics.service';

/** Feeds what the command pipeline reports into the Prometheus metrics. */
export class MetricsPipelineObserver implements PipelineObserver {
  constructor(private readonly metrics: MetricsService) {}

  appended(commandType: string, _streamName: string, _events: number, durationMs: number): void {
    this.metrics.appendObserved(commandType, durationMs / 1000);
  }

  accepted(commandType: string): void {
    this.metrics.commandAccepted(commandType);
  }

  refused(commandType: string, code: string): void {
    this.metrics.commandRefused(commandType, code);
  }

  conflictRetried(commandType: string): void {
    this.metrics.conflictRetried(commandType);
  }

  claimKept(commandType: string, _streamName: string, why: 'in-use' | 'conflicts'): void {
    this.metrics.claimKept(commandType, why);
  }
}
