/**
 * The heap flags infra/ gives the Function's Node worker on the 2,048 MB instance docs/scale.md asks
 * for at 200 hosts (infra/app/sweeper.bicep: NODE_OPTIONS, then languageWorkers__node__arguments).
 * The fleet bench measures with them; a unit test holds the Bicep to them.
 */
export const FUNCTION_WORKER_FLAGS = {
  nodeOptions: ['--max-old-space-size=1024', '--max-semi-space-size=8'],
  workerArguments: ['--initial-old-space-size=128', '--heap-growing-percent=15', '--single-threaded-gc'],
} as const;
