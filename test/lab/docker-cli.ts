// The lab's own Docker calls go through the `docker` CLI on the host's admin socket, which faults never touch.
import type { HostPlan } from './address-plan.js';
import { type RunOptions, type RunResult, run } from './command.js';

export function docker(host: HostPlan, args: readonly string[], options?: RunOptions): Promise<RunResult> {
  return run(['docker', '-H', `unix://${host.adminSocket}`, ...args], options);
}
