import type { z } from 'zod';
import { soapPath } from './protocol/soap-namespaces.ts';
import { SessiondApiError } from './errors.ts';
import type { XmlTree } from './protocol/xml-writer.ts';
import { exchange, requestIdOf, retryAfter } from './http.ts';
import {
  readAnswer,
  requestEnvelope,
  soapInvalidateSchema,
  soapLoginSchema,
  soapTimestampSchema,
  soapUserInfoResponseSchema,
} from './soap-messages.ts';
import type { InvalidateResult, LoginResult, Transport, UserInfo } from './types.ts';

/**
 * The client over sessiond's Salesforce Partner SOAP endpoint. Calls always go to
 * `{serverUrl}/services/Soap/u/{version}`, so a server behind a proxy works without a public
 * URL; the login answer's own serverUrl is passed on to the caller.
 */
export class SoapTransport implements Transport {
  private readonly endpoint: string;

  constructor(
    baseUrl: string,
    version: string,
    private readonly timeoutMs: number,
  ) {
    this.endpoint = baseUrl + soapPath(version);
  }

  async login(username: string, password: string, project: string | undefined): Promise<LoginResult> {
    const answer = await this.call('login', { username, password, project }, undefined, soapLoginSchema);
    const r = answer.result[0];
    return {
      sessionId: r.sessionId,
      userId: r.userId,
      username: r.userInfo.userName,
      organizationId: r.userInfo.organizationId,
      // The login answer has no project field: a login that succeeded is in the project asked for.
      project: project ?? 'default',
      serverUrl: r.serverUrl,
      passwordExpired: r.passwordExpired,
      userInfo: r.userInfo,
    };
  }

  async logout(sessionId: string): Promise<void> {
    await this.call('logout', {}, sessionId, null);
  }

  async invalidateSessions(sessionId: string, ids: readonly string[]): Promise<InvalidateResult[]> {
    const results = await this.call('invalidateSessions', { sessionIds: [...ids] }, sessionId, soapInvalidateSchema);
    if (results.length !== ids.length) {
      throw new SessiondApiError('INVALID_RESPONSE', `the server answered ${results.length} results for ${ids.length} IDs`);
    }
    return results;
  }

  async getUserInfo(sessionId: string): Promise<UserInfo> {
    return (await this.call('getUserInfo', {}, sessionId, soapUserInfoResponseSchema)).result[0];
  }

  async getServerTimestamp(sessionId: string): Promise<Date> {
    return new Date((await this.call('getServerTimestamp', {}, sessionId, soapTimestampSchema)).result[0].timestamp);
  }

  private async call<S extends z.ZodType>(
    operation: string,
    body: XmlTree,
    sessionId: string | undefined,
    schema: S | null,
  ): Promise<z.output<S>> {
    const answer = await exchange(this.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '""' },
      body: requestEnvelope(operation, body, sessionId),
      timeoutMs: this.timeoutMs,
    });
    const response = readAnswer(answer.text, answer.status, `${operation}Response`, {
      retryAfterSeconds: retryAfter(answer.headers),
      requestId: requestIdOf(answer.headers),
    });
    if (schema === null) return undefined as z.output<S>;
    const parsed = schema.safeParse(response);
    if (!parsed.success) {
      throw new SessiondApiError('INVALID_RESPONSE', `the server's ${operation}Response is not the expected shape`, {
        httpStatus: answer.status,
      });
    }
    return parsed.data;
  }
}
