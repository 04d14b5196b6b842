import { printableText } from '../../domain/printable-text.js';
import type { MatrixCell, MatrixModel } from './matrix-model.js';

/**
 * The matrix as compact data for the page's script, in two JSON islands. The grid (parsed at load)
 * holds what drawing a cell and its hover title need; the details (parsed on the first click) hold
 * evidence, probes and history numbers. A 200-host mesh has 39,800 cells that mostly say the same
 * thing, so: every string once in a table, referred to by index (-1: none); verdicts that repeat
 * (state, cause, advice, qualifiers, latent) once in a table; per-cell values in flat arrays indexed
 * `row × hosts + column` (the diagonal holds -1 / null); RTTs as integers of 10 µs (finer than any
 * ping reports); evidence with the pair's own "from→to" and "to→from" replaced by \u0001 and \u0002,
 * so the same phrase for every pair is one string. Control characters cannot occur in the strings
 * (they went through printableText), so those markers are unambiguous. The layout is mirrored in
 * matrix-client-script.ts and in test/support/matrix-page-data-decoder.ts.
 */
export interface GridData {
  /** Host count. */
  n: number;
  /** String table. */
  s: string[];
  /** Hosts: [name, state, underlayIp, containerId, overlayIp, advertisedIp, [[code, message], ...]]. */
  h: [number, number, number, number, number, number, [number, number][]][];
  /** Distinct verdicts: [state, cause, advice, qualifiers, latent 0|1]. */
  k: [number, number, number, number, 0 | 1][];
  /** Per cell: index into `k`. */
  v: number[];
  /** Per cell: overlay RTT in 10 µs, or null. */
  r: (number | null)[];
  /** Per cell: overlay loss ratio (4 decimals), or null. */
  l: (number | null)[];
  /** Distinct history strips: the state (string index, -1 none) of each sweep, oldest first. */
  y: number[][];
  /** Per cell: index into `y`. */
  w: number[];
  /** History sweep start times (string indices), oldest first. */
  t: number[];
}

export interface DetailData {
  /** String table (its own: the grid's stays small). */
  s: string[];
  /** Distinct probe outcomes: [probe, state, note, sent, received, loss, RTT values that follow 0|1|3]. */
  p: ProbeKindRecord[];
  /**
   * Per cell (null on the diagonal): [evidence templates, probes, history RTT, history loss].
   * Probes are flat: a `p` index, then 0, 1 (min = avg = max) or 3 (min, avg, max) RTTs in 10 µs.
   * A history that is the same in every sweep is that one value instead of an array.
   */
  c: (DetailRecord | null)[];
}

type Num = number | null;
export type ProbeKindRecord = [number, number, number, Num, Num, Num, 0 | 1 | 3];
export type DetailRecord = [number[], number[], Num | Num[], Num | Num[]];

export interface PageData {
  grid: GridData;
  detail: DetailData;
}

/** 10 µs units. */
export const RTT_SCALE = 100;
export const FROM_TO_MARK = '\u0001';
export const TO_FROM_MARK = '\u0002';

class StringTable {
  readonly strings: string[] = [];
  readonly #index = new Map<string, number>();
  readonly #raw = new Map<string, number>();

  /** Stores the printable form of a value. */
  add(value: string | null): number {
    if (value === null) return -1;
    let i = this.#raw.get(value);
    if (i === undefined) {
      i = this.addPrintable(printableText(value));
      this.#raw.set(value, i);
    }
    return i;
  }

  addPrintable(value: string): number {
    let i = this.#index.get(value);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(value);
      this.#index.set(value, i);
    }
    return i;
  }
}

/** Records that repeat, stored once; the key is built from the raw values, so a hit costs one lookup. */
class RecordTable<T> {
  readonly records: T[] = [];
  readonly #index = new Map<string, number>();

  add(key: string, make: () => T): number {
    let i = this.#index.get(key);
    if (i === undefined) {
      i = this.records.length;
      this.records.push(make());
      this.#index.set(key, i);
    }
    return i;
  }
}

const rtt = (ms: number | null): Num => (ms === null ? null : Math.round(ms * RTT_SCALE));
const ratio = (r: number | null): Num => (r === null ? null : Math.round(r * 10_000) / 10_000);

export function encodePageData(model: MatrixModel): PageData {
  const n = model.hosts.length;
  const gs = new StringTable();
  const ds = new StringTable();
  const verdicts = new RecordTable<GridData['k'][number]>();
  const strips = new RecordTable<number[]>();
  const probeKinds = new RecordTable<ProbeKindRecord>();

  const hosts = model.hosts.map(
    (h) =>
      [
        gs.add(h.name),
        gs.add(h.state),
        gs.add(h.underlayIp),
        gs.add(h.agentContainerId),
        gs.add(h.agentOverlayIp),
        gs.add(h.agentAdvertisedIp),
        h.problems.map((p) => [gs.add(p.code), gs.add(p.message)] as [number, number]),
      ] as GridData['h'][number],
  );
  const names = model.hosts.map((h) => printableText(h.name));

  const size = n * n;
  const sweeps = model.history.length;
  const v = new Array<number>(size);
  const r = new Array<Num>(size);
  const l = new Array<Num>(size);
  const w = new Array<number>(size);
  const c = new Array<DetailRecord | null>(size);
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) {
      const at = row * n + col;
      const cell = model.cells[row]![col];
      if (!cell) {
        v[at] = -1;
        r[at] = null;
        l[at] = null;
        w[at] = -1;
        c[at] = null;
        continue;
      }
      const qualifiers = cell.qualifiers.length > 0 ? cell.qualifiers.join(', ') : null;
      // Free text carries its length (or comes last), so no two verdicts share a key.
      const verdictKey = `${cell.state}|${cell.latent}|${cell.cause.length}:${cell.cause}|${qualifiers?.length ?? -1}:${qualifiers ?? ''}|${cell.advice}`;
      v[at] = verdicts.add(verdictKey, () => [
        gs.add(cell.state),
        gs.add(cell.cause),
        gs.add(cell.advice),
        gs.add(qualifiers),
        cell.latent ? 1 : 0,
      ]);
      r[at] = rtt(cell.rttMs);
      l[at] = ratio(cell.lossRatio);
      // One pass over the sweeps: a 200-host page does this for 39,800 pairs × 12 sweeps.
      let stripKey = '';
      const rtts = new Array<Num>(sweeps);
      const losses = new Array<Num>(sweeps);
      for (let k = 0; k < sweeps; k++) {
        const sweep = model.history[k]!;
        stripKey += `${sweep.states[at] ?? '-'},`;
        rtts[k] = rtt(sweep.rttMs[at] ?? null);
        losses[k] = ratio(sweep.lossRatio[at] ?? null);
      }
      w[at] = strips.add(stripKey, () => model.history.map((sweep) => gs.add(sweep.states[at] ?? null)));
      const [evidence, probes] = detailRecord(cell, names[row]!, names[col]!, ds, probeKinds);
      c[at] = [evidence, probes, runOrSingle(rtts), runOrSingle(losses)];
    }
  }

  return {
    grid: {
      n,
      s: gs.strings,
      h: hosts,
      k: verdicts.records,
      v,
      r,
      l,
      y: strips.records,
      w,
      t: model.history.map((sweep) => gs.add(sweep.startedAt)),
    },
    detail: { s: ds.strings, p: probeKinds.records, c },
  };
}

function detailRecord(
  cell: MatrixCell,
  from: string,
  to: string,
  strings: StringTable,
  probeKinds: RecordTable<ProbeKindRecord>,
): [number[], number[]] {
  const fromTo = `${from}→${to}`;
  const toFrom = `${to}→${from}`;
  const evidence = cell.evidence.map((e) =>
    strings.addPrintable(printableText(e).replaceAll(fromTo, FROM_TO_MARK).replaceAll(toFrom, TO_FROM_MARK)),
  );
  const probes: number[] = [];
  for (const p of cell.probes) {
    const values =
      p.rttMs === null
        ? []
        : p.rttMs.min === p.rttMs.avg && p.rttMs.avg === p.rttMs.max
          ? [rtt(p.rttMs.avg)!]
          : [rtt(p.rttMs.min)!, rtt(p.rttMs.avg)!, rtt(p.rttMs.max)!];
    const key = `${p.probe}|${p.state}|${p.sent}|${p.received}|${p.lossRatio}|${values.length}|${p.note === null ? '-' : `+${p.note}`}`;
    probes.push(
      probeKinds.add(key, () => [
        strings.add(p.probe),
        strings.add(p.state),
        strings.add(p.note),
        p.sent,
        p.received,
        ratio(p.lossRatio),
        values.length as 0 | 1 | 3,
      ]),
    );
    for (const value of values) probes.push(value);
  }
  return [evidence, probes];
}

/** Steady paths are most paths: one value stands for "the same in every sweep". */
function runOrSingle<T>(values: T[]): T | T[] {
  if (values.length === 0) return values;
  for (let i = 1; i < values.length; i++) if (values[i] !== values[0]) return values;
  return values[0]!;
}
