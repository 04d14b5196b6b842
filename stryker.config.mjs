// Mutation testing of the core (npm run test:mutation). Incremental: a re-run only tests mutants in
// code that changed since the last run (reports/mutation/incremental.json, kept between runs).
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: true },
  checkers: [],
  // The core: the pure code whose every line changes what an operator is told. Shells, adapters and
  // templates are covered by integration tests, which are too slow to run once per mutant.
  mutate: [
    'shared/diagnosis/**/*.ts',
    'shared/alerts/alert-state.ts',
    'shared/probes/ping/parse-ping-output.ts',
    'shared/probes/ike/ike-response.ts',
    'shared/probes/ike/ike-sa-init-request.ts',
    'shared/probes/ipsec-sa/parse-list-sas.ts',
    'shared/probes/ipsec-sa/parse-list-conns.ts',
    'shared/probes/ipsec-sa/vici-dump.ts',
    'shared/probes/ipsec-sa/vici-raw.ts',
    'shared/probes/ping/mtu-ladder-probe.ts',
    'shared/probes/ike/ike-path-result.ts',
    'shared/probes/exec-batch.ts',
    'shared/config/config-schema.ts',
    'shared/telemetry/telemetry-records.ts',
    'shared/report/html/html-escape.ts',
    'shared/schedule/ncrontab.ts',
    'shared/schedule/timer-ticks.ts',
    'shared/sweep/due-environments.ts',
    'shared/sweep/peer-sampling.ts',
    'shared/sweep/sampled-verdicts.ts',
    'shared/fanout/sweep-message.ts',
    'shared/fanout/sharded-sweep.ts',
    'shared/domain/compiled-check.ts',
    'shared/domain/ipv4.ts',
    'shared/domain/report-json-chunks.ts',
  ],
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: 'reports/mutation/incremental.json',
  reporters: ['clear-text', 'html', 'json', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 95, low: 90, break: null },
  // The machine's cores are shared; one runner keeps a run from starving everything else.
  concurrency: 1,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
