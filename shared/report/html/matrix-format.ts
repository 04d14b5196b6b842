// Number formatting shared by the page's server-rendered cells and its details panel.

export function formatRtt(ms: number | null): string {
  return ms === null ? '—' : `${formatRttNumber(ms)} ms`;
}

/** The RTT without its unit, for cells of dense matrices. */
export function formatRttNumber(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1) return ms.toFixed(2);
  if (ms < 10) return ms.toFixed(1);
  return String(Math.round(ms));
}

export function formatLoss(ratio: number | null): string {
  if (ratio === null) return '—';
  const pct = Math.min(Math.max(ratio, 0), 1) * 100;
  // 0.4% must not read as "0%": any loss at all shows as at least "<1%".
  if (pct > 0 && pct < 1) return '<1%';
  return `${Math.round(pct)}%`;
}

export function formatAge(ms: number): string {
  if (ms < 0) return 'in the future (clock skew?)';
  const s = Math.floor(ms / 1000);
  if (s < 90) return `${s} s ago`;
  const min = Math.floor(s / 60);
  if (min < 90) return `${min} min ago`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h ${min % 60} min ago`;
  return `${Math.floor(h / 24)} days ago`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 90_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 5_400_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/**
 * Lightness of a reachable cell: fast paths pale, slow paths dark, on a log scale from 0.1 ms
 * (same-rack) to 300 ms (across continents), so both LAN and WAN meshes show differences.
 */
export function rttLightness(ms: number | null): number {
  if (ms === null) return 80;
  const lo = Math.log10(0.1);
  const hi = Math.log10(300);
  const t = (Math.log10(Math.min(Math.max(ms, 0.1), 300)) - lo) / (hi - lo);
  return Math.round(88 - t * 40);
}
