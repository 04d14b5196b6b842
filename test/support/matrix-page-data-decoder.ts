// Reads the matrix page's JSON islands back into cells, the way its script does
// (shared/report/html/matrix-client-script.ts), so tests can check what the page carries for any
// pair without a browser; the browser tests check that the script reads the same.
import {
  type DetailData,
  FROM_TO_MARK,
  type GridData,
  RTT_SCALE,
  TO_FROM_MARK,
} from '../../shared/report/html/matrix-page-data.js';

export interface DecodedCell {
  from: string;
  to: string;
  state: string;
  cause: string;
  advice: string;
  qualifiers: string | null;
  latent: boolean;
  rttMs: number | null;
  lossRatio: number | null;
  evidence: string[];
  probes: {
    probe: string;
    state: string;
    note: string | null;
    sent: number | null;
    received: number | null;
    lossRatio: number | null;
    rttMs: { min: number; avg: number; max: number } | null;
  }[];
  history: { startedAt: string; state: string | null; rttMs: number | null; lossRatio: number | null }[];
}

const MARKS = new RegExp(`[${FROM_TO_MARK}${TO_FROM_MARK}]`, 'g');

/** The text of the page's two islands (`#tw-grid`, `#tw-detail`), as JSON. */
export function pageIslands(html: string): { grid: GridData; detail: DetailData } {
  const island = (id: string) => {
    const m = new RegExp(`<script type="application/json" id="${id}">([^<]*)</script>`).exec(html);
    if (!m) throw new Error(`no #${id} island`);
    return JSON.parse(m[1]!) as unknown;
  };
  return { grid: island('tw-grid') as GridData, detail: island('tw-detail') as DetailData };
}

/** The cell of host `row` → host `col` (indices in the page's host order); null on the diagonal. */
export function decodeCell(grid: GridData, detail: DetailData, row: number, col: number): DecodedCell | null {
  const i = row * grid.n + col;
  const rec = detail.c[i];
  if (row === col || !rec) return null;
  const str = (j: number) => (j < 0 ? null : grid.s[j]!);
  const dstr = (j: number) => (j < 0 ? null : detail.s[j]!);
  const ms = (v: number | null | undefined) => (v === null || v === undefined ? null : v / RTT_SCALE);
  const at = <T>(v: T | T[], k: number): T => (Array.isArray(v) ? v[k]! : v);
  const from = str(grid.h[row]![0])!;
  const to = str(grid.h[col]![0])!;
  const [state, cause, advice, qualifiers, latent] = grid.k[grid.v[i]!]!;
  const strip = grid.y[grid.w[i]!]!;

  const probes: DecodedCell['probes'] = [];
  for (let j = 0; j < rec[1].length; ) {
    const [probe, pState, note, sent, received, loss, count] = detail.p[rec[1][j++]!]!;
    const values = rec[1].slice(j, j + count).map((v) => ms(v)!);
    j += count;
    probes.push({
      probe: dstr(probe)!,
      state: dstr(pState)!,
      note: dstr(note),
      sent,
      received,
      lossRatio: loss,
      rttMs:
        count === 0
          ? null
          : count === 1
            ? { min: values[0]!, avg: values[0]!, max: values[0]! }
            : { min: values[0]!, avg: values[1]!, max: values[2]! },
    });
  }
  return {
    from,
    to,
    state: str(state)!,
    cause: str(cause)!,
    advice: str(advice)!,
    qualifiers: str(qualifiers),
    latent: latent === 1,
    rttMs: ms(grid.r[i]),
    lossRatio: grid.l[i] ?? null,
    evidence: rec[0].map((e) =>
      dstr(e)!.replace(MARKS, (m) => (m === TO_FROM_MARK ? `${to}→${from}` : `${from}→${to}`)),
    ),
    probes,
    history: grid.t.map((t, k) => ({
      startedAt: str(t)!,
      state: str(strip[k]!),
      rttMs: ms(at(rec[2], k)),
      lossRatio: at(rec[3], k),
    })),
  };
}
