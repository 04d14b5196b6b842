// Time formatting for the page's server-rendered header; the script formats the cells and the
// details panel itself (matrix-client-script.ts), with the same rules.

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
