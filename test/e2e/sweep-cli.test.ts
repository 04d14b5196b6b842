import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_CONFIG_FILE } from '../lab/lab.js';
import { reportContract } from '../support/report-contract.js';
import { cli } from './support/lab-sweep.js';

// The real CLI (bin/tunnelwatch.js) against the lab's dockerds over TCP+TLS, plus two hosts whose
// Docker endpoints are dead: a unix socket that does not exist and a TLS endpoint on an underlay
// address nobody holds (198.18.0.99). The lab global setup brings the lab up and writes its config.
const LAB_CONFIG = process.env.TUNNELWATCH_LAB_CONFIG ?? DEFAULT_CONFIG_FILE;
const DEADLINE_MS = 8000;

interface LabHost {
  name: string;
  docker: { endpoint: string; tls?: object };
}

let configPath: string;
let labHosts: string[];

describe.skipIf(inject('labSkipReason') !== '')('tunnelwatch sweep --json against the lab', () => {
  beforeAll(async () => {
    const lab = JSON.parse(await readFile(LAB_CONFIG, 'utf8')) as { hosts: LabHost[] };
    labHosts = lab.hosts.map((h) => h.name);
    const tls = lab.hosts.find((h) => h.docker.tls)?.docker.tls;
    const dead: LabHost[] = [
      { name: 'dead-socket', docker: { endpoint: 'unix:///run/tunnelwatch-lab/nobody-listens.sock' } },
      { name: 'dead-tcp', docker: { endpoint: 'tcp://198.18.0.99:2376', ...(tls ? { tls } : {}) } },
    ];
    const dir = await mkdtemp(join(tmpdir(), 'tw-e2e-'));
    configPath = join(dir, 'tunnelwatch.json');
    await writeFile(
      configPath,
      JSON.stringify({
        ...lab,
        hosts: [...lab.hosts, ...dead],
        sweep: { deadlineMs: DEADLINE_MS, concurrency: 8 },
      }),
    );
  });

  it('measures the lab hosts, marks dead Docker endpoints unknown, and finishes within its deadline', async () => {
    const { code, stdout } = await cli(['sweep', '--json', '--config', configPath]);
    const report = reportContract.parse(JSON.parse(stdout));

    for (const name of ['dead-socket', 'dead-tcp']) {
      const host = report.hosts.find((h) => h.name === name)!;
      expect(host).toMatchObject({ state: 'unknown', agent: null });
      // A black-holed endpoint fails at sweep.connectTimeoutMs; a refusing one at once.
      expect(host.error).toMatch(/Docker endpoint unreachable|connect timeout: no TCP connection within/);
      expect(report.verdicts.filter((v) => v.from === name || v.to === name).map((v) => v.cause)).toEqual(
        Array(2 * (labHosts.length + 1)).fill('docker-unreachable'),
      );
    }
    for (const name of labHosts) {
      expect(report.hosts.find((h) => h.name === name)).toMatchObject({
        state: 'up',
        agent: { overlayIp: expect.stringMatching(/^100\.64\./) },
      });
    }
    const labOverlay = report.paths.filter((p) => p.probe === 'overlay-icmp');
    expect(labOverlay).toHaveLength(labHosts.length * (labHosts.length - 1));
    // Measured: a state from real pings, with packets sent.
    for (const p of labOverlay) {
      expect(p.state).not.toBe('unknown');
      expect(p.sent).toBeGreaterThan(0);
    }
    expect(report.status).toBe('unknown');
    expect(code).toBe(3);
    // The deadline is part of the tool's contract: dead hosts must not stretch a sweep.
    expect(report.durationMs).toBeLessThanOrEqual(DEADLINE_MS + 1000);
  });

  it('discover lists the lab agents with their overlay IPs from the label, in the Rancher 1.6 layout, registered by rancher-agent', async () => {
    const { code, stdout } = await cli(['discover', '--json', '--config', LAB_CONFIG]);
    const { hosts } = JSON.parse(stdout) as {
      hosts: {
        name: string;
        agent: { overlayIp: string; overlayIpSource: string; layout: string; registration: string };
      }[];
    };
    expect(hosts.map((h) => [h.name, h.agent.overlayIpSource, h.agent.layout, h.agent.registration])).toEqual(
      labHosts.map((n) => [n, 'label', 'rancher-1.6', 'rancher-agent']),
    );
    expect(code).toBe(0);
    // The text view says the same, one line per host.
    const text = await cli(['discover', '--config', LAB_CONFIG]);
    for (const name of labHosts)
      expect(text.stdout).toMatch(
        new RegExp(
          `^${name}\\s+up\\s+\\S+\\s+100\\.64\\.\\S+ \\(label\\)\\s+rancher-1\\.6\\s+198\\.18\\.0\\.\\d+ \\(rancher-agent\\)`,
          'm',
        ),
      );
  });
});
