// What the lab remembers between commands, as one JSON file under the lab directory. Everything `down`
// needs can also be rediscovered without it (namespaces, pidfiles, cgroups), so a crash mid-`up` is cleanable.
import { existsSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { LAB_RUN_DIR } from './address-plan.js';
import type { Fault } from './fault-kind.js';

export const STATE_FILE = `${LAB_RUN_DIR}/state.json`;
export const PSK_FILE = `${LAB_RUN_DIR}/psk`;
export const DEFAULT_CONFIG_FILE = `${LAB_RUN_DIR}/tunnelwatch.json`;

/** Which Rancher generation's layout the lab builds (`lab up --rancher`). */
export const RANCHER_VERSIONS = ['1.1', '1.6'] as const;
export type RancherVersion = (typeof RANCHER_VERSIONS)[number];
export const DEFAULT_RANCHER: RancherVersion = '1.6';

export interface LabState {
  phase: 'starting' | 'up';
  /** Absent in a state written before layouts existed: that lab was 1.1-style. */
  rancher?: RancherVersion;
  hostCount: number;
  imageTag: string;
  startedAt: string;
  faults: Fault[];
  /** Host name → address the agent advertises in CATTLE_AGENT_IP (differs from the underlay under wrong-agent-ip). */
  advertised: Record<string, string>;
}

export async function readState(): Promise<LabState | null> {
  if (!existsSync(STATE_FILE)) return null;
  return JSON.parse(await readFile(STATE_FILE, 'utf8')) as LabState;
}

export async function writeState(state: LabState): Promise<void> {
  const tmp = `${STATE_FILE}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
  await rename(tmp, STATE_FILE);
}
