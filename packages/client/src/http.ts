import { SessiondApiError, SessiondUnavailableError } from './errors.ts';

export interface HttpAnswer {
  status: number;
  text: string;
  headers: Headers;
}

/** Largest answer the client reads: sessiond's answers are small, a runaway one is refused. */
const MAX_ANSWER_BYTES = 8 * 1024 * 1024;

/**
 * One HTTP exchange with Node's built-in fetch. No answer (refused, DNS, timeout) becomes
 * SessiondUnavailableError; any answer, whatever its status, goes back to the transport.
 */
export async function exchange(
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; timeoutMs: number },
): Promise<HttpAnswer> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.method,
      headers: init.headers,
      ...(init.body !== undefined ? { body: init.body } : {}),
      signal: AbortSignal.timeout(init.timeoutMs),
      redirect: 'error',
    });
  } catch (error) {
    throw unavailable(url, error, init.timeoutMs);
  }
  let text: string;
  try {
    const length = Number(res.headers.get('content-length') ?? '0');
    if (length > MAX_ANSWER_BYTES) throw new SessiondApiError('INVALID_RESPONSE', `the answer is larger than ${MAX_ANSWER_BYTES} bytes`);
    text = await res.text();
  } catch (error) {
    if (error instanceof SessiondApiError) throw error;
    throw unavailable(url, error, init.timeoutMs);
  }
  return { status: res.status, text, headers: res.headers };
}

function unavailable(url: string, error: unknown, timeoutMs: number): SessiondUnavailableError {
  const origin = safeOrigin(url);
  const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
  return timedOut
    ? new SessiondUnavailableError('TIMEOUT', `sessiond at ${origin} did not answer within ${timeoutMs} ms`, error)
    : new SessiondUnavailableError('NETWORK_ERROR', `sessiond at ${origin} cannot be reached`, error);
}

function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the given URL';
  }
}

/** The server's ID for this exchange (X-Request-Id), when it sent one. */
export function requestIdOf(headers: Headers): string | undefined {
  return headers.get('x-request-id') ?? undefined;
}

export function retryAfter(headers: Headers): number | undefined {
  const value = Number(headers.get('retry-after'));
  return Number.isFinite(value) && value > 0 ? value : undefined;
}
