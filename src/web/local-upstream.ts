import { isSessiondError } from '../core/errors.ts';
import type { SessionService } from '../core/session-service.ts';
import type { UserDirectory } from '../core/users.ts';
import { UpstreamError, type Upstream, type UpstreamLogin } from './upstream.ts';

/** The in-process upstream: server sessions straight from this server's session service. */
export class LocalUpstream implements Upstream {
  readonly name = 'local';
  constructor(
    private readonly service: SessionService,
    private readonly users: UserDirectory,
  ) {}

  async checkCredentials(input: { username: string; password: string }): Promise<boolean> {
    try {
      return (await this.users.verifyCredentials(input.username, input.password)) !== null;
    } catch (error) {
      throw toUpstreamError(error);
    }
  }

  async login(input: { username: string; password: string; project: string; address: string; userAgent?: string | undefined }): Promise<UpstreamLogin> {
    try {
      const outcome = await this.service.login(input);
      return { sessionId: outcome.sessionId, handle: outcome.session.handle, login: outcome.user.username, project: outcome.session.project };
    } catch (error) {
      throw toUpstreamError(error);
    }
  }

  async isAlive(sessionId: string): Promise<boolean> {
    try {
      await this.service.authenticateUser(sessionId);
      return true;
    } catch (error) {
      if (isSessiondError(error) && error.code === 'INVALID_SESSION_ID') return false;
      throw toUpstreamError(error);
    }
  }

  async close(sessionId: string): Promise<void> {
    try {
      await this.service.logout(sessionId);
    } catch (error) {
      if (isSessiondError(error) && error.code === 'INVALID_SESSION_ID') return;
      throw toUpstreamError(error);
    }
  }
}

function toUpstreamError(error: unknown): UpstreamError {
  if (isSessiondError(error)) {
    if (error.code === 'INVALID_LOGIN' || error.code === 'INVALID_REQUEST') return new UpstreamError('INVALID_LOGIN', error.message, { cause: error });
    if (error.code === 'LOGIN_RATE_EXCEEDED') return new UpstreamError('RATE_LIMITED', error.message, { cause: error });
  }
  return new UpstreamError('UNAVAILABLE', 'the in-process session service failed', { cause: error });
}
