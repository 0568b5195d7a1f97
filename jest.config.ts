import type { Config } from 'jest';

/** One run for both packages: the plugin's tests (test/) and the reference host's (reference-host/test/). */
const config: Config = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/test', '<rootDir>/reference-host/test'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: {
    // The host imports the plugin by its package name; tests run both from source.
    '^@datafly/heap-integration$': '<rootDir>/src/index.ts',
    '^@datafly/heap-integration/contract$': '<rootDir>/src/contract/index.ts',
    // Sources import siblings as `./x.js` (NodeNext); Jest resolves the `.ts` file.
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  // Only ends a hung test: tests wait on conditions, and a machine busy with other work must never reach it.
  testTimeout: 300_000,
  // One PostgreSQL and one Chromium check per run (reference-host/test/helpers/test-run.ts).
  globalSetup: '<rootDir>/reference-host/test/helpers/global-setup.mjs',
  globalTeardown: '<rootDir>/reference-host/test/helpers/global-teardown.mjs',
};

export default config;
