import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

// `serverless package` rebuilds .esbuild/ and deletes it when done, and .esbuild/ is where the e2e
// stack's serverless-offline (up for the whole run) loads every handler from: this one test runs in a
// later group, after every e2e file has finished.
const PACKAGE_TEST = 'tests/integration/core/package.test.ts';
const integrationTimeouts = { testTimeout: 120_000, hookTimeout: 180_000 };

export default defineConfig({
  test: {
    // Vitest's default (one worker fewer than the cores) is a single worker on 2 cores, and most of the
    // integration and e2e time is spent waiting on other processes (emulator, serverless-offline,
    // schemathesis, cfn-lint, checkov), so a second worker overlaps that wait with other files.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          exclude: [...configDefaults.exclude, PACKAGE_TEST],
          globalSetup: ['tests/support/global-emulator.ts'],
          ...integrationTimeouts,
        },
      },
      {
        test: {
          name: 'integration-package',
          include: [PACKAGE_TEST],
          sequence: { groupOrder: 1 },
          ...integrationTimeouts,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          globalSetup: ['tests/support/global-local-stack.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
