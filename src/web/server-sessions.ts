import { assertProject } from '../core/input-rules.ts';
import type { SafeEsm } from '../esm/safe-esm.ts';
import { UpstreamServerSession } from '../esm/server-session.ts';
import type { ServerSession } from '../esm/types.ts';
import { poolKey } from './pool/pool-key.ts';
import type { SessionPool } from './pool/session-pool.ts';
import { UpstreamError, type Upstream } from './upstream.ts';
import type { HeldSession } from './web-sessions.ts';

export interface Credentials {
  login: string;
  password: string;
  project: string;
}

/**
 * Where the web tier's server sessions come from and go: the pool when a session waits under
 * the login's pool key (after the password is checked), else a new login at the upstream;
 * on logout, closed at the upstream or released to the pool.
 */
export class ServerSessions {
  /** Sessions this web tier made, so a module cannot hand back one it built itself. */
  private readonly made = new WeakSet<object>();

  constructor(
    readonly upstream: Upstream,
    readonly pool: SessionPool,
    private readonly esm: SafeEsm,
  ) {}

  private async keyFor(project: string, login: string): Promise<string> {
    const parts = { upstream: this.upstream.name, project, login };
    return poolKey(parts, await this.esm.getPoolKey(parts));
  }

  /**
   * Throws UpstreamError: INVALID_LOGIN (also for a malformed project), RATE_LIMITED or UNAVAILABLE.
   *
   * A pooled session is handed out only to credentials the upstream has accepted: at sign-in
   * they are checked first; `credentialsProven` says they already were, earlier in this web
   * session (its sealed credentials passed a login or a check at sign-in), so opening another
   * project from the pool costs an alive check, not another password hash.
   */
  async open(
    creds: Credentials,
    address: string,
    options: { credentialsProven?: boolean; userAgent?: string | undefined } = {},
  ): Promise<HeldSession> {
    try {
      assertProject(creds.project);
    } catch (error) {
      throw new UpstreamError('INVALID_LOGIN', 'the project name is malformed', { cause: error });
    }
    const key = await this.keyFor(creds.project, creds.login);
    if (!options.credentialsProven && this.pool.has(key)) {
      const ok = await this.upstream.checkCredentials({ username: creds.login, password: creds.password, address });
      if (!ok) throw new UpstreamError('INVALID_LOGIN', 'wrong credentials for a pooled principal');
    }
    const pooled = await this.pool.acquire(key);
    // A pooled session starts with no variables: they were dropped when it was released.
    if (pooled) return { ...pooled, poolKey: key, variables: {} };
    const fresh = await this.upstream.login({
      username: creds.login,
      password: creds.password,
      project: creds.project,
      address,
      userAgent: options.userAgent,
    });
    const freshKey = fresh.login === creds.login && fresh.project === creds.project ? key : await this.keyFor(fresh.project, fresh.login);
    return { ...fresh, poolKey: freshKey, variables: {} };
  }

  /** The hook-facing object for a held session. */
  view(held: HeldSession): UpstreamServerSession {
    const session = new UpstreamServerSession(
      { sessionId: held.sessionId, handle: held.handle, login: held.login, project: held.project, poolKey: held.poolKey },
      this.upstream,
    );
    this.made.add(session);
    return session;
  }

  isOwn(value: unknown): value is ServerSession {
    return typeof value === 'object' && value !== null && this.made.has(value);
  }

  /** The held record behind a session a module handed back (it must be one of ours). */
  held(session: ServerSession): HeldSession {
    const { fields } = session as UpstreamServerSession;
    return { ...fields, variables: {} };
  }

  close(held: HeldSession): Promise<void> {
    return this.upstream.close(held.sessionId);
  }

  release(held: HeldSession): Promise<void> {
    return this.pool.release(held.poolKey, { sessionId: held.sessionId, handle: held.handle, login: held.login, project: held.project });
  }
}
