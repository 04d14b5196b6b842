import {
  counterValue,
  scanViciLine,
  type ViciKeys,
  type ViciVisitor,
} from '../../shared/probes/ipsec-sa/vici-raw.js';

/**
 * The whole tree of one swanctl `--raw` line, as the readers before the visitors built it: the
 * reference the product's readers (parse-list-sas.ts, parse-list-conns.ts) are held to, and the
 * plainest way to test what `scanViciLine` reports.
 */
export interface ViciSection {
  readonly values: ReadonlyMap<string, string>;
  readonly lists: ReadonlyMap<string, string[]>;
  readonly sections: readonly (readonly [name: string, section: ViciSection])[];
}

export type ViciParse = { ok: true; name: string; section: ViciSection } | { ok: false; reason: string };

interface BuildingSection {
  values: Map<string, string>;
  lists: Map<string, string[]>;
  sections: [string, ViciSection][];
}

const emptySection = (): BuildingSection => ({ values: new Map(), lists: new Map(), sections: [] });

class TreeBuilder implements ViciVisitor {
  readonly root = emptySection();
  readonly #stack: BuildingSection[] = [this.root];

  open(_depth: number, name: string): void {
    const child = emptySection();
    this.#top().sections.push([name, child]);
    this.#stack.push(child);
  }

  close(): void {
    this.#stack.pop();
  }

  value(_depth: number, key: string, value: string): void {
    this.#top().values.set(key, value);
  }

  list(_depth: number, key: string, items: string[]): void {
    this.#top().lists.set(key, items);
  }

  #top(): BuildingSection {
    return this.#stack[this.#stack.length - 1]!;
  }
}

/** One line such as `list-sa event {peer {…}}` as its tree; with `keep`, only those values and lists. */
export function parseViciLine(line: string, keep?: ViciKeys): ViciParse {
  const tree = new TreeBuilder();
  const failure = scanViciLine(line, keep, tree);
  if (failure !== null) return { ok: false, reason: failure };
  return { ok: true, name: line.slice(0, line.indexOf('{')).trim(), section: tree.root };
}

/** The one named section of an event line (`list-conn event {NAME {…}}`), or null when it has none or does not parse. */
export function eventSection(line: string, keep?: ViciKeys): readonly [string, ViciSection] | null {
  const parsed = parseViciLine(line, keep);
  return (parsed.ok && parsed.section.sections[0]) || null;
}

/** A section's value as a counter (`counterValue`). */
export function counter(section: ViciSection, key: string): number | undefined {
  return counterValue(section.values.get(key));
}
