import { SessiondApiError } from '../errors.ts';
import { exchange, requestIdOf } from '../http.ts';
import { restErrorSchema, restSessionSchema, type SessionInfo } from '../types.ts';

/** The server's answer about one session, with its expiry on this machine's clock. */
export interface CheckedSession {
  info: SessionInfo;
  /** `info.expiresAt` moved onto the local clock (see localExpiry). */
  expiresAt: number;
}

/**
 * `GET /api/v1/session` with the token as its Bearer: the server's own check, which also
 * slides the session's idle timer. Answers null when the server says the session is not valid
 * (401); any other failure is thrown (SessiondUnavailableError when there was no answer).
 */
export async function checkAtServer(baseUrl: string, token: string, timeoutMs: number): Promise<CheckedSession | null> {
  const sentAt = Date.now();
  const answer = await exchange(`${baseUrl}/api/v1/session`, {
    method: 'GET',
    headers: { accept: 'application/json', authorization: `Bearer ${token}` },
    timeoutMs,
  });
  const requestId = requestIdOf(answer.headers);
  let json: unknown;
  try {
    json = answer.text ? JSON.parse(answer.text) : null;
  } catch {
    json = undefined;
  }
  if (answer.status === 401) return null;
  if (answer.status !== 200) {
    const error = restErrorSchema.safeParse(json);
    throw error.success
      ? new SessiondApiError(error.data.errorCode, error.data.message, { httpStatus: answer.status, ...(requestId ? { requestId } : {}) })
      : new SessiondApiError('INVALID_RESPONSE', `the server answered HTTP ${answer.status} without a sessiond error body`, {
          httpStatus: answer.status,
          ...(requestId ? { requestId } : {}),
        });
  }
  const parsed = restSessionSchema.safeParse(json);
  if (!parsed.success) {
    throw new SessiondApiError('INVALID_RESPONSE', "the server's answer to GET /api/v1/session is not the expected shape", {
      httpStatus: answer.status,
      ...(requestId ? { requestId } : {}),
    });
  }
  const s = parsed.data;
  const info: SessionInfo = Object.freeze({
    ...s,
    createdAt: new Date(s.createdAt),
    lastSeenAt: new Date(s.lastSeenAt),
    expiresAt: new Date(s.expiresAt),
  });
  return { info, expiresAt: localExpiry(info.expiresAt.getTime(), answer.headers.get('date'), sentAt) };
}

/**
 * The server's expiry time on the local clock. The answer's Date header is the server's clock
 * (whole seconds, rounded down): the time left is measured against it and counted from when
 * the request was sent, so a local clock running behind the server's never keeps an expired
 * session alive here. Without a readable Date header (a browser on another origin), the
 * clocks are taken to agree.
 */
export function localExpiry(serverExpiresAt: number, dateHeader: string | null, sentAt: number): number {
  const serverNow = dateHeader === null ? Number.NaN : Date.parse(dateHeader);
  if (Number.isNaN(serverNow)) return serverExpiresAt;
  // Date is rounded down to the second: the server's clock may be up to 1 s past it.
  return sentAt + (serverExpiresAt - (serverNow + 1000));
}
