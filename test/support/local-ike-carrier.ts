import { IKE_PROBE_PATH } from '../../shared/probes/ike/ike-probe-image.js';
import type { DockerHostClient, ExecResult } from '../../shared/transport/docker-host-client.js';

/**
 * A host whose IKE probe carrier is this machine: the carrier is "started" at once, and each exec in
 * it runs the probe program's argv with `run` (the committed program, locally or in a namespace).
 */
export function localIkeCarrier(
  run: (args: string[], deadlineMs: number) => Promise<ExecResult> | ExecResult,
): DockerHostClient {
  return {
    async listContainers() {
      return [];
    },
    async ensureImage() {},
    async startCarrier() {
      return 'local-carrier';
    },
    async removeContainer() {},
    async exec(id: string, argv: string[], opts: { deadlineMs: number }): Promise<ExecResult> {
      if (id !== 'local-carrier' || argv[0] !== IKE_PROBE_PATH) throw new Error(`unexpected exec in ${id}`);
      return run(argv.slice(1), opts.deadlineMs);
    },
  } as unknown as DockerHostClient;
}
