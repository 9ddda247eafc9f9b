import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { EventStore, RecordedEvent } from '@pc/event-store';
import { EVENT_STORE, ManualClock } from '../../../apps/api/src/platform';
import { SchedulerService } from '../../../apps/api/src/scheduler/scheduler.service';
import { startApp } from '../../support/backends';
import { call, type TestResponse } from '../../support/http';
import { actors, mintToken } from '../../support/tokens';

/** Business time every acquisition suite starts at. */
export const START = '2026-01-05T09:00:00.000Z';
export const PUBLIC_BASE_URL = 'https://partners.example';

export const contosoProfile = {
  legalName: 'Contoso Partners s.r.o.',
  address: { line1: 'Hlavná 1', city: 'Bratislava', postalCode: '811 01', country: 'SK' },
  phone: '+421 2 1234 5678',
  email: 'office@contoso.example',
};

/**
 * The real app with the scheduler's timer off (ticks are driven by the test) and a manual clock.
 */
export async function startAcquisitionApp(
  env: Record<string, string>,
  clock = new ManualClock(START),
): Promise<{ app: NestFastifyApplication; clock: ManualClock; scheduler: SchedulerService }> {
  const { app } = await startApp({ PUBLIC_BASE_URL, GUESSING_RATE_LIMIT: '1000', ...env }, clock);
  return { app, clock, scheduler: app.get(SchedulerService) };
}

export interface Tokens {
  platform: string;
  signup: string;
  jana: string;
  eve: string;
}

export async function mintTokens(): Promise<Tokens> {
  return {
    platform: await mintToken({
      act: actors.platform('ops'),
      scope: 'platform queries',
      sub: 'onboarding-service',
    }),
    signup: await mintToken({
      act: actors.platform('signup'),
      scope: 'platform queries',
      sub: 'signup-service',
    }),
    jana: await mintToken({ act: actors.partnerUser('contoso', 'jana'), sub: 'admin-center' }),
    eve: await mintToken({ act: actors.partnerUser('fabrikam', 'eve'), sub: 'admin-center' }),
  };
}

export const customerToken = (customerId: string, userId: string): Promise<string> =>
  mintToken({ act: actors.customerUser(customerId, userId), sub: 'customer-portal' });

export type Http = {
  post(url: string, token: string, body?: unknown, headers?: Record<string, string>): Promise<TestResponse>;
  get(url: string, token: string): Promise<TestResponse>;
};

export function http(app: () => NestFastifyApplication): Http {
  return {
    post: (url, token, body = {}, headers = {}) => call(app(), 'POST', url, { token, body, headers }),
    get: (url, token) => call(app(), 'GET', url, { token }),
  };
}

/**
 * Registers a partner (first user = its global admin) and grants it authorizations, as the platform.
 * Returns the position of its last write (for read-your-writes).
 */
export async function registerPartner(
  api: Http,
  platform: string,
  partnerId: string,
  adminId: string,
  authorizations: string[],
): Promise<string> {
  const registered = await api.post('/partners', platform, {
    partnerId,
    profile: { ...contosoProfile, legalName: `${partnerId} s.r.o.`, email: `office@${partnerId}.example` },
    firstUser: { userId: adminId, email: `${adminId}@${partnerId}.example`, displayName: adminId },
  });
  expect(registered.status).toBe(201);
  let position = String(registered.body.position);
  for (const authorization of authorizations) {
    const granted = await api.post(`/partners/${partnerId}/authorizations/grant`, platform, {
      authorization,
    });
    expect(granted.status).toBe(201);
    position = String(granted.body.position);
  }
  return position;
}

/** The code at the end of an invitation URL. */
export const codeOf = (url: unknown): string => String(url).split('/invitations/')[1] ?? '';

export async function streamEvents(app: NestFastifyApplication, stream: string): Promise<RecordedEvent[]> {
  return app.get<EventStore>(EVENT_STORE).readStream(stream);
}
