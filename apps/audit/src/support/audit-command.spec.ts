import { AuditCommand, Interrupted } from './audit-command';

/** Waits for its signal (as a replay does between batches), after sending itself the given signal. */
class StopsOnSignal extends AuditCommand {
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
});
