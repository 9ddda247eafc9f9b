/**
 * Whether a function of this name is on the caller's stack: tells a test double which of several
 * callers of one port (a replay, or the live projections reading the same store) is calling.
 */
export function calledFrom(name: string): boolean {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 50;
  try {
    return new Error().stack?.includes(` ${name} `) ?? false;
  } finally {
    Error.stackTraceLimit = limit;
  }
}
