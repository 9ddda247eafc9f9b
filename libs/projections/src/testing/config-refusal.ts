import { ReadModelConfigError } from '../store/config';

/** The ReadModelConfigError `load` throws (anything else is rethrown; no error at all fails the spec). */
export function configRefusal(load: () => unknown): ReadModelConfigError {
  try {
    load();
  } catch (error) {
    if (error instanceof ReadModelConfigError) return error;
    throw error;
  }
  throw new Error('expected a ReadModelConfigError');
}
