import { IKE_PROBE_AGENT_PATH } from '../../shared/probes/ike/ike-agent-copy.js';
import { IKE_PROBE_PATH } from '../../shared/probes/ike/ike-probe-image.js';
import {
  type DockerHostClient,
  type ExecResult,
  TransportError,
} from '../../shared/transport/docker-host-client.js';

/**
 * A host whose IKE probe runs on this machine: the program "put into" the agent (or, with
 * `refuseCopy`, its carrier "started") at once, and each exec of the program runs its argv with `run`
 * (the committed program, locally or in a namespace).
 */
export function localIkeCarrier(
  run: (args: string[], deadlineMs: number) => Promise<ExecResult> | ExecResult,
  options: { refuseCopy?: boolean } = {},
): DockerHostClient {
  const copied = new Set<string>();
  return {
    async listContainers() {
      return [];
    },
    async ensureImage() {},
    async putArchive(id: string) {
      if (options.refuseCopy) throw new TransportError('protocol', 'copy: Docker API answered 403', 403);
      copied.add(id);
    },
    async startCarrier() {
      return 'local-carrier';
    },
    async removeContainer() {},
    async exec(id: string, argv: string[], opts: { deadlineMs: number }): Promise<ExecResult> {
      const inCarrier = id === 'local-carrier' && argv[0] === IKE_PROBE_PATH;
      const inAgent = copied.has(id) && argv[0] === IKE_PROBE_AGENT_PATH;
      if (!inCarrier && !inAgent) throw new Error(`unexpected exec in ${id}`);
      return run(argv.slice(1), opts.deadlineMs);
    },
  } as unknown as DockerHostClient;
}
