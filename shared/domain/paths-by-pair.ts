import type { PathResult } from './sweep-report.js';

/**
 * A sweep's path results grouped by ordered host pair, built in one pass. Everything that reads "the
 * paths from A to B" for every pair (verdicts, the text matrix) looks them up here: filtering the
 * whole path list per pair costs N⁴ and stopped 100-host sweeps from fitting any deadline.
 */
export class PathsByPair {
  readonly #byPair = new Map<string, PathResult[]>();

  constructor(paths: Iterable<PathResult>) {
    for (const path of paths) {
      const key = PathsByPair.#key(path.from, path.to);
      const list = this.#byPair.get(key);
      if (list) list.push(path);
      else this.#byPair.set(key, [path]);
    }
  }

  /** Every path measured from `from` towards `to`, in the order given; empty when none. */
  get(from: string, to: string): readonly PathResult[] {
    return this.#byPair.get(PathsByPair.#key(from, to)) ?? NONE;
  }

  /** The first path of one probe kind from `from` to `to`. */
  find(from: string, to: string, probe: PathResult['probe']): PathResult | undefined {
    return this.get(from, to).find((p) => p.probe === probe);
  }

  // Host names cannot contain NUL (shared/domain/host-name.ts), so the key is unambiguous.
  static #key(from: string, to: string): string {
    return `${from}\u0000${to}`;
  }
}

const NONE: readonly PathResult[] = Object.freeze([]);
