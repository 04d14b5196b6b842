import type { ViciVisitor } from './vici-raw.js';

/**
 * How swanctl's listings nest what tunnelwatch reads, walked as one line is scanned: the event's first
 * section is the entry (an IKE SA, a connection), the entry's first `group` section (`child-sas`,
 * `children`) holds its children, one section each. A reader takes the fields it wants as they pass
 * (`value` and `list`: depth 1 is the entry's own, depth 3 the open child's) and each child when it
 * closes; anything else in the line (later top sections, deeper ones) is passed over. One reader per
 * line, and no tree: a 200-host sweep reads ~120,000 such lines.
 */
export abstract class ViciEntryReader<Child> implements ViciVisitor {
  /** The entry's name, set by the scan (null: the line has no section). */
  protected entryName: string | null = null;
  /**
   * In the entry's section rather than a later top one. Set when a top section opens; values of that
   * depth only come inside one, so it needs no reset when one closes.
   */
  // Stryker disable next-line BooleanLiteral: equivalent, open() sets it before any value of its depth can come
  protected inEntry = false;
  /** The entry's first group section was seen. */
  protected sawGroup = false;
  #inGroup = false;
  /** The child whose section is open now. */
  protected child: Child | null = null;
  readonly #group: string;

  constructor(group: string) {
    this.#group = group;
  }

  /** A child's fields as its section opens (`name`: the section's). */
  protected abstract openChild(name: string): Child;
  /** A child's section closed: its fields are all read. */
  protected abstract closeChild(child: Child): void;
  abstract value(depth: number, key: string, value: string): void;
  abstract list(depth: number, key: string, items: string[]): void;

  open(depth: number, name: string): void {
    if (depth === 1) {
      this.inEntry = this.entryName === null;
      if (this.inEntry) this.entryName = name;
    } else if (this.inEntry && depth === 2 && name === this.#group && !this.sawGroup)
      this.sawGroup = this.#inGroup = true;
    else if (this.#inGroup && depth === 3) this.child = this.openChild(name);
  }

  close(depth: number): void {
    // The open depth-2 section while in the group is the group itself.
    if (depth === 2) this.#inGroup = false;
    else if (depth === 3 && this.child) {
      this.closeChild(this.child);
      this.child = null;
    }
  }
}
