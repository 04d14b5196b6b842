// The Rancher 1.1 layout keeps working: the lab rebuilt with Network Agents (and rancher-agent holding
// CATTLE_AGENT_IP), discovery recognises it with the default `auto` preset, the registered-IP fault is
// named for exactly the pairs touching the host, and all is ok after heal. The lab is put back in the
// 1.6 layout afterwards for the other files.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fault, heal, up } from '../lab/lab.js';
import { cli, isStrayLoss, orderedPairs, sweepAfterHeal, sweepLab, verdictOf } from './support/lab-sweep.js';

const skipReason = inject('labSkipReason');
const hostCount = inject('labHostCount');
const labConfigPath = inject('labConfigPath');
const HOSTS = Array.from({ length: hostCount }, (_, i) => `h${i + 1}`);

describe.skipIf(skipReason !== '')('the Rancher 1.1 layout', () => {
  beforeAll(async () => {
    await up({ hosts: hostCount, rancher: '1.1' });
  });

  afterAll(async () => {
    await up({ hosts: hostCount, rancher: '1.6' });
  });

  it('is discovered as rancher-1.1 with the address rancher-agent registered', async () => {
    const { code, stdout } = await cli(['discover', '--json', '--config', labConfigPath]);
    expect(code).toBe(0);
    const { hosts } = JSON.parse(stdout) as {
      hosts: { agent: { layout: string; registration: string } | null }[];
    };
    expect(hosts.map((h) => [h.agent?.layout, h.agent?.registration])).toEqual(
      HOSTS.map(() => ['rancher-1.1', 'rancher-agent']),
    );
    const { report } = await sweepLab(labConfigPath);
    expect(report.verdicts.filter((v) => v.cause !== 'ok' && !isStrayLoss(report, v))).toEqual([]);
  });

  it('wrong-agent-ip on h2 is agent-ip-misconfigured for the pairs touching h2 only, ok after heal', async () => {
    await fault('wrong-agent-ip', ['h2']);
    const { report } = await sweepLab(labConfigPath);
    for (const [from, to] of orderedPairs(HOSTS)) {
      const v = verdictOf(report, from, to);
      const touches = from === 'h2' || to === 'h2';
      if (!touches && isStrayLoss(report, v)) continue;
      expect(v.cause, `${from}→${to}: ${v.evidence.join('; ')}`).toBe(
        touches ? 'agent-ip-misconfigured' : 'ok',
      );
      if (touches) expect(v.advice).toContain('CATTLE_AGENT_IP=198.18.0.12');
    }
    const { tunnelsMissing } = await heal({ waitForTunnelsMs: 120_000, reconnect: true });
    expect(tunnelsMissing).toEqual([]);
    const after = await sweepAfterHeal(labConfigPath);
    expect(
      after.report.verdicts
        .filter((v) => v.cause !== 'ok' && !isStrayLoss(after.report, v))
        .map((v) => `${v.from}→${v.to} ${v.cause}`),
    ).toEqual([]);
  });
});
