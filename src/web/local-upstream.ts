import type { Accounts } from '../core/accounts.ts';
import { isSessiondError } from '../core/errors.ts';
import { expiresAt } from '../core/expiry.ts';
import type { OwnSessions } from '../core/own-sessions.ts';
import type { SessionService } from '../core/session-service.ts';
import type { UserDirectory } from '../core/users.ts';
import { UpstreamError, type OwnSessionView, type Upstream, type UpstreamLogin } from './upstream.ts';

/** The in-process upstream: server sessions straight from this server's session service. */
export class LocalUpstream implements Upstream {
  readonly name = 'local';
  constructor(
    private readonly service: SessionService,
    private readonly users: UserDirectory,
    private readonly own: OwnSessions,
    private readonly accounts: Accounts,
  ) {}

  async mySessions(sessionId: string): Promise<OwnSessionView[]> {
    try {
      const { session } = await this.service.authenticateUser(sessionId);
      return (await this.own.list(session)).map((s) => ({
        handle: s.handle,
        project: s.project,
        createdAt: new Date(s.createdAt),
        lastSeenAt: new Date(s.lastSeenAt),
        expiresAt: new Date(expiresAt(s)),
        ip: s.ip,
        userAgent: s.userAgent,
      }));
    } catch (error) {
      throw toUpstreamError(error);
    }
  }

  async endMySessions(sessionId: string, handles: readonly string[]): Promise<number> {
    try {
      const { session } = await this.service.authenticateUser(sessionId);
      let ended = 0;
      for (let i = 0; i < handles.length; i += 200) {
        ended += (await this.own.invalidate(session, handles.slice(i, i + 200))).filter((r) => r.success).length;
      }
      return ended;
    } catch (error) {
      throw toUpstreamError(error);
    }
  }

  async changePassword(sessionId: string, input: { currentPassword: string; newPassword: string; address: string }): Promise<number> {
    try {
      const caller = await this.service.authenticateUser(sessionId);
      return (await this.accounts.changeOwnPassword(caller, input)).endedOtherSessions;
    } catch (error) {
      throw toUpstreamError(error);
    }
  }

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
    if (error.code === 'INVALID_SESSION_ID') return new UpstreamError('SESSION_ENDED', error.message, { cause: error });
  }
  return new UpstreamError('UNAVAILABLE', 'the in-process session service failed', { cause: error });
}
