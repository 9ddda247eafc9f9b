import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { call, type TestResponse } from '../support/http';

/**
 * Drives the real app for the read-model suites and remembers the position of the last write, so
 * every read can ask for read-your-writes (X-Min-Position) instead of sleeping.
 */
export class ReadWorld {
  /** Position of the newest event this world wrote (or learned of). */
  last: string | null = null;

  constructor(private readonly app: () => NestFastifyApplication) {}

  /** A command; asserts it wrote events (201) unless told otherwise, and records its position. */
  async command(url: string, token: string, body: unknown = {}, expected = 201): Promise<TestResponse> {
    const res = await call(this.app(), 'POST', url, { token, body });
    if (res.status !== expected) throw new Error(`POST ${url} → ${res.status}: ${res.text}`);
    const position = res.body.position;
    if (typeof position === 'string' && (this.last === null || position > this.last)) this.last = position;
    return res;
  }

  /** A read that must reflect everything written so far. */
  read<T = Record<string, unknown>>(
    url: string,
    token: string,
    minPosition = this.last,
  ): Promise<TestResponse<T>> {
    return call<T>(this.app(), 'GET', url, {
      token,
      headers: minPosition ? { 'X-Min-Position': minPosition } : {},
    });
  }

  /** Learns the position of events written by others (the scheduler's ticks). */
  saw(position: string | null): void {
    if (position !== null && (this.last === null || position > this.last)) this.last = position;
  }
}

export const newCustomer = (name: string, domain: string) => ({
  companyName: name,
  primaryDomain: domain,
  country: 'SK',
  adminContact: { name: `${name} Admin`, email: `admin@${domain}` },
});
