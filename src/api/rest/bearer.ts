import { SessiondError } from '../../core/errors.ts';
import { MAX_ID_INPUT_LENGTH } from '../../core/secret-id.ts';

/**
 * The REST SessionHeader: `Authorization: Bearer <sessionId>`. Anything else is treated as no
 * session at all, so it is refused as INVALID_SESSION_ID before the store is asked.
 */
export function bearerSessionId(header: string | string[] | undefined): string {
  if (typeof header !== 'string' || header.length > MAX_ID_INPUT_LENGTH + 16) throw new SessiondError('INVALID_SESSION_ID');
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  if (!match) throw new SessiondError('INVALID_SESSION_ID');
  return match[1]!;
}
