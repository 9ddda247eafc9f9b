/** What `within` answers for work that did not settle in time. */
export const TIMED_OUT = Symbol('timed out');

/**
 * `work`'s value, or TIMED_OUT when `ms` pass first (the work goes on, unawaited); the timer never
 * outlives the race nor holds the process open.
 */
export async function within<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
