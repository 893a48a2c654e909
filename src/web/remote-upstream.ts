import { z } from 'zod';
import { UpstreamError, type Upstream, type UpstreamLogin } from './upstream.ts';

const loginAnswer = z.object({ sessionId: z.string().min(1).max(256), handle: z.string().min(1).max(64), username: z.string(), project: z.string() });

/**
 * A remote sessiond as upstream, over its REST API (the same calls the TypeScript client
 * makes). Every answer is validated; a server that does not answer is UNAVAILABLE.
 */
export class RemoteUpstream implements Upstream {
  constructor(
    readonly name: string,
    private readonly timeoutMs = 5000,
  ) {}

  private async call(path: string, init: { method: string; sessionId?: string; body?: unknown }): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = {};
    if (init.sessionId) headers.authorization = `Bearer ${init.sessionId}`;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(this.name + path, {
        method: init.method,
        headers,
        ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new UpstreamError('UNAVAILABLE', `the upstream sessiond at ${this.name} does not answer`, { cause: error });
    }
    const text = await res.text().catch(() => '');
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: treated below by status
    }
    return { status: res.status, body };
  }

  async login(input: { username: string; password: string; project: string }): Promise<UpstreamLogin> {
    const res = await this.call('/api/v1/login', { method: 'POST', body: { username: input.username, password: input.password, project: input.project } });
    if (res.status === 200) {
      const parsed = loginAnswer.safeParse(res.body);
      if (!parsed.success) throw new UpstreamError('UNAVAILABLE', 'the upstream answered a login without a session');
      return { sessionId: parsed.data.sessionId, handle: parsed.data.handle, login: parsed.data.username, project: parsed.data.project };
    }
    if (res.status === 401 || res.status === 400) throw new UpstreamError('INVALID_LOGIN', `the upstream refused the login (${res.status})`);
    if (res.status === 429) throw new UpstreamError('RATE_LIMITED', 'the upstream rate-limited the login');
    throw new UpstreamError('UNAVAILABLE', `the upstream answered ${res.status} to a login`);
  }

  async isAlive(sessionId: string): Promise<boolean> {
    const res = await this.call('/api/v1/session', { method: 'GET', sessionId });
    if (res.status === 200) return true;
    if (res.status === 401) return false;
    throw new UpstreamError('UNAVAILABLE', `the upstream answered ${res.status} to a session check`);
  }

  async close(sessionId: string): Promise<void> {
    const res = await this.call('/api/v1/logout', { method: 'POST', sessionId });
    if (res.status === 200 || res.status === 401) return;
    throw new UpstreamError('UNAVAILABLE', `the upstream answered ${res.status} to a logout`);
  }
}
