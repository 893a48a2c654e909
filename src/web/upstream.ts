import type { MySession } from '@sessiond/client';
import type { SessionOps } from '../esm/server-session.ts';

/**
 * The upstream port: where the web tier gets and closes its server sessions. Two adapters:
 * the in-process session service, and a remote sessiond over its API.
 */
export interface UpstreamLogin {
  /** The secret server session ID. */
  sessionId: string;
  handle: string;
  login: string;
  project: string;
}

export interface Upstream extends SessionOps {
  /** `local`, or the remote server's URL: part of every pool key. */
  readonly name: string;
  /** Throws UpstreamError. */
  /** `address` and `userAgent` are the browser's: a local upstream records them on the session it opens. */
  login(input: { username: string; password: string; project: string; address: string; userAgent?: string | undefined }): Promise<UpstreamLogin>;
  /**
   * Whether the upstream accepts these credentials, without leaving a session open. Asked
   * before a pooled session is handed out, so a wrong password never gets one.
   */
  checkCredentials(input: { username: string; password: string; address: string }): Promise<boolean>;
  /** Whether the session is still live; asking slides its idle timer (this is the keep-alive). */
  isAlive(sessionId: string): Promise<boolean>;
  /** Ends the session; a session that has already ended counts as closed. Throws UpstreamError. */
  close(sessionId: string): Promise<void>;
  /**
   * Self-service, as the principal of one of its live sessions: that principal's sessions,
   * ending some of them by handle (answers how many ended), and changing its password (answers
   * how many other sessions ended). Throw UpstreamError: SESSION_ENDED when `sessionId` is not
   * live, INVALID_LOGIN for a wrong current password or a refused new one.
   */
  mySessions(sessionId: string): Promise<OwnSessionView[]>;
  endMySessions(sessionId: string, handles: readonly string[]): Promise<number>;
  changePassword(sessionId: string, input: { currentPassword: string; newPassword: string; address: string }): Promise<number>;
}

/** One of the principal's own sessions, as the web tier's sessions page shows it: the client's shape. */
export type OwnSessionView = Omit<MySession, 'current'>;

export type UpstreamFailure = 'INVALID_LOGIN' | 'RATE_LIMITED' | 'UNAVAILABLE' | 'SESSION_ENDED';

/** A failure at the upstream; its message is safe to log, never to show (pages show generic text). */
export class UpstreamError extends Error {
  override name = 'UpstreamError';
  constructor(
    readonly failure: UpstreamFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
