import { storeUnavailable } from './errors.ts';

/**
 * Which store failures are SERVICE_UNAVAILABLE (fail closed, 503, try again later) rather than a
 * bug: the same on every store. Each adapter names the kind its driver's error is, and this
 * decides what the caller sees.
 */
export type StoreFailureKind =
  /** The server cannot be reached, the connection was lost, or the store was closed. */
  | 'unreachable'
  /** The disk failed, is full, or the file cannot be opened. */
  | 'io'
  /** A lock was not granted in time (SQLITE_BUSY, a pool wait, a statement time-out). */
  | 'lock-timeout';

/** Rethrows a failure of one of those kinds as SERVICE_UNAVAILABLE; any other error unchanged. */
export function asStoreFailure(error: unknown, kind: StoreFailureKind | null): unknown {
  return kind === null ? error : storeUnavailable(error);
}
