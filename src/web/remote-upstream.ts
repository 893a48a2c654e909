import { Connection, SessiondApiError, SessiondUnavailableError } from '@sessiond/client';
import { UpstreamError, type OwnSessionView, type Upstream, type UpstreamLogin } from './upstream.ts';

/**
 * A remote sessiond as upstream, through the TypeScript client over REST: the web tier gets
 * and closes its server sessions with the same calls any application makes.
 */
export class RemoteUpstream implements Upstream {
  constructor(
    /** The remote server's base URL: also this upstream's part of every pool key. */
    readonly name: string,
    private readonly timeoutMs = 5000,
  ) {}

  private connection(sessionId?: string): Connection {
    return new Connection({ serverUrl: this.name, transport: 'rest', timeoutMs: this.timeoutMs, ...(sessionId ? { sessionId } : {}) });
  }

  async login(input: { username: string; password: string; project: string }): Promise<UpstreamLogin> {
    let result;
    try {
      result = await this.connection().login(input.username, input.password, input.project);
    } catch (error) {
      throw toUpstreamError(error, 'login');
    }
    if (!result.handle) throw new UpstreamError('UNAVAILABLE', `the upstream at ${this.name} answered a login without a handle`);
    return { sessionId: result.sessionId, handle: result.handle, login: result.username, project: result.project };
  }

  /** A remote server has no check-only call: a login that is ended at once. */
  async checkCredentials(input: { username: string; password: string }): Promise<boolean> {
    const connection = this.connection();
    try {
      await connection.login(input.username, input.password);
    } catch (error) {
      const failure = toUpstreamError(error, 'credential check');
      if (failure.failure === 'INVALID_LOGIN') return false;
      throw failure;
    }
    try {
      await connection.logout();
    } catch (error) {
      // The check itself succeeded; the short-lived session expires on its own if this fails.
      if (!(error instanceof SessiondApiError && error.statusCode === 'INVALID_SESSION_ID')) throw toUpstreamError(error, 'logout');
    }
    return true;
  }

  async isAlive(sessionId: string): Promise<boolean> {
    try {
      await this.connection(sessionId).getUserInfo();
      return true;
    } catch (error) {
      if (error instanceof SessiondApiError && !(error instanceof SessiondUnavailableError) && error.statusCode === 'INVALID_SESSION_ID') {
        return false;
      }
      throw toUpstreamError(error, 'session check');
    }
  }

  async mySessions(sessionId: string): Promise<OwnSessionView[]> {
    try {
      return (await this.connection(sessionId).getMySessions()).map(({ current: _current, ...view }) => view);
    } catch (error) {
      throw toUpstreamError(error, 'session list');
    }
  }

  async endMySessions(sessionId: string, handles: readonly string[]): Promise<number> {
    const connection = this.connection(sessionId);
    let ended = 0;
    try {
      for (let i = 0; i < handles.length; i += 200) {
        ended += (await connection.invalidateMySessions(handles.slice(i, i + 200))).filter((r) => r.success).length;
      }
    } catch (error) {
      throw toUpstreamError(error, 'session end');
    }
    return ended;
  }

  /** The remote server sees this web tier's address, not the browser's, for its failed-login count. */
  async changePassword(sessionId: string, input: { currentPassword: string; newPassword: string }): Promise<number> {
    try {
      return await this.connection(sessionId).changePassword(input.currentPassword, input.newPassword);
    } catch (error) {
      throw toUpstreamError(error, 'password change');
    }
  }

  async close(sessionId: string): Promise<void> {
    try {
      await this.connection(sessionId).logout();
    } catch (error) {
      // Already ended elsewhere: closed all the same.
      if (error instanceof SessiondApiError && !(error instanceof SessiondUnavailableError) && error.statusCode === 'INVALID_SESSION_ID') return;
      throw toUpstreamError(error, 'logout');
    }
  }
}

function toUpstreamError(error: unknown, call: string): UpstreamError {
  if (error instanceof SessiondUnavailableError) {
    return new UpstreamError('UNAVAILABLE', `the upstream sessiond does not answer (${call}: ${error.statusCode})`, { cause: error });
  }
  if (error instanceof SessiondApiError) {
    if (error.statusCode === 'INVALID_LOGIN' || error.statusCode === 'INVALID_REQUEST') {
      return new UpstreamError('INVALID_LOGIN', `the upstream refused the ${call}`, { cause: error });
    }
    if (error.statusCode === 'LOGIN_RATE_EXCEEDED') return new UpstreamError('RATE_LIMITED', `the upstream rate-limited the ${call}`, { cause: error });
    if (error.statusCode === 'INVALID_SESSION_ID') return new UpstreamError('SESSION_ENDED', `the session of the ${call} has ended`, { cause: error });
    return new UpstreamError('UNAVAILABLE', `the upstream failed the ${call} (${error.statusCode})`, { cause: error });
  }
  return new UpstreamError('UNAVAILABLE', `the ${call} at the upstream failed`, { cause: error });
}
