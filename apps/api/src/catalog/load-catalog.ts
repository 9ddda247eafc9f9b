import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type Catalog, parseCatalog } from '@pc/domain';

/** Where the catalog of services lives unless CATALOG_PATH says otherwise (shipped in the repo). */
export const DEFAULT_CATALOG_PATH = 'config/catalog.json';

/**
 * Loads and validates the catalog at boot. A missing or invalid file stops the boot with a message
 * naming the file and every problem in it: selling from a half-read catalog is worse than not starting.
 */
export function loadCatalog(file: string = DEFAULT_CATALOG_PATH): Catalog {
  const path = resolve(file);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`CATALOG_PATH: cannot read the catalog at ${path}: ${(e as Error).message}`);
  }
  try {
    return parseCatalog(json);
  } catch (e) {
    throw new Error(`CATALOG_PATH: the catalog at ${path} is invalid: ${(e as Error).message}`);
  }
}
