import type { z } from 'zod';
import { SessiondApiError } from './errors.ts';
import { exchange, requestIdOf, retryAfter, type HttpAnswer } from './http.ts';
import {
  restEndedSchema,
  restErrorSchema,
  restMySessionsSchema,
  restPasswordChangedSchema,
  type MySession,
  restInvalidateSchema,
  restLoginSchema,
  restTimestampSchema,
  userInfoSchema,
  type InvalidateResult,
  type LoginResult,
  type Transport,
  type UserInfo,
} from './types.ts';

/** The client over sessiond's REST/JSON API (`/api/v1/…`, `Authorization: Bearer <sessionId>`). */
export class RestTransport implements Transport {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
  ) {}

  async login(username: string, password: string, project: string | undefined): Promise<LoginResult> {
    const body = await this.call('POST', '/api/v1/login', restLoginSchema, {
      body: { username, password, ...(project !== undefined ? { project } : {}) },
    });
    return { ...body, expiresAt: new Date(body.expiresAt) };
  }

  async logout(sessionId: string): Promise<void> {
    await this.call('POST', '/api/v1/logout', null, { sessionId });
  }

  async invalidateSessions(sessionId: string, ids: readonly string[]): Promise<InvalidateResult[]> {
    const body = await this.call('POST', '/api/v1/sessions/invalidate', restInvalidateSchema, { sessionId, body: { sessionIds: ids } });
    if (body.results.length !== ids.length) {
      throw new SessiondApiError('INVALID_RESPONSE', `the server answered ${body.results.length} results for ${ids.length} IDs`);
    }
    return body.results;
  }

  getUserInfo(sessionId: string): Promise<UserInfo> {
    return this.call('GET', '/api/v1/userinfo', userInfoSchema, { sessionId });
  }

  async getServerTimestamp(sessionId: string): Promise<Date> {
    const body = await this.call('GET', '/api/v1/timestamp', restTimestampSchema, { sessionId });
    return new Date(body.timestamp);
  }

  async getMySessions(sessionId: string): Promise<MySession[]> {
    const body = await this.call('GET', '/api/v1/me/sessions', restMySessionsSchema, { sessionId });
    return body.sessions.map((s) => ({
      ...s,
      createdAt: new Date(s.createdAt),
      lastSeenAt: new Date(s.lastSeenAt),
      expiresAt: new Date(s.expiresAt),
    }));
  }

  async invalidateMySessions(sessionId: string, handles: readonly string[]): Promise<InvalidateResult[]> {
    const body = await this.call('POST', '/api/v1/me/sessions/invalidate', restInvalidateSchema, { sessionId, body: { handles } });
    if (body.results.length !== handles.length) {
      throw new SessiondApiError('INVALID_RESPONSE', `the server answered ${body.results.length} results for ${handles.length} handles`);
    }
    return body.results;
  }

  async invalidateOtherSessions(sessionId: string): Promise<number> {
    return (await this.call('POST', '/api/v1/me/sessions/invalidate-others', restEndedSchema, { sessionId })).ended;
  }

  async changePassword(sessionId: string, currentPassword: string, newPassword: string): Promise<number> {
    const body = await this.call('POST', '/api/v1/me/password', restPasswordChangedSchema, {
      sessionId,
      body: { currentPassword, newPassword },
    });
    return body.endedOtherSessions;
  }

  private async call<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S | null,
    options: { sessionId?: string; body?: unknown },
  ): Promise<z.output<S>> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.sessionId !== undefined) headers.authorization = `Bearer ${options.sessionId}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const answer = await exchange(this.baseUrl + path, {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      timeoutMs: this.timeoutMs,
    });
    const json = parseJson(answer);
    if (answer.status < 200 || answer.status >= 300) throw errorFrom(answer, json);
    if (schema === null) return undefined as z.output<S>;
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new SessiondApiError('INVALID_RESPONSE', `the server's answer to ${method} ${path} is not the expected shape`, {
        httpStatus: answer.status,
        ...withRequestId(requestIdOf(answer.headers)),
      });
    }
    return parsed.data;
  }
}

function parseJson(answer: HttpAnswer): unknown {
  if (!answer.text) return null;
  try {
    return JSON.parse(answer.text) as unknown;
  } catch {
    return undefined;
  }
}

function errorFrom(answer: HttpAnswer, json: unknown): SessiondApiError {
  const parsed = restErrorSchema.safeParse(json);
  if (!parsed.success) {
    return new SessiondApiError('INVALID_RESPONSE', `the server answered HTTP ${answer.status} without a sessiond error body`, {
      httpStatus: answer.status,
      ...withRequestId(requestIdOf(answer.headers)),
    });
  }
  const wait = retryAfter(answer.headers);
  return new SessiondApiError(parsed.data.errorCode, parsed.data.message, {
    httpStatus: answer.status,
    ...withRequestId(requestIdOf(answer.headers) ?? parsed.data.requestId),
    ...(wait !== undefined ? { retryAfterSeconds: wait } : {}),
  });
}

function withRequestId(requestId: string | undefined): { requestId?: string } {
  return requestId === undefined ? {} : { requestId };
}
