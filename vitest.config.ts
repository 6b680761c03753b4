import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests (fakes, FakeClock, no engine) and integration tests against the
// real engine (*.int.test.ts), which run one file at a time on a 2-core machine.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{lib,runtime,agent,apiserver,cli,kube,controllers,proxy,dns}/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', 'node_modules/**'],
          testTimeout: 10_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['{runtime,agent,apiserver,cli,kube,controllers,proxy,dns}/**/*.int.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
          globalSetup: ['./cli/testing/engine-global-setup.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          // after unit and integration, never beside them: e2e/faults.test.ts restarts an engine
          // that nodelet started, which would break an integration test running at that moment
          sequence: { groupOrder: 1 },
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // engine, images and the harness's node image; a session id; removes leftovers at the end
          globalSetup: ['./e2e/support/global-setup.ts'],
          // testcontainers' reaper image cannot be pulled here (the harness removes what it starts)
          env: { TESTCONTAINERS_RYUK_DISABLED: 'true' },
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
