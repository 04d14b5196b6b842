import { describe, expect, it } from 'vitest';
import { singleEnvironmentSchema } from '../../../shared/config/config-schema.js';
import { PING_LIMITS, type PingSetting } from '../../../shared/config/ping-limits.js';
import type { HostName } from '../../../shared/domain/host-name.js';
import type { Ipv4 } from '../../../shared/domain/ipv4.js';
import { rejectJob } from '../../../shared/probes/exec-batch.js';
import { pingExecProbe } from '../../../shared/probes/ping/ping-exec-probe.js';
import { fuzz } from '../fuzz/fuzz-input.js';

const FIELD: Record<PingSetting, 'pingCount' | 'pingIntervalSec' | 'pingTimeoutSec'> = {
  count: 'pingCount',
  intervalSec: 'pingIntervalSec',
  timeoutSec: 'pingTimeoutSec',
};
const BASE = { pingCount: 1, pingIntervalSec: 0.2, pingTimeoutSec: 1 };

/** Does the config accept this value (only the probes section judged: a long deadline keeps the round check out)? */
function configAccepts(setting: PingSetting, value: number): boolean {
  const parsed = singleEnvironmentSchema.safeParse({
    hosts: [{ name: 'a', docker: { endpoint: 'unix:///run/a.sock' } }],
    probes: { ...BASE, [FIELD[setting]]: value },
    sweep: { deadlineMs: 600_000 },
  });
  return parsed.success || !parsed.error.issues.some((i) => i.path.join('.') === `probes.${FIELD[setting]}`);
}

/** Does the exec batch run the ping job the ping probe builds from these settings? */
function batchAccepts(setting: PingSetting, value: number): boolean {
  const timing = { ...BASE, ikeTimeoutMs: 1000, [FIELD[setting]]: value };
  const jobs = pingExecProbe('overlay-icmp').jobs({
    self: 'a' as HostName,
    agent: { containerId: 'c', overlayIp: '100.64.1.2' as Ipv4 },
    peers: [{ name: 'b' as HostName, overlayIp: '100.64.2.2' as Ipv4, underlayIp: null }],
    timing,
  });
  return jobs.length === 1 && rejectJob(jobs[0]!) === null;
}

describe('one definition of valid ping settings', () => {
  const settings = Object.keys(PING_LIMITS) as PingSetting[];

  it.each([
    ['intervalSec', 0.3333],
    ['intervalSec', 1.0001],
    ['intervalSec', 0.333],
    ['intervalSec', 10],
    ['count', 100],
    ['count', 101],
    ['timeoutSec', 30],
    ['timeoutSec', 31],
  ] as [PingSetting, number][])('%s = %d: config and batch agree', (setting, value) => {
    expect(configAccepts(setting, value)).toBe(batchAccepts(setting, value));
  });

  it('the config refuses exactly what the batch would refuse, over random values', () => {
    const f = fuzz(0x9149);
    for (const setting of settings) {
      const { min, max } = PING_LIMITS[setting];
      for (let i = 0; i < 400; i++) {
        const value = f.pick([
          Math.round((min + f.int(1000) * ((max - min) / 997)) * 10 ** f.int(5)) / 10 ** f.int(5),
          min + f.int(10_000) / 10 ** f.int(6),
          f.int(200) / 10,
          -f.int(5),
        ]);
        expect(configAccepts(setting, value), `${setting} = ${value}`).toBe(batchAccepts(setting, value));
      }
    }
  });

  it('refuses 0.3333 and 1.0001 in the config, which the batch would refuse', () => {
    expect(batchAccepts('intervalSec', 0.3333)).toBe(false);
    expect(configAccepts('intervalSec', 0.3333)).toBe(false);
    expect(configAccepts('intervalSec', 1.0001)).toBe(false);
    expect(configAccepts('intervalSec', 0.333)).toBe(true);
    expect(batchAccepts('intervalSec', 0.333)).toBe(true);
  });
});
