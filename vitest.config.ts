import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        // Pure code and hand-written fakes for edge cases: no I/O beyond temp files.
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 10_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        // Real local services each file starts for itself on loopback (Azurite, capture endpoints, HTTP).
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 60_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        // The lab: real dockerd per namespace host, real strongSwan agents, real faults.
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // One shared set of hosts that tests inject faults into: files run one at a time.
          fileParallelism: false,
          // After unit and integration, never beside them: their CPU load (fuzzing, the simulated fleet)
          // starves the lab's userspace ESP on a small machine and reads as packet loss.
          sequence: { groupOrder: 1 },
          globalSetup: ['test/e2e/setup/lab-global-setup.ts'],
          testTimeout: 240_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
