/** Polls until the condition holds; the limit only keeps a broken run from hanging, it asserts nothing about speed. */
export async function eventually(
  description: string,
  condition: () => Promise<boolean> | boolean,
  limitMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Gave up after ${limitMs} ms waiting for: ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
