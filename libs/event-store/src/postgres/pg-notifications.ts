import { EventEmitter } from 'node:events';
import { Client, type ClientConfig } from 'pg';

/**
 * One LISTEN connection per store, opened when the first subscription starts. Notifications only
 * shorten the subscriptions' sleep: if the connection fails, subscriptions keep working through their
 * poll fallback and we reconnect in the background while anyone is still listening.
 */
export class PgNotificationListener {
  private client: Client | null = null;
  private connecting: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly emitter = new EventEmitter();

  constructor(
    private readonly config: ClientConfig,
    private readonly channel: string,
    private readonly retryMs = 2000,
  ) {
    this.emitter.setMaxListeners(0);
  }

  /** Registers a wake-up listener; returns its unregister function. */
  listen(listener: () => void): () => void {
    this.emitter.on('notify', listener);
    this.ensureConnected();
    return () => {
      this.emitter.off('notify', listener);
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private ensureConnected(): void {
    if (this.stopped || this.client || this.connecting) return;
    this.connecting = this.connect().finally(() => {
      this.connecting = null;
    });
  }

  private async connect(): Promise<void> {
    const client = new Client(this.config);
    client.on('notification', () => this.emitter.emit('notify'));
    client.on('error', () => this.dropAndRetry(client));
    client.on('end', () => this.dropAndRetry(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
      if (this.stopped) {
        await client.end();
        return;
      }
      this.client = client;
      // Anything appended while we were not listening is picked up by the subscriptions' next read.
      this.emitter.emit('notify');
    } catch {
      client.end().catch(() => undefined);
      this.scheduleRetry();
    }
  }

  private dropAndRetry(client: Client): void {
    if (this.client !== client) return;
    this.client = null;
    client.end().catch(() => undefined);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer || this.emitter.listenerCount('notify') === 0) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.ensureConnected();
    }, this.retryMs);
    this.retryTimer.unref();
  }
}
