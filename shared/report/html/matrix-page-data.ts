import type { MatrixModel } from './matrix-model.js';

/**
 * The details the page's script shows on click, as compact JSON: every string once in a table and
 * referred to by index (a 50-host mesh repeats the same advice and probe names thousands of times),
 * records as positional arrays whose layout is given by the field constants below and mirrored in
 * matrix-client-script.ts. -1 stands for "none".
 */
export interface PageData {
  /** String table. */
  s: string[];
  /** Hosts: [name, state, underlayIp, containerId, overlayIp, advertisedIp, [[code, message], ...]]. */
  h: [number, number, number, number, number, number, [number, number][]][];
  /**
   * Cells in document order: [row, column, state, cause, advice, evidence[], latent 0|1,
   * probes [[probe, state, sent, received, loss, min, avg, max, note]], history states, history rtt,
   * history loss, qualifiers (string index, -1 for none)]; a history that is the same in every sweep is
   * that one value instead of an array.
   */
  c: CellRecord[];
  /** History sweep start times (string indices), oldest first. */
  t: number[];
}

type Num = number | null;
type ProbeRecord = [number, number, Num, Num, Num, Num, Num, Num, number];
export type CellRecord = [
  number,
  number,
  number,
  number,
  number,
  number[],
  0 | 1,
  ProbeRecord[],
  number | number[],
  Num | Num[],
  Num | Num[],
  number,
];

export function encodePageData(model: MatrixModel): PageData {
  const table: string[] = [];
  const index = new Map<string, number>();
  const str = (value: string | null): number => {
    if (value === null) return -1;
    let i = index.get(value);
    if (i === undefined) {
      i = table.length;
      table.push(value);
      index.set(value, i);
    }
    return i;
  };
  // 10 µs is finer than any ping reports.
  const round = (n: number | null): Num => (n === null ? null : Math.round(n * 100) / 100);

  const hosts = model.hosts.map(
    (h) =>
      [
        str(h.name),
        str(h.state),
        str(h.underlayIp),
        str(h.agentContainerId),
        str(h.agentOverlayIp),
        str(h.agentAdvertisedIp),
        h.problems.map((p) => [str(p.code), str(p.message)] as [number, number]),
      ] as PageData['h'][number],
  );

  const cells: CellRecord[] = [];
  model.cells.forEach((row, r) => {
    row.forEach((cell, c) => {
      if (!cell) return;
      cells.push([
        r,
        c,
        str(cell.state),
        str(cell.cause),
        str(cell.advice),
        cell.evidence.map(str),
        cell.latent ? 1 : 0,
        cell.probes.map((p) => [
          str(p.probe),
          str(p.state),
          p.sent,
          p.received,
          round(p.lossRatio),
          round(p.rttMs?.min ?? null),
          round(p.rttMs?.avg ?? null),
          round(p.rttMs?.max ?? null),
          str(p.note),
        ]),
        runOrSingle(cell.history.map((h) => str(h.state))),
        runOrSingle(cell.history.map((h) => round(h.rttMs))),
        runOrSingle(cell.history.map((h) => round(h.lossRatio))),
        str(cell.qualifiers.length > 0 ? cell.qualifiers.join(', ') : null),
      ]);
    });
  });

  return {
    s: table,
    h: hosts,
    c: cells,
    t: model.historySweeps.map(str),
  };
}

/** Steady paths are most paths: one value stands for "the same in every sweep". */
function runOrSingle<T>(values: T[]): T | T[] {
  return values.length > 0 && values.every((v) => v === values[0]) ? values[0]! : values;
}
