// Renders one host namespace's nft fault table from the active faults. Pure, so it is unit-tested; the
// lab loads the text with `nft -f -`, replacing the table atomically.
//
// Why these hooks: an agent's IKE/ESP is masqueraded by Docker, so its packets are forwarded, not sent
// locally. Matching on the peer's underlay address in postrouting (after SNAT, priority 300) catches
// both forwarded and locally generated packets leaving this host; ingress for the Docker API is plain
// local delivery, so `input` suffices. Every network fault is therefore an egress rule on the sending host.
import type { HostPlan } from './address-plan.js';
import { DOCKER_TLS_PORT } from './address-plan.js';
import type { Fault } from './fault-kind.js';

export const FAULT_TABLE = 'tunnelwatch_fault';

function egressRules(host: HostPlan, fault: Fault, byName: Map<string, HostPlan>): string[] {
  const peer = (name: string) => {
    const h = byName.get(name);
    if (!h) throw new Error(`fault names unknown host ${name}`);
    return h;
  };
  switch (fault.kind) {
    case 'block-udp500':
    case 'block-udp4500': {
      const port = fault.kind === 'block-udp500' ? 500 : 4500;
      const targets: HostPlan[] = [];
      if (fault.from === host.name) targets.push(peer(fault.to));
      if (!fault.oneWay && fault.to === host.name) targets.push(peer(fault.from));
      return targets.flatMap((t) => [
        `ip daddr ${t.underlayIp} udp dport ${port} drop`,
        `ip daddr ${t.underlayIp} udp sport ${port} drop`,
      ]);
    }
    case 'partition':
    case 'loss': {
      const other = fault.a === host.name ? fault.b : fault.b === host.name ? fault.a : null;
      if (!other) return [];
      const match = `ip daddr ${peer(other).underlayIp}`;
      // nft refuses `< 100` for `mod 100` (range 0-99): total loss is a plain drop.
      const total = fault.kind === 'partition' || fault.percent >= 100;
      return [total ? `${match} drop` : `${match} numgen random mod 100 < ${fault.percent} drop`];
    }
    case 'mtu-blackhole': {
      const targets: HostPlan[] = [];
      if (fault.from === host.name) targets.push(peer(fault.to));
      if (!fault.oneWay && fault.to === host.name) targets.push(peer(fault.from));
      // ESP-in-UDP datagrams above the size vanish without an ICMP "fragmentation needed": a black hole.
      return targets.flatMap((t) => [
        `ip daddr ${t.underlayIp} udp dport 4500 ip length > ${fault.bytes} drop`,
        `ip daddr ${t.underlayIp} udp sport 4500 ip length > ${fault.bytes} drop`,
      ]);
    }
    case 'esp-drop': {
      const other = fault.a === host.name ? fault.b : fault.b === host.name ? fault.a : null;
      if (!other) return [];
      const t = peer(other);
      // IKE on 4500 starts with the 4-byte non-ESP marker (zeros); everything else there is ESP.
      // NAT keepalives (1 byte) are too short to load 32 bits, so the rule does not match them.
      return [
        `ip daddr ${t.underlayIp} udp dport 4500 @th,64,32 != 0 drop`,
        `ip daddr ${t.underlayIp} udp sport 4500 @th,64,32 != 0 drop`,
      ];
    }
    default:
      return [];
  }
}

export function renderFaultRuleset(
  host: HostPlan,
  hosts: readonly HostPlan[],
  faults: readonly Fault[],
): string {
  const byName = new Map(hosts.map((h) => [h.name, h]));
  const egress = faults.flatMap((f) => egressRules(host, f, byName));
  const apiDown = faults.some((f) => f.kind === 'docker-down' && f.host === host.name);
  const localIn = apiDown ? [`tcp dport ${DOCKER_TLS_PORT} drop`] : [];
  const chain = (name: string, hook: string, priority: number, rules: string[]) =>
    [
      `  chain ${name} {`,
      `    type filter hook ${hook} priority ${priority}; policy accept;`,
      ...rules.map((r) => `    ${r}`),
      '  }',
    ].join('\n');
  // "table; delete table; table {...}" in one transaction: creates-or-replaces atomically.
  return [
    `table inet ${FAULT_TABLE}`,
    `delete table inet ${FAULT_TABLE}`,
    `table inet ${FAULT_TABLE} {`,
    chain('egress', 'postrouting', 300, egress),
    chain('local_in', 'input', -10, localIn),
    '}',
    '',
  ].join('\n');
}
