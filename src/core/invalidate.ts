import { INVALID_SESSION_ID_PER_ID_MESSAGE } from './status-codes.ts';

/** One result per input ID of invalidateSessions, as every API answers it. */
export interface InvalidateSessionsError {
  statusCode: 'INVALID_SESSION_ID';
  message: string;
  fields: string[];
}

export interface InvalidateSessionsResult {
  success: boolean;
  errors: InvalidateSessionsError[];
}

/** Maps the store's per-position answer to results; unknown, expired, ended and malformed look alike. */
export function buildInvalidateResults(ended: ReadonlyArray<unknown>): InvalidateSessionsResult[] {
  return ended.map((session) =>
    session
      ? { success: true, errors: [] }
      : { success: false, errors: [{ statusCode: 'INVALID_SESSION_ID', message: INVALID_SESSION_ID_PER_ID_MESSAGE, fields: [] }] },
  );
}
