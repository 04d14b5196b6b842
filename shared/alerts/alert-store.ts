import type { PairAlertState } from './alert-state.js';

/** The startedAt of the newest sweep applied to the store, with the row's version. */
export interface StoredSweepMark {
  sweepAt: string;
  etag: string;
}

export interface StoredAlertState {
  state: PairAlertState;
  /** Opaque version; a write with a stale one fails with AlertStoreConflict. */
  etag: string;
}

/** Someone else wrote the row since it was read: re-read and decide again. */
export class AlertStoreConflict extends Error {
  override readonly name = 'AlertStoreConflict';
}

/**
 * Per-pair alert state with optimistic concurrency. Only pairs with something to remember are
 * stored (an open alert, a failure streak, a non-ok last verdict), so a healthy mesh costs one
 * list query per sweep and no writes.
 */
export interface AlertStore {
  list(): Promise<StoredAlertState[]>;
  get(pairKey: string): Promise<StoredAlertState | null>;
  /** etag null: create, failing with AlertStoreConflict when the row exists. */
  put(state: PairAlertState, etag: string | null): Promise<void>;
  remove(pairKey: string, etag: string): Promise<void>;
  /**
   * The order of sweeps, kept apart from the pair rows so that deleting a pristine pair row forgets
   * nothing: a report older than the mark is late, whichever pairs have rows.
   */
  readSweepMark(): Promise<StoredSweepMark | null>;
  /** etag null: create. AlertStoreConflict when another sweep moved the mark since it was read. */
  writeSweepMark(sweepAt: string, etag: string | null): Promise<void>;
}
