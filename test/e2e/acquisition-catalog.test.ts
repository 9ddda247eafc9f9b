import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../apps/api/src/app.module';
import { backends } from '../support/backends';

/**
 * The catalog is loaded at boot from CATALOG_PATH (the app's configuration). A broken file stops the
 * boot with a message naming the setting, the file and the problem.
 */
describe('a bad catalog stops the boot', () => {
  const sqlite = backends.find((b) => b.name === 'sqlite');
  let dir: string;
  let env: Record<string, string>;
  let tearDown: () => Promise<void>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pc-catalog-'));
    const setup = await sqlite!.setUp();
    env = { NODE_ENV: 'test', ...setup.env };
    tearDown = setup.tearDown;
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await tearDown?.();
  });

  const bootWith = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return { path, boot: createApp({ env: { ...env, CATALOG_PATH: path }, logger: false }) };
  };

  it('names CATALOG_PATH, the file and the JSON error when the file is not JSON', async () => {
    const { path, boot } = bootWith('not-json.json', '{ "services": [ ');
    await expect(boot).rejects.toThrow(`CATALOG_PATH: cannot read the catalog at ${path}`);
  });

  it('names CATALOG_PATH and every invalid entry when the catalog breaks its rules', async () => {
    const { path, boot } = bootWith(
      'invalid.json',
      JSON.stringify({
        services: [
          {
            offerId: 'office-basic',
            name: 'Basic',
            trial: null,
            minLicenses: 10,
            maxLicenses: 5,
            termMonths: 12,
          },
          { offerId: 'Bad Id', name: '', minLicenses: 1, maxLicenses: 5, termMonths: 120 },
        ],
      }),
    );
    const error: Error = await boot.then(
      () => new Error('booted'),
      (e: Error) => e,
    );
    expect(error.message).toContain(`CATALOG_PATH: the catalog at ${path} is invalid`);
    expect(error.message).toContain('minLicenses (10) exceeds maxLicenses (5)');
    expect(error.message).toContain('services[1] (Bad Id).offerId must be a kebab-case string');
    expect(error.message).toContain('termMonths must be an integer from 1 to 60');
  });

  it('names CATALOG_PATH when the file does not exist', async () => {
    await expect(
      createApp({ env: { ...env, CATALOG_PATH: join(dir, 'missing.json') }, logger: false }),
    ).rejects.toThrow(/CATALOG_PATH: cannot read the catalog at .*missing\.json/);
  });
});
