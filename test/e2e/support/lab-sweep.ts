// Runs the real CLI (bin/tunnelwatch.js) against the lab and returns the parsed report: the same
// path an operator takes. The lab's generated config is copied with test-specific overrides.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { SweepReport, Verdict } from '../../../shared/domain/sweep-report.js';
import { reportContract } from '../../support/report-contract.js';

const run = promisify(execFile);
const BIN = new URL('../../../bin/tunnelwatch.js', import.meta.url).pathname;

/** Writes a copy of the lab config with `overrides` merged at the top level; returns its path. */
export async function labConfigWith(labConfigPath: string, overrides: Record<string, unknown> = {}) {
  const lab = JSON.parse(await readFile(labConfigPath, 'utf8')) as Record<string, unknown>;
  const dir = await mkdtemp(join(tmpdir(), 'tw-e2e-'));
  const path = join(dir, 'tunnelwatch.json');
  await writeFile(path, JSON.stringify({ ...lab, ...overrides }));
  return path;
}

export async function cli(args: string[], env: NodeJS.ProcessEnv = process.env) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { timeout: 120_000, env });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number | string; stdout: string; stderr: string };
    if (typeof err.code !== 'number') throw e;
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

export async function sweepLab(configPath: string, extraArgs: string[] = []) {
  const { code, stdout, stderr } = await cli(['sweep', '--json', '--config', configPath, ...extraArgs]);
  if (code === 64) throw new Error(`tunnelwatch refused its config:\n${stderr}`);
  const report = JSON.parse(stdout) as SweepReport;
  reportContract.parse(report); // the documented contract holds; extra fields (evidence, …) are kept
  return { code, report };
}

/**
 * The lab's eight daemons and agents share two cores, and a single ping in a hundred can come back
 * late. A pair whose only fault is one such lost reply (of its overlay and underlay pings, both ways)
 * reads `packet-loss`, rightly; here it says nothing about the injected fault, so it is told apart
 * from a wrong cause instead of failing the case.
 */
export function isStrayLoss(report: SweepReport, v: Verdict): boolean {
  if (v.cause !== 'packet-loss') return false;
  const lost = report.paths
    .filter(
      (p) =>
        (p.probe === 'overlay-icmp' || p.probe === 'underlay-icmp') &&
        ((p.from === v.from && p.to === v.to) || (p.from === v.to && p.to === v.from)),
    )
    .reduce((n, p) => n + (p.sent - p.received), 0);
  return lost <= 1;
}

/**
 * An MTU black hole is named only when every ladder shows a clean cut (rungs up to the path MTU
 * answered in full, larger ones lost in full), so random loss never reads as one. A single sized ping
 * lost below the cut on the shared lab therefore reads `ok` for that sweep: told apart from a wrong
 * cause here, like isStrayLoss, by the one lost packet being all that blurred the cut.
 */
export function isBlurredLadder(report: SweepReport, v: Verdict, pmtu: number): boolean {
  if (v.cause !== 'ok') return false;
  const rungs = report.paths
    .filter(
      (p) =>
        p.probe === 'overlay-mtu' &&
        ((p.from === v.from && p.to === v.to) || (p.from === v.to && p.to === v.from)),
    )
    .flatMap((p) => p.mtu?.ladder ?? []);
  const lostBelow = rungs.filter((r) => r.bytes <= pmtu).reduce((n, r) => n + (r.sent - r.received), 0);
  const cutAbove = rungs.filter((r) => r.bytes > pmtu).every((r) => r.received === 0);
  return rungs.length > 0 && lostBelow === 1 && cutAbove;
}

/**
 * The first sweep after a heal. Heal clears the hosts' UDP 500/4500 conntrack entries, so ESP-in-UDP
 * of every pair of a healed host may lose a few packets while its NAT mappings form again: a sweep
 * that shows loss and nothing else is taken once more.
 */
export async function sweepAfterHeal(configPath: string) {
  const first = await sweepLab(configPath);
  return lossOnly(first.report) ? sweepLab(configPath) : first;
}

/** A report whose only blemish is lost probes: no verdict but `ok` or `packet-loss`, yet not all clean. */
export function lossOnly(report: SweepReport): boolean {
  const clean = report.status === 'up' && report.paths.every((p) => p.state === 'up');
  return !clean && report.verdicts.every((v) => v.cause === 'ok' || v.cause === 'packet-loss');
}

export function verdictOf(report: SweepReport, from: string, to: string): Verdict {
  const v = report.verdicts.find((x) => x.from === from && x.to === to);
  if (!v) throw new Error(`no verdict for ${from} → ${to}`);
  return v;
}

/** Every ordered pair of the given host names. */
export function orderedPairs(names: readonly string[]): [string, string][] {
  return names.flatMap((a) => names.filter((b) => b !== a).map((b) => [a, b] as [string, string]));
}
