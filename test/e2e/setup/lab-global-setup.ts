// Brings the lab up once per e2e run and tears it down afterwards. Without root the lab cannot exist:
// tests then skip, with the reason provided as `labSkipReason`, instead of failing.
import type { TestProject } from 'vitest/node';
import { DEFAULT_CONFIG_FILE, down, status, up } from '../../lab/lab.js';

declare module 'vitest' {
  export interface ProvidedContext {
    labSkipReason: string;
    labConfigPath: string;
    labHostCount: number;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const hosts = Number(process.env.TUNNELWATCH_LAB_HOSTS ?? '3');
  project.provide('labHostCount', hosts);
  project.provide('labConfigPath', DEFAULT_CONFIG_FILE);
  if (process.getuid?.() !== 0) {
    const reason = 'lab e2e tests skipped: the lab needs root (network namespaces, dockerd, nftables)';
    process.stderr.write(`${reason}\n`);
    project.provide('labSkipReason', reason);
    return undefined;
  }
  project.provide('labSkipReason', '');
  // A lab someone brought up by hand (npm run lab -- up) is reused and left running afterwards.
  const wasUp = (await status()).up;
  await up({ hosts, log: (line) => process.stderr.write(`${line}\n`) });
  return async () => {
    if (!wasUp) await down();
  };
}
