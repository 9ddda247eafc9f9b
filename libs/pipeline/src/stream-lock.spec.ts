import { StreamLock } from './stream-lock';

/** A task that records when it starts and finishes, and ends when the test says so. */
function task(log: string[], name: string) {
  let finish!: () => void;
  const gate = new Promise<void>((resolve) => (finish = resolve));
  return {
    finish,
    work: async () => {
      log.push(`${name}:start`);
      await gate;
      log.push(`${name}:end`);
      return name;
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A lock, a shared log, and one gated task per name. */
function scene(...names: string[]) {
  const log: string[] = [];
  return { lock: new StreamLock(), log, tasks: names.map((n) => task(log, n)) };
}

/** Lets the first task finish and checks that the second one started only then. */
async function handOver(log: string[], first: { finish: () => void }) {
  await settle();
  expect(log).toEqual(['a:start']);
  first.finish();
  await settle();
  expect(log).toEqual(['a:start', 'a:end', 'b:start']);
}

describe('StreamLock: per-stream ordering inside one process', () => {
  it('runs work on the same stream one after another, in the order it arrived', async () => {
    const {
      lock,
      log,
      tasks: [a, b, c],
    } = scene('a', 'b', 'c');
    const runs = [lock.run(['s'], a.work), lock.run(['s'], b.work), lock.run(['s'], c.work)];
    await handOver(log, a);
    b.finish();
    c.finish();
    await expect(Promise.all(runs)).resolves.toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
  });

  it('runs work on different streams concurrently', async () => {
    const {
      lock,
      log,
      tasks: [a, b],
    } = scene('a', 'b');
    const runs = [lock.run(['s1'], a.work), lock.run(['s2'], b.work)];
    await settle();
    expect(log).toEqual(['a:start', 'b:start']);
    b.finish();
    a.finish();
    await Promise.all(runs);
  });

  it('work naming several streams waits for every earlier holder of any of them, and never deadlocks', async () => {
    const {
      lock,
      log,
      tasks: [a, b, c],
    } = scene('a', 'b', 'c');
    // b names both streams in the opposite order to c: arrival order alone decides.
    const runs = [lock.run(['x'], a.work), lock.run(['y', 'x', 'y'], b.work), lock.run(['x', 'y'], c.work)];
    await handOver(log, a);
    b.finish();
    c.finish();
    await Promise.all(runs);
    expect(log.slice(-2)).toEqual(['c:start', 'c:end']);
    expect(lock.size).toBe(0);
  });

  it('a failing holder releases its streams, and its error reaches only its own caller', async () => {
    const lock = new StreamLock();
    const failing = lock.run(['s'], async () => {
      throw new Error('refused');
    });
    const next = lock.run(['s'], async () => 'next');
    await expect(failing).rejects.toThrow('refused');
    await expect(next).resolves.toBe('next');
    expect(lock.size).toBe(0);
  });

  it('work naming no stream runs at once', async () => {
    const lock = new StreamLock();
    await expect(lock.run([], async () => 1)).resolves.toBe(1);
  });
});
