import { SessiondApiError } from '../errors.ts';
import { STATUS_CODES } from '../protocol/status-codes.ts';
import type { SessionInfo } from '../types.ts';
import type { SessionValidator } from './session-validator.ts';

/**
 * What the Express middleware and the Fastify plugin share: where a request carries its
 * session ID, and what to answer when it carries no live one.
 */
export interface RequestLike {
  headers: { authorization?: string | undefined; [name: string]: string | string[] | undefined };
}

export interface SessionMiddlewareOptions<R extends RequestLike = RequestLike> {
  /** Where the session ID is; default the `Authorization: Bearer <sessionId>` header. */
  getToken?: (request: R) => string | undefined;
}

/** An answer to send instead of the route's: the body has the shape of sessiond's own errors. */
export interface Refusal {
  status: 401 | 503;
  headers: Record<string, string>;
  body: { errorCode: 'INVALID_SESSION_ID' | 'SERVICE_UNAVAILABLE'; message: string };
}

export function bearerToken(request: RequestLike): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match ? match[1] : undefined;
}

const UNAUTHORIZED: Refusal = {
  status: 401,
  headers: { 'www-authenticate': 'Bearer' },
  body: { errorCode: 'INVALID_SESSION_ID', message: STATUS_CODES.INVALID_SESSION_ID.message },
};

const UNAVAILABLE: Refusal = {
  status: 503,
  headers: { 'retry-after': '1' },
  body: { errorCode: 'SERVICE_UNAVAILABLE', message: 'sessiond could not be asked about this session; try again shortly.' },
};

/**
 * The request's session, or the refusal to answer: 401 without a live session, 503 when the
 * validator had to ask sessiond and got no answer (never a pass: an unchecked session is not
 * let in). Errors that are not sessiond's are thrown to the framework's error handling.
 */
export async function sessionOf<R extends RequestLike>(
  validator: SessionValidator,
  request: R,
  getToken: (request: R) => string | undefined = bearerToken,
): Promise<{ session: SessionInfo } | { refusal: Refusal }> {
  const token = getToken(request);
  if (typeof token !== 'string' || token === '') return { refusal: UNAUTHORIZED };
  try {
    const session = await validator.check(token);
    return session ? { session } : { refusal: UNAUTHORIZED };
  } catch (error) {
    if (error instanceof SessiondApiError) return { refusal: UNAVAILABLE };
    throw error;
  }
}
