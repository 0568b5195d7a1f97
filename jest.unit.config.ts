import type { Config } from 'jest';

/**
 * npm run test:unit: the tests that need neither PostgreSQL, nor Chromium, nor a child process
 * (the plugin's test/unit and test/conformance, the host's reference-host/test/unit). The same settings
 * as jest.config.ts (which Jest cannot import from here), without its global setup: that one finds or
 * starts PostgreSQL and launches Chromium.
 */
const config: Config = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/test/unit', '<rootDir>/test/conformance', '<rootDir>/reference-host/test/unit'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: {
    '^@datafly/heap-integration$': '<rootDir>/src/index.ts',
    '^@datafly/heap-integration/contract$': '<rootDir>/src/contract/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testTimeout: 60_000,
};

export default config;
