import { PathsByPair } from '../domain/paths-by-pair.js';
import { printableLine } from '../domain/printable-text.js';
import type { HostResult, PathResult, SweepReport, Verdict } from '../domain/sweep-report.js';
import { verdictQualifiers } from './verdict-qualifiers.js';

/**
 * The human-readable sweep result: a from×to matrix of overlay ping RTT / loss, the hosts with
 * their findings, then one verdict per ordered pair. Pinned by a golden file.
 */
export function renderTextMatrix(report: SweepReport): string {
  const lines: string[] = [];
  lines.push(
    `tunnelwatch sweep at ${printableLine(String(report.startedAt))}: ${report.status.toUpperCase()} (${report.durationMs} ms)`,
  );
  if (report.sampling) {
    const { peersPerSweep, cycleSweeps, rotation } = report.sampling;
    lines.push(
      `peer sampling: ${peersPerSweep} peers per agent this sweep (rotation ${rotation}); every pair is probed within ${cycleSweeps} sweeps`,
    );
  }
  lines.push('');
  const byPair = new PathsByPair(report.paths);
  lines.push(...matrix(report, byPair, 'overlay-icmp'));
  if (report.paths.some((p) => p.probe === 'underlay-icmp')) {
    lines.push('');
    lines.push(...matrix(report, byPair, 'underlay-icmp'));
  }
  if (report.paths.some((p) => p.probe === 'overlay-mtu')) {
    lines.push('');
    lines.push(...matrix(report, byPair, 'overlay-mtu'));
  }
  lines.push('');
  lines.push('hosts');
  lines.push(...table(report.hosts.map(hostRow)).map((l) => `  ${l}`));
  if (report.verdicts.length > 0) {
    lines.push('');
    lines.push('verdicts');
    lines.push(
      ...table(
        report.verdicts.map((v) => [`${v.from} -> ${v.to}`, v.state, withQualifiers(v), v.advice]),
      ).map((l) => `  ${l}`),
    );
  }
  return `${lines.join('\n')}\n`;
}

function withQualifiers(v: Verdict): string {
  const q = verdictQualifiers(v);
  return q.length > 0 ? `${v.cause} (${q.join(', ')})` : v.cause;
}

function matrix(report: SweepReport, byPair: PathsByPair, probe: PathResult['probe']): string[] {
  const names = report.hosts.map((h) => h.name as string);
  const cell = (from: string, to: string) => {
    if (from === to) return '-';
    const path = byPair.find(from, to, probe);
    // Sampling: a pair without paths was not probed this sweep (its verdict says when it was).
    return path ? pathCell(path) : report.sampling ? 'not probed' : 'n/a';
  };
  const header = [`${probe} from \\ to`, ...names];
  return table([header, ...names.map((from) => [from, ...names.map((to) => cell(from, to))])]);
}

function pathCell(path: PathResult): string {
  if (path.state === 'unknown') return 'unknown';
  // The MTU ladder's cell is the largest overlay packet that passed (≥ at the ladder's ceiling).
  if (path.mtu) {
    const { pmtu, ceiling } = path.mtu;
    return pmtu === null ? 'none passed' : pmtu >= ceiling ? `pmtu >=${pmtu}` : `pmtu ${pmtu}`;
  }
  const loss = `${Math.round(path.lossRatio * 100)}%`;
  return path.rttMs ? `${path.rttMs.avg.toFixed(2)} ms ${loss}` : `${path.state} ${loss}`;
}

function hostRow(host: HostResult): string[] {
  const agent = host.agent
    ? `agent ${host.agent.containerId.slice(0, 12)} overlay ${host.agent.overlayIp}`
    : 'no agent';
  return [host.name, host.state, agent, host.error ?? ''];
}

/** Left-aligned columns separated by two spaces, trailing blanks trimmed. Cells may hold host text. */
function table(cells: string[][]): string[] {
  const rows = cells.map((row) => row.map(printableLine));
  const widths: number[] = [];
  for (const row of rows) {
    for (const [i, c] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, c.length);
  }
  return rows.map((row) =>
    row
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}
