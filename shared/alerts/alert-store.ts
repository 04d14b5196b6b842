import type { PairAlertState } from './alert-state.js';

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
}
