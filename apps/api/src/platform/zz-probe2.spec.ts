test('static', async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const m = require('@fastify/static');
  expect(m).toBeDefined();
});
