import { asStoreFailure, type StoreFailureKind } from '../../core/store-failures.ts';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

// node-postgres reports a lost or never-made connection with these messages and no code.
const LOST_CONNECTION = /Connection terminated|timeout exceeded when trying to connect|connection error|Client was closed|Query read timeout|Cannot use a pool after calling end/i;

/**
 * Whether an error means "the server cannot be reached" (fail closed with 503), as opposed to
 * a statement the server refused (a bug or a constraint, answered as such).
 */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return true;
    // 08: connection exception; 57P01-03: admin shutdown, crash shutdown, cannot connect now;
    // 53300: too many connections.
    if (code.startsWith('08') || /^57P0[1-3]$/.test(code) || code === '53300') return true;
  }
  return LOST_CONNECTION.test(error.message);
}

/** Which of core's failure kinds a node-postgres error is, or null for a bug or a refused statement. */
export function pgFailureKind(error: unknown): StoreFailureKind | null {
  if (isConnectionError(error)) return 'unreachable';
  const code = (error as { code?: unknown } | null)?.code;
  // 55P03 lock_not_available, 57014 query_canceled (statement or lock time-out).
  if (code === '55P03' || code === '57014') return 'lock-timeout';
  // 53100 disk_full, 58030 io_error.
  if (code === '53100' || code === '58030') return 'io';
  return null;
}

/** Rethrows failures core calls SERVICE_UNAVAILABLE as such; other errors unchanged. */
export function asStoreError(error: unknown): unknown {
  return asStoreFailure(error, pgFailureKind(error));
}
