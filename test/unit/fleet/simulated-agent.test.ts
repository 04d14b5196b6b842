// The simulated fleet must print what the real tools print: its outputs are checked here against the
// product's own parsers, so a bench or integration test on the fleet measures real parsing work.
import { describe, expect, it } from 'vitest';
import { batchArgv, orderJobs, parseBatchOutput } from '../../../shared/probes/exec-batch.js';
import { IKE_PROBE_AGENT_PATH, IKE_PROBE_HASH } from '../../../shared/probes/ike/ike-agent-copy.js';
import { parseIkeProbeLines } from '../../../shared/probes/ike/ike-path-result.js';
import { IKE_PROBE_PATH } from '../../../shared/probes/ike/ike-probe-image.js';
import { parseIkeResponse } from '../../../shared/probes/ike/ike-response.js';
import {
  buildIkeSaInitRequest,
  ikeRequestStamp,
  ikeSaInitRequestTemplate,
} from '../../../shared/probes/ike/ike-sa-init-request.js';
import { parseListSas } from '../../../shared/probes/ipsec-sa/parse-list-sas.js';
import { parsePingOutput } from '../../../shared/probes/ping/parse-ping-output.js';
import { ikeReplyHex, ikeStampedRequest, pingOutput } from '../../support/fleet/agent-outputs.js';
import { planFleet } from '../../support/fleet/fleet-plan.js';
import { agentExec, ikeSidecar } from '../../support/fleet/simulated-agent.js';

const spi = Uint8Array.from([9, 8, 7, 6, 5, 4, 3, 2]);
// Built in the tests, not when the file loads: a mutant that makes the builders throw fails a test.
const request = () => buildIkeSaInitRequest({ spi, nonce: new Uint8Array(32).fill(3) });
// What the IKE probe's argv carries: the template once, and per target its stamp (SPI and nonce).
const ikeArgs = () => ({
  templateHex: Buffer.from(ikeSaInitRequestTemplate({ nonceLength: 32 })).toString('hex'),
  stampHex: Buffer.from(ikeRequestStamp(spi, new Uint8Array(32).fill(3), 32)).toString('hex'),
});

describe('simulated agent outputs, read by the real parsers', () => {
  it.each(['busybox', 'iputils'] as const)('%s ping: loss and RTT come out as simulated', (flavour) => {
    const out = pingOutput({ flavour, target: '100.64.2.2', count: 4, replies: [0.5, null, 0.7, 0.6] });
    const parsed = parsePingOutput(out.output);
    expect(out.exitCode).toBe(0);
    expect(parsed).toMatchObject({ ok: true, sent: 4, received: 3, samplesMs: [0.5, 0.7, 0.6] });
    expect(parsed.ok && parsed.rttMs).toEqual({ min: 0.5, avg: 0.6, max: 0.7 });
    const lost = pingOutput({ flavour, target: '100.64.2.2', count: 3, replies: [null, null, null] });
    expect(lost.exitCode).toBe(1);
    expect(parsePingOutput(lost.output)).toMatchObject({ ok: true, sent: 3, received: 0 });
  });

  it('a batch exec answers each job between its markers, as the batch script does', () => {
    const plan = planFleet(3, [{ kind: 'partition', a: 'h1', b: 'h3' }]);
    const [h1, h2, h3] = plan.hosts as [
      (typeof plan.hosts)[0],
      (typeof plan.hosts)[0],
      (typeof plan.hosts)[0],
    ];
    const jobs = [
      { id: 'ov-0', op: 'ping' as const, args: ['3', '0.2', '1', h2.overlayIp] },
      { id: 'ul-1', op: 'ping' as const, args: ['3', '0.2', '1', h3.underlayIp] },
      { id: 'ipsec-sas', op: 'ipsec-sas' as const, args: [] },
    ];
    const result = agentExec(plan, h1, batchArgv(jobs, 5, 'abc123'));
    const outputs = parseBatchOutput(result.stdout, 'abc123');
    expect([...outputs.keys()]).toEqual(['ov-0', 'ul-1', 'ipsec-sas']);
    expect(parsePingOutput(outputs.get('ov-0')!.output)).toMatchObject({ received: 3 });
    expect(parsePingOutput(outputs.get('ul-1')!.output)).toMatchObject({ received: 0 });
    const sas = parseListSas(outputs.get('ipsec-sas')!.output);
    expect(sas.ok && sas.sas.map((sa) => [sa.remoteHost, sa.state, sa.children[0]?.state])).toEqual([
      [h2.underlayIp, 'ESTABLISHED', 'INSTALLED'],
      // A partition leaves the SA looking established until dead-peer detection gives up.
      [h3.underlayIp, 'ESTABLISHED', 'INSTALLED'],
    ]);
  });

  it('a dead charon makes swanctl fail the way VICI does', () => {
    const plan = planFleet(2, [{ kind: 'kill-ike', host: 'h1' }]);
    const result = agentExec(
      plan,
      plan.hosts[0]!,
      batchArgv([{ id: 'ipsec-sas', op: 'ipsec-sas', args: [] }], 5, 'n1'),
    );
    expect(parseListSas(parseBatchOutput(result.stdout, 'n1').get('ipsec-sas')!.output)).toMatchObject({
      ok: false,
      daemonUnreachable: true,
    });
  });

  it.each([500, 4500] as const)(
    "the IKE reply on UDP %i is charon's INVALID_KE_PAYLOAD for our SPI",
    (port) => {
      // The fleet sends what ike-probe.c makes of the template and the stamp: the request built in TypeScript.
      const { templateHex, stampHex } = ikeArgs();
      const sent = ikeStampedRequest(templateHex, stampHex, port)!;
      // On 4500 behind the non-ESP marker: four zero bytes (RFC 3948).
      const marker = Buffer.alloc(port === 4500 ? 4 : 0);
      expect(sent).toEqual(Buffer.concat([marker, request()]));
      const reply = parseIkeResponse(Buffer.from(ikeReplyHex(sent, port)!, 'hex'), spi);
      expect(reply).toMatchObject({ kind: 'answered', response: 'INVALID_KE_PAYLOAD', requestedDhGroup: 14 });
    },
  );

  it('the IKE sidecar answers per target: timeout through a blocked port, refused without charon', () => {
    const plan = planFleet(3, [
      { kind: 'block-udp4500', from: 'h1', to: 'h2', oneWay: true },
      { kind: 'kill-ike', host: 'h3' },
    ]);
    const [h1, h2, h3] = [plan.hosts[0]!, plan.hosts[1]!, plan.hosts[2]!];
    const { templateHex, stampHex } = ikeArgs();
    const argv = [IKE_PROBE_PATH, '1000', templateHex, 'a', h2.underlayIp, '500', stampHex];
    argv.push('b', h2.underlayIp, '4500', stampHex, 'c', h3.underlayIp, '500', stampHex);
    argv.push('d', h2.underlayIp, '500', stampHex.slice(0, 46));
    const lines = parseIkeProbeLines(ikeSidecar(plan, h1, argv).stdout);
    expect(lines.get('a')?.[0]).toBe('answered');
    expect(lines.get('b')).toEqual(['timeout']);
    expect(lines.get('c')?.[0]).toBe('refused');
    expect(lines.get('d')).toEqual(['error', 'bad-stamp']);
    // Without a template nothing is sent: the program's usage error.
    const bad = ikeSidecar(plan, h1, [IKE_PROBE_PATH, '1000', 'a', h2.underlayIp, '500', stampHex]);
    expect(bad).toMatchObject({ exitCode: 2, stdout: '- error bad-template\n' });
  });

  it('the batch’s IKE job answers like the program when it was put into the agent, 127 when not', () => {
    const plan = planFleet(3, [{ kind: 'kill-ike', host: 'h3' }]);
    const [h1, h2, h3] = [plan.hosts[0]!, plan.hosts[1]!, plan.hosts[2]!];
    const { templateHex, stampHex } = ikeArgs();
    const jobs = [
      { id: 'ov-0', op: 'ping' as const, args: ['3', '0.2', '1', h2.overlayIp] },
      {
        id: 'ike',
        op: 'ike-probe' as const,
        args: [
          IKE_PROBE_HASH,
          '1000',
          templateHex,
          ...['a', h2.underlayIp, '500', stampHex],
          ...['c', h3.underlayIp, '500', stampHex],
        ],
      },
    ];
    const argv = batchArgv(orderJobs(jobs).ordered, 5, 'n2');
    const held = parseBatchOutput(agentExec(plan, h1, argv, new Set([IKE_PROBE_AGENT_PATH])).stdout, 'n2');
    expect([...held.keys()]).toEqual(['ov-0', 'ike']);
    const lines = parseIkeProbeLines(held.get('ike')!.output);
    expect(lines.get('a')?.[0]).toBe('answered');
    expect(lines.get('c')?.[0]).toBe('refused');
    const missing = parseBatchOutput(agentExec(plan, h1, argv).stdout, 'n2');
    expect(missing.get('ike')?.exitCode).toBe(127);
    expect(missing.get('ov-0')?.exitCode).toBe(0);
  });

  it('refuses a fault naming a host the fleet does not have, or one it does not simulate', () => {
    expect(() => planFleet(2, [{ kind: 'stop-agent', host: 'h3' }])).toThrow(/h3/);
    expect(() => planFleet(2, [{ kind: 'esp-drop', a: 'h1', b: 'h2' }])).toThrow(
      /does not simulate esp-drop/,
    );
  });
});
