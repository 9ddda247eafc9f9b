import { AuditCommand, Interrupted } from './audit-command';

/** Waits for its signal (as a replay does between batches), after sending itself the given signal. */
class StopsOnSignal extends AuditCommand {
  protected override readonly interruptible = true;

  constructor(private readonly send: 'SIGINT' | 'SIGTERM' | null) {
    super();
  }

  protected async execute(): Promise<number> {
    if (this.send === null) return 0;
    const stopped = new Promise<never>((_, fail) =>
      this.signal.addEventListener('abort', () => fail(this.signal.reason)),
    );
    process.emit(this.send);
    return stopped;
  }
}

/** A command that does not look at the signal (verify, export, history): it reports the handlers it saw. */
class IgnoresSignal extends AuditCommand {
  seen: number[] = [];

  protected async execute(): Promise<number> {
    this.seen = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    return 0;
  }
}

/** Interruptible, but its work ends without looking at the signal again after it came. */
class FinishesAnyway extends AuditCommand {
  protected override readonly interruptible = true;

  protected async execute(): Promise<number> {
    process.emit('SIGINT');
    return 0;
  }
}

describe('AuditCommand: the first SIGINT / SIGTERM aborts the running command', () => {
  let stderr: jest.SpyInstance;
  const listeners = () => [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];

  beforeEach(() => {
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    stderr.mockRestore();
    process.exitCode = undefined;
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)(
    '%s: the work stops, exit %i, one line on stderr; the handlers are gone afterwards',
    async (sent, code) => {
      const before = listeners();
      await new StopsOnSignal(sent).run([]);
      expect(process.exitCode).toBe(code);
      const written = stderr.mock.calls.map(([text]) => String(text)).join('');
      expect(written).toContain(`${sent}: stopping`);
      expect(written).toContain(`error: interrupted (${sent})`);
      expect(listeners()).toEqual(before);
    },
  );

  it('a command that is not interrupted exits with its own code and leaves no handler behind', async () => {
    const before = listeners();
    await new StopsOnSignal(null).run([]);
    expect(process.exitCode).toBe(0);
    expect(listeners()).toEqual(before);
    expect(new Interrupted('SIGINT').message).toBe('interrupted (SIGINT)');
  });

  // Regression: every command took the signals over, so Ctrl-C during `verify` or `export` (which
  // never look at the signal) only printed a line and the command ran on to exit 0.
  it('a command that does not stop on the signal leaves SIGINT / SIGTERM to Node (ends the process)', async () => {
    const before = listeners();
    const command = new IgnoresSignal();
    await command.run([]);
    expect(command.seen).toEqual(before);
    expect(process.exitCode).toBe(0);
  });

  it("interrupted after its work last looked at the signal: still exit 130, not the work's own code", async () => {
    await new FinishesAnyway().run([]);
    expect(process.exitCode).toBe(130);
  });
});
