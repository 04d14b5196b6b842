import type { PairAlertState } from '../../shared/alerts/alert-state.js';
import {
  type AlertStore,
  AlertStoreConflict,
  type StoredAlertState,
  type StoredSweepMark,
} from '../../shared/alerts/alert-store.js';
import { pairKey } from '../../shared/alerts/pair-key.js';

/** The AlertStore contract in memory, ETags included, for unit tests of the alert logic. */
export class MemoryAlertStore implements AlertStore {
  readonly rows = new Map<string, StoredAlertState>();
  mark: StoredSweepMark | null = null;
  private version = 0;

  async list(): Promise<StoredAlertState[]> {
    return [...this.rows.values()];
  }
  async get(key: string): Promise<StoredAlertState | null> {
    return this.rows.get(key) ?? null;
  }
  async put(state: PairAlertState, etag: string | null): Promise<void> {
    const key = pairKey(state.pair);
    if ((this.rows.get(key)?.etag ?? null) !== etag) throw new AlertStoreConflict(key);
    this.rows.set(key, { state, etag: String(++this.version) });
  }
  async remove(key: string, etag: string): Promise<void> {
    if (this.rows.get(key)?.etag !== etag) throw new AlertStoreConflict(key);
    this.rows.delete(key);
  }
  async readSweepMark(): Promise<StoredSweepMark | null> {
    return this.mark;
  }
  async writeSweepMark(sweepAt: string, etag: string | null): Promise<void> {
    if ((this.mark?.etag ?? null) !== etag) throw new AlertStoreConflict('sweep mark');
    this.mark = { sweepAt, etag: String(++this.version) };
  }
}
