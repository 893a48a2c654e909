import { SessiondError } from '../../core/errors.ts';
import { MAX_ID_INPUT_LENGTH } from '../../core/secret-id.ts';

/**
 * The REST SessionHeader: `Authorization: Bearer <sessionId>`. Anything else is treated as no
 * session at all, so it is refused as INVALID_SESSION_ID before the store is asked.
 */
export function bearerSessionId(header: string | string[] | undefined): string {
  const sessionId = readBearer(header);
  if (sessionId === undefined) throw new SessiondError('INVALID_SESSION_ID');
  return sessionId;
}

/** The session ID in an Authorization header, or undefined when there is none (for paths that must not throw). */
export function readBearer(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string' || header.length > MAX_ID_INPUT_LENGTH + 16) return undefined;
  return /^Bearer[ ]+(\S+)\s*$/i.exec(header)?.[1];
}
