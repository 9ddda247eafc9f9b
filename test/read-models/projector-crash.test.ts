import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Actor, createEventStore, type EventStore, loadEventStoreConfig } from '@pc/event-store';
import { createDomainCommands, registry } from '@pc/domain';
import { createCommandPipeline, type ExtendedPipeline } from '@pc/pipeline';
import { PositionWaiter, projectionCatalog, rebuildInto, SqliteReadModelStore } from '@pc/projections';
import { eventually } from '@pc/projections/testing';
import { readModelCommands } from '@pc/read-models';
import { loadCatalog } from '../../apps/api/src/catalog/load-catalog';
import { partnerRegistration } from '../support/registration';

const repoRoot = resolve(__dirname, '../..');

/** apps/projector as a real child process; counts the batches it reports committed (LOG_LEVEL=debug). */
class Projector {
  readonly process: ChildProcess;
  commits = 0;
  exited = false;
  exitCode: number | null = null;
  private buffer = '';

  constructor(env: Record<string, string>, args: string[] = []) {
    this.process = spawn(
      process.execPath,
      ['-r', '@swc-node/register', 'apps/projector/src/main.ts', ...args],
      {
        cwd: repoRoot,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    this.process.stdout?.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString();
      const lines = this.buffer.split('\n');
      this.buffer = lines.pop() ?? '';
      this.commits += lines.filter((line) => line.includes('"msg":"committed"')).length;
    });
    this.process.on('exit', (code) => {
      this.exitCode = code;
      this.exited = true;
    });
  }

  kill(signal: NodeJS.Signals): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((done) => {
      this.process.once('exit', () => done());
      this.process.kill(signal);
    });
  }
}

const platform: Actor = { kind: 'platform', id: 'ops' };
const SERVICE = { kind: 'service' as const, id: 'crash-test' };

/**
 * The REAL catalog in the REAL projector process, killed with SIGKILL mid-stream (three times)
 * while this process keeps writing domain events through the command pipeline; a final projector
 * catches up, and every read model equals a clean rebuild from the log. Bounded: a few thousand events.
 */
describe('apps/projector crash with the product read models (SQLite)', () => {
  let dir: string;
  let eventStore: EventStore;
  let pipeline: ExtendedPipeline;
  const children: Projector[] = [];
  let env: Record<string, string>;
  let clock = Date.parse('2026-01-05T09:00:00.000Z');
  let customers = 0;

  const run = async (type: string, payload: Record<string, unknown>, actor: Actor) => {
    clock += 60_000;
    return pipeline.execute(type, payload, {
      commandId: randomUUID(),
      correlationId: randomUUID(),
      actor,
      service: SERVICE,
      now: new Date(clock).toISOString(),
    });
  };

  const code = (seed: string) => `${seed}${'x'.repeat(22)}`.slice(0, 24).replace(/[^A-Za-z0-9_-]/g, '_');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pc-projector-crash-'));
    env = {
      EVENT_STORE: 'sqlite',
      EVENT_STORE_PATH: join(dir, 'events.sqlite'),
      READ_MODEL_STORE: 'sqlite',
      READ_MODEL_PATH: join(dir, 'read-models.sqlite'),
      PROJECTION_BATCH_SIZE: '40',
      // A killed projector's lease rows block its successor this long.
      PROJECTION_LEASE_TTL_MS: '1000',
      LOG_LEVEL: 'debug',
    };
    eventStore = await createEventStore(loadEventStoreConfig(env));
    const commands = registry(...createDomainCommands(loadCatalog()).values(), ...readModelCommands);
    pipeline = createCommandPipeline({ store: eventStore, commands });
    for (const partnerId of ['contoso', 'fabrikam']) {
      await run(
        'RegisterPartner',
        partnerRegistration(partnerId, {
          userId: `${partnerId}-admin`,
          email: `admin@${partnerId}.example`,
          displayName: 'Admin',
        }),
        platform,
      );
      await run('GrantAuthorization', { partnerId, authorization: 'advisor' }, platform);
      const admin: Actor = { kind: 'partner-user', id: `${partnerId}-admin`, partnerId };
      await run(
        'CreateTrialInvite',
        {
          partnerId,
          inviteId: `inv-${partnerId}`,
          code: code(`inv${partnerId}`),
          offerId: 'office-business-basic',
        },
        admin,
      );
      await run(
        'CreatePurchaseOffer',
        {
          partnerId,
          purchaseOfferId: `po-${partnerId}`,
          code: code(`po${partnerId}`),
          lines: [{ offerId: 'office-business-standard', licenses: 5 }],
        },
        admin,
      );
    }
  });

  afterAll(async () => {
    await Promise.all(children.map((child) => child.kill('SIGKILL')));
    await eventStore.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One customer's story: sign-up by trial, then (most) buy through an offer, change licenses, mark read. */
  const customerStory = async () => {
    const n = customers++;
    const partnerId = n % 3 === 0 ? 'fabrikam' : 'contoso';
    const customerId = `c${n}`;
    const redeemed = await run(
      'RedeemTrialInvite',
      {
        inviteId: `inv-${partnerId}`,
        partnerId,
        code: code(`inv${partnerId}`),
        customerId,
        newCustomer: {
          companyName: `Customer ${n}`,
          primaryDomain: `c${n}.example`,
          country: 'SK',
          adminContact: { name: 'Admin', email: `admin@c${n}.example` },
        },
      },
      platform,
    );
    const owner: Actor = { kind: 'customer-user', id: redeemed.ids.userId, customerId };
    if (n % 4 === 3) return;
    const bought = await run(
      'AcceptPurchaseOffer',
      { purchaseOfferId: `po-${partnerId}`, partnerId, code: code(`po${partnerId}`), customerId },
      owner,
    );
    const subscriptionId = bought.ids['subscriptionId:office-business-standard'];
    await run('ChangeLicenseCount', { customerId, subscriptionId, licenses: 6 + (n % 5) }, owner);
    if (n % 5 === 0) {
      await run(
        'MarkPorNotificationsRead',
        { partnerId, all: true },
        { kind: 'partner-user', id: `${partnerId}-admin`, partnerId },
      );
    }
  };

  const writeCustomers = async (count: number) => {
    for (let i = 0; i < count; i++) await customerStory();
  };

  it('neither loses nor double-applies events across SIGKILLs, and equals a clean rebuild', async () => {
    // Enough history that the catch-up after each kill spans several batches (catch-up batches are full
    // since the loop stopped committing event by event, so the writes below add fewer events than before).
    await writeCustomers(160);
    for (let round = 0; round < 3; round++) {
      const child = new Projector(env);
      children.push(child);
      // Its boot (TypeScript compiled on the fly) takes a while: write nothing until it projects.
      await eventually('projector committing', () => child.commits > 0 || child.exited);
      // Keep writing while it projects; kill it a few batches in, most likely inside one.
      const target = child.commits + 4;
      do {
        await writeCustomers(2);
        // SQLite appends resolve without yielding much: let the child's output be read.
        await new Promise((done) => setTimeout(done, 10));
      } while (child.commits < target && !child.exited);
      expect(child.exited).toBe(false);
      await child.kill('SIGKILL');
    }

    const final = new Projector(env);
    children.push(final);
    await writeCustomers(20);
    const head = (await eventStore.headPosition()) as string;
    const total = (await eventStore.readAll()).length;
    expect(total).toBeGreaterThan(1000);
    expect(total).toBeLessThan(5000);

    const store = new SqliteReadModelStore({ path: env.READ_MODEL_PATH });
    const scratch = new SqliteReadModelStore({ path: ':memory:' });
    try {
      const waiter = new PositionWaiter({
        eventStore,
        store,
        projections: projectionCatalog,
        pollIntervalMs: 50,
      });
      expect(await waiter.waitForPosition(head, 120_000)).toBe(true);
      await final.kill('SIGTERM');
      for (const projection of projectionCatalog) {
        const live = await store.dumpTables(projection);
        await rebuildInto(eventStore, projection, scratch);
        expect({ projection: projection.name, tables: live }).toEqual({
          projection: projection.name,
          tables: await scratch.dumpTables(projection),
        });
      }
      // Not vacuous: the read models hold the story.
      const clients = (await store.dumpTables(projectionCatalog[1])).clients;
      expect(clients).toHaveLength(customers);
    } finally {
      await store.close();
      await scratch.close();
    }
    await eventually('final projector exited after SIGTERM', () => final.exited);
  });

  // A projector had no way to rebuild (POST /projections/{name}/rebuild answers 409 when the
  // projections run elsewhere): `--rebuild` does it in the projector that holds the lease.
  it('--rebuild rebuilds a projection beside its live tables and switches to it; an unknown name exits 2', async () => {
    const unknown = new Projector(env, ['--rebuild', 'client_list,nope']);
    children.push(unknown);
    await eventually('the projector refusing an unknown name', () => unknown.exited);
    expect(unknown.exitCode).toBe(2);

    const store = new SqliteReadModelStore({ path: env.READ_MODEL_PATH });
    const scratch = new SqliteReadModelStore({ path: ':memory:' });
    try {
      const clientList = projectionCatalog.find((p) => p.name === 'client_list')!;
      // Run alone, the projector first builds generation 1, then the rebuild: wait for a later one.
      const before = (await store.activeGeneration('client_list')) ?? 1;
      const child = new Projector(env, ['--rebuild', 'client_list']);
      children.push(child);
      await eventually(
        'client_list switched to a rebuilt generation',
        async () => ((await store.activeGeneration('client_list')) ?? 0) > before || child.exited,
        120_000,
      );
      expect(child.exited).toBe(false);
      await child.kill('SIGTERM');
      await rebuildInto(eventStore, clientList, scratch);
      expect(await store.dumpTables(clientList)).toEqual(await scratch.dumpTables(clientList));
      // The other projections were left as they were.
      expect(await store.activeGeneration('partner_overview')).toBe(1);
    } finally {
      await store.close();
      await scratch.close();
    }
  });
});
