/** Two projects: fast pure specs (unit) and everything that talks to a real server or the real HTTP app (integration). */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];
// NestJS 12, jose 6 and a few transitive dependencies ship ESM only, which Jest 30 cannot require on
// Node 20: node_modules JavaScript goes through swc too ('unknown' leaves CommonJS files as they are).
const swcEsm = [
  '@swc/jest',
  {
    isModule: 'unknown',
    jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  },
];
const moduleNameMapper = {
  '^@pc/(event-store|domain|pipeline|projections|audit|read-models)$': '<rootDir>/libs/$1/src/index.ts',
  '^@pc/(event-store|domain|pipeline|projections|audit|read-models)/(.*)$': '<rootDir>/libs/$1/src/$2',
};
const common = {
  transform: { '^.+\\.ts$': swc, '/node_modules/.+\\.m?js$': swcEsm },
  transformIgnorePatterns: [],
  moduleNameMapper,
  testEnvironment: 'node',
};
module.exports = {
  // Integration suites talk to real servers; a generous bound stops a hang, it asserts nothing about speed.
  testTimeout: 60000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
    },
  ],
};
