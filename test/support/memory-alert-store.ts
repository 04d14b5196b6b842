import type { PairAlertState } from '../../shared/alerts/alert-state.js';
import {
  type AlertStore,
  AlertStoreConflict,
  type StoredAlertState,
  type StoredSweepMark,
} from '../../shared/alerts/alert-store.js';
import { pairKey } from '../../shared/alerts/pair-key.js';

/** Alert state in memory with the Table store's ETag rule; the Table store itself is tested against Azurite. */
export class MemoryAlertStore implements AlertStore {
  rows = new Map<string, StoredAlertState>();
  mark: StoredSweepMark | null = null;
  private version = 0;
  async list() {
    return [...this.rows.values()];
  }
  async get(key: string) {
    return this.rows.get(key) ?? null;
  }
  async put(state: PairAlertState, etag: string | null) {
    const key = pairKey(state.pair);
    if ((this.rows.get(key)?.etag ?? null) !== etag) throw new AlertStoreConflict(key);
    this.rows.set(key, { state, etag: String(++this.version) });
  }
  async remove(key: string) {
    this.rows.delete(key);
  }
  async readSweepMark() {
    return this.mark;
  }
  async writeSweepMark(sweepAt: string, etag: string | null) {
    if ((this.mark?.etag ?? null) !== etag) throw new AlertStoreConflict('sweep mark');
    this.mark = { sweepAt, etag: String(++this.version) };
  }
}
