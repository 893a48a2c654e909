import { MAX_IDS_PER_CALL, STATUS_CODES } from './protocol/status-codes.ts';
import { SessiondApiError } from './errors.ts';
import { RestTransport } from './rest-transport.ts';
import { SoapTransport } from './soap-transport.ts';
import type { InvalidateResult, LoginResult, MySession, Transport, UserInfo } from './types.ts';

export interface ConnectionOptions {
  /** sessiond's base URL, such as `http://127.0.0.1:8080` (no path). */
  serverUrl: string;
  /** `rest` (default) or `soap`; both give the same answers and the same errors. */
  transport?: 'rest' | 'soap';
  /** Start from an existing session instead of calling login(). */
  sessionId?: string;
  /** Per-request timeout; default 10 000 ms. */
  timeoutMs?: number;
  /** Partner API version in the SOAP endpoint path (the server serves 20.0 to 66.0); default `66.0`, the newest. */
  version?: string;
}

/** The connection's settings, named as in Salesforce's ConnectorConfig. */
export class ConnectorConfig {
  constructor(private readonly connection: { currentSessionId(): string | undefined; readonly serverUrl: string }) {}

  /**
   * The session this connection calls with. Throws INVALID_SESSION_ID when there is none
   * (before login(), after logout()); `hasSession()` asks without throwing.
   */
  getSessionId(): string {
    const id = this.connection.currentSessionId();
    if (id === undefined) throw new SessiondApiError('INVALID_SESSION_ID', 'No session: call login() first or pass sessionId to the Connection.');
    return id;
  }

  hasSession(): boolean {
    return this.connection.currentSessionId() !== undefined;
  }

  getServerUrl(): string {
    return this.connection.serverUrl;
  }
}

/**
 * A connection to sessiond, over REST or SOAP. Calls read like the Salesforce client samples:
 * `login`, `logout`, `invalidateSessions`, `getUserInfo`, `getServerTimestamp`.
 */
export class Connection {
  readonly serverUrl: string;
  readonly transport: 'rest' | 'soap';
  private sessionId: string | undefined;
  private readonly wire: Transport;
  /** The self-service calls exist over REST only; a SOAP connection makes them over REST too. */
  private readonly rest: RestTransport;
  private readonly config: ConnectorConfig;

  constructor(opts: ConnectionOptions) {
    let url: URL;
    try {
      url = new URL(opts.serverUrl);
    } catch {
      throw new TypeError(`serverUrl: "${opts.serverUrl}" is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('serverUrl: use an http:// or https:// URL');
    this.serverUrl = url.origin + url.pathname.replace(/\/+$/, '');
    this.transport = opts.transport ?? 'rest';
    const timeoutMs = opts.timeoutMs ?? 10_000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new TypeError('timeoutMs: a positive number of milliseconds');
    const version = opts.version ?? '66.0';
    if (!/^\d{1,3}\.\d$/.test(version)) throw new TypeError('version: an API version such as 60.0');
    this.wire =
      this.transport === 'soap' ? new SoapTransport(this.serverUrl, version, timeoutMs) : new RestTransport(this.serverUrl, timeoutMs);
    this.rest = this.wire instanceof RestTransport ? this.wire : new RestTransport(this.serverUrl, timeoutMs);
    this.sessionId = opts.sessionId;
    this.config = new ConnectorConfig({ currentSessionId: () => this.sessionId, serverUrl: this.serverUrl });
  }

  getConfig(): ConnectorConfig {
    return this.config;
  }

  /** Signs in (into `project`, else the server's `default`) and keeps the session for later calls. */
  async login(username: string, password: string, project?: string): Promise<LoginResult> {
    const result = await this.wire.login(username, password, project);
    this.sessionId = result.sessionId;
    return result;
  }

  /**
   * Ends this connection's session. The connection forgets it when the call succeeds and also
   * when the server says it was already dead (INVALID_SESSION_ID, which is still thrown).
   */
  async logout(): Promise<void> {
    const id = this.config.getSessionId();
    try {
      await this.wire.logout(id);
      this.sessionId = undefined;
    } catch (error) {
      if (error instanceof SessiondApiError && error.statusCode === 'INVALID_SESSION_ID' && error.httpStatus !== undefined) {
        this.sessionId = undefined;
      }
      throw error;
    }
  }

  /**
   * Ends up to 200 sessions by ID (any user's: holding an ID is the authority to end it).
   * One result per ID, in input order. More than 200 IDs is refused here, before any request,
   * with EXCEEDED_ID_LIMIT as the server would; nothing is ended.
   */
  async invalidateSessions(ids: readonly string[]): Promise<InvalidateResult[]> {
    if (!Array.isArray(ids)) throw new TypeError('ids: an array of session IDs');
    if (ids.length > MAX_IDS_PER_CALL) {
      throw new SessiondApiError('EXCEEDED_ID_LIMIT', STATUS_CODES.EXCEEDED_ID_LIMIT.message);
    }
    for (const [i, id] of ids.entries()) if (typeof id !== 'string') throw new TypeError(`ids[${i}]: a string`);
    return this.wire.invalidateSessions(this.config.getSessionId(), ids);
  }

  /**
   * invalidateSessions for any number of IDs: batches of 200, one after another, results in
   * input order. The connection's own session ID, if listed, goes in the last batch, so ending
   * it cannot refuse the batches after it. If a batch fails, the error is thrown with
   * `partialResults` telling which IDs the earlier batches ended.
   */
  async invalidateSessionsAll(ids: readonly string[]): Promise<InvalidateResult[]> {
    if (ids.length <= MAX_IDS_PER_CALL) return this.invalidateSessions(ids);
    const own = this.config.getSessionId();
    const order = [...ids.keys()].sort((a, b) => Number(ids[a] === own) - Number(ids[b] === own));
    const results: Array<InvalidateResult | null> = ids.map(() => null);
    for (let start = 0; start < order.length; start += MAX_IDS_PER_CALL) {
      const batch = order.slice(start, start + MAX_IDS_PER_CALL);
      let answered: InvalidateResult[];
      try {
        answered = await this.invalidateSessions(batch.map((i) => ids[i]!));
      } catch (error) {
        if (start > 0 && error instanceof SessiondApiError) error.partialResults = results;
        throw error;
      }
      batch.forEach((inputIndex, k) => (results[inputIndex] = answered[k]!));
    }
    return results as InvalidateResult[];
  }

  // async, so that "no session" is a rejected promise like every other failure, not a throw.
  async getUserInfo(): Promise<UserInfo> {
    return this.wire.getUserInfo(this.config.getSessionId());
  }

  async getServerTimestamp(): Promise<Date> {
    return this.wire.getServerTimestamp(this.config.getSessionId());
  }

  /** The caller's own live sessions, oldest first, with where each came from and which is this one (REST). */
  async getMySessions(): Promise<MySession[]> {
    return this.rest.getMySessions(this.config.getSessionId());
  }

  /**
   * Ends up to 200 of the caller's own sessions by handle (REST), one result per handle in
   * input order; a handle that is not the caller's fails like an unknown one. More than 200 is
   * refused here with EXCEEDED_ID_LIMIT and nothing is ended.
   */
  async invalidateMySessions(handles: readonly string[]): Promise<InvalidateResult[]> {
    if (!Array.isArray(handles)) throw new TypeError('handles: an array of session handles');
    if (handles.length > MAX_IDS_PER_CALL) throw new SessiondApiError('EXCEEDED_ID_LIMIT', STATUS_CODES.EXCEEDED_ID_LIMIT.message);
    for (const [i, h] of handles.entries()) if (typeof h !== 'string') throw new TypeError(`handles[${i}]: a string`);
    return this.rest.invalidateMySessions(this.config.getSessionId(), handles);
  }

  /** Signs out everywhere else: ends every session of the caller but this connection's; answers how many ended (REST). */
  async invalidateOtherSessions(): Promise<number> {
    return this.rest.invalidateOtherSessions(this.config.getSessionId());
  }

  /**
   * Changes the caller's password (REST); the caller's other sessions end, this one stays.
   * A wrong current password throws INVALID_LOGIN (and counts as a failed login on the server);
   * answers how many other sessions ended.
   */
  async changePassword(currentPassword: string, newPassword: string): Promise<number> {
    if (typeof currentPassword !== 'string' || typeof newPassword !== 'string') throw new TypeError('passwords: strings');
    return this.rest.changePassword(this.config.getSessionId(), currentPassword, newPassword);
  }
}
