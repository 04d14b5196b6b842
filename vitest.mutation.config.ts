import { defineConfig } from 'vitest/config';

// The unit project alone, for StrykerJS: mutants are judged by the pure tests, which run in seconds.
// Left out: the unit files that run whole sweeps through real processes (the CLI, the timer, runSweep
// over loopback agents), and the shells' and infra/'s checks (function registration, Bicep, KQL), which
// load heavy modules and reach no core code. They cover the core only incidentally, take seconds per
// mutant, and a core rule that only they would catch is a rule missing from the core's own tests.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    exclude: [
      'test/unit/cli/run-cli.test.ts',
      'test/unit/functions/**',
      'test/unit/infra/**',
      'test/unit/sweep/run-sweep.test.ts',
      'test/unit/discovery/discover-host.test.ts',
      'test/unit/docs/readme-claims.test.ts',
    ],
    testTimeout: 10_000,
  },
});
