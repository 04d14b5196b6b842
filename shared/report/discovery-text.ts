import { printableLine } from '../domain/printable-text.js';
import type { HostResult } from '../domain/sweep-report.js';

/** Where the host's registered address came from, as an operator reads it. */
function registration(h: HostResult): string {
  const agent = h.agent!;
  if (agent.advertisedIp) {
    const where = agent.registration === 'agent-env' ? "agent's env" : 'rancher-agent';
    return `${agent.advertisedIp} (${where})`;
  }
  return 'auto-detected by Rancher';
}

/** `tunnelwatch discover` without --json: one line per host. */
export function renderDiscoveryText(hosts: readonly HostResult[]): string {
  const rows = hosts.map((h) => [
    h.name,
    h.state,
    h.agent ? h.agent.containerId.slice(0, 12) : '-',
    h.agent ? `${h.agent.overlayIp} (${h.agent.overlayIpSource ?? 'label'})` : '-',
    h.agent?.layout ?? '-',
    h.agent ? registration(h) : '-',
    h.error ?? '',
  ]);
  // Container ids and finding messages come from the host: one cell each, never a terminal escape.
  const all = [
    ['HOST', 'STATE', 'AGENT', 'OVERLAY IP', 'LAYOUT', 'REGISTERED AS', 'PROBLEM'],
    ...rows.map((r) => r.map(printableLine)),
  ];
  const widths = all[0]!.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return `${all
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
