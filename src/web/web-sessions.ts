import type { Clock } from '../core/clock.ts';
import { hashSecretId, isWellFormedWebSessionId, newHandle, newWebSessionId } from '../core/secret-id.ts';
import type { WebSessionRecords } from '../core/ports/web-session-records.ts';
import type { WebSessionRecord } from '../core/types.ts';
import { openWebSessionData, sealWebSessionData } from './web-session-crypto.ts';

/** One server session a web user holds (per project), with its pool key and session variables. */
export interface HeldSession {
  sessionId: string;
  handle: string;
  login: string;
  project: string;
  poolKey: string;
  /** The server session's variables: per session, dropped when it goes to the pool. */
  variables: Record<string, string>;
}

/**
 * What a web session's sealed blob holds. Only this server writes it, sealed with
 * authenticated encryption (web-session-crypto.ts), so it is not schema-checked when opened:
 * a change of its shape must change the seal's VERSION there, so that a blob of the old shape
 * is not opened at all (its user signs in again).
 */
export interface WebSessionData {
  /** The web user's name, as shown on pages. */
  user: string;
  /** The upstream principal the login mapped to, to open further projects; null when an ESM collected the session. */
  creds: { login: string; password: string } | null;
  vars: Record<string, string>;
  sessions: Record<string, HeldSession>;
}

export interface LoadedWebSession {
  id: string;
  record: WebSessionRecord;
  data: WebSessionData;
}

/**
 * Cookie web sessions in the store: hashed ID, sealed data, idle and absolute timeouts. The
 * data (server session IDs, the mapped credentials) is sealed with a key derived from the
 * cookie, so neither the database nor its backups can open it.
 */
export class WebSessions {
  /**
   * The plaintext each loaded web session was opened from (for the sealed blob its record
   * holds): re-reading a web session that nobody changed meanwhile (the common case of update)
   * then costs a row read, not another decryption and schema check.
   */
  private readonly opened = new WeakMap<LoadedWebSession, { sealed: string; plaintext: string }>();

  constructor(
    private readonly store: WebSessionRecords,
    private readonly clock: Clock,
    private readonly limits: { idleTimeoutMs: number; absoluteLifetimeMs: number },
  ) {}

  static newData(user: string, creds: WebSessionData['creds'], vars: Record<string, string>): WebSessionData {
    return { user, creds, vars, sessions: {} };
  }

  /** A new web session with a new ID (every login gets one). */
  async create(data: WebSessionData): Promise<LoadedWebSession> {
    const id = newWebSessionId();
    const now = this.clock.now();
    const record: WebSessionRecord = {
      idHash: hashSecretId(id),
      handle: newHandle(),
      createdAt: now,
      lastSeenAt: now,
      idleExpiresAt: now + this.limits.idleTimeoutMs,
      absoluteExpiresAt: now + this.limits.absoluteLifetimeMs,
      data: sealWebSessionData(id, JSON.stringify(data)),
    };
    await this.store.insert(record);
    return { id, record, data };
  }

  /** The live web session behind a cookie value, or null (malformed, unknown, expired, unreadable). */
  async load(cookie: unknown): Promise<LoadedWebSession | null> {
    const found = await this.find(cookie);
    return found && !found.expired ? found.session : null;
  }

  /** The stored copy of a loaded web session, fresh; null when it ended or expired meanwhile. */
  private async reload(session: LoadedWebSession): Promise<LoadedWebSession | null> {
    const known = this.opened.get(session);
    const found = await this.find(session.id, known);
    return found && !found.expired ? found.session : null;
  }

  /**
   * The data of a web session that expired (its cookie came back before the sweeper removed
   * it), removed from the store, so its server sessions can be closed rather than left to run
   * out upstream. Null when there is no such expired session.
   */
  async takeExpired(cookie: unknown): Promise<WebSessionData | null> {
    const found = await this.find(cookie);
    if (!found?.expired) return null;
    // Only the request that removes it closes its sessions.
    return (await this.store.delete(found.session.record.idHash)) ? found.session.data : null;
  }

  private async find(cookie: unknown, known?: { sealed: string; plaintext: string }): Promise<{ session: LoadedWebSession; expired: boolean } | null> {
    if (!isWellFormedWebSessionId(cookie)) return null;
    const record = await this.store.find(hashSecretId(cookie));
    if (!record) return null;
    let plaintext: string;
    if (known && known.sealed === record.data) {
      // The very blob this request opened (a new IV at every seal: same blob, same data).
      plaintext = known.plaintext;
    } else {
      const opened = openWebSessionData(cookie, record.data);
      if (opened === null) return null;
      plaintext = opened;
    }
    let data: WebSessionData;
    try {
      data = JSON.parse(plaintext) as WebSessionData;
    } catch {
      return null;
    }
    const session: LoadedWebSession = { id: cookie, record, data };
    this.opened.set(session, { sealed: record.data, plaintext });
    const now = this.clock.now();
    return { session, expired: now >= record.idleExpiresAt || now >= record.absoluteExpiresAt };
  }

  /**
   * Applies `change` to the freshest stored copy of the data (another tab may have changed it
   * since this request loaded it), saves it and slides the idle timer. Answers false when the
   * web session ended meanwhile (signed out elsewhere, expired): nothing is saved then.
   */
  async update(session: LoadedWebSession, change: (data: WebSessionData) => void): Promise<boolean> {
    const fresh = await this.reload(session);
    if (!fresh) return false;
    change(fresh.data);
    session.record = fresh.record;
    session.data = fresh.data;
    await this.save(session);
    return true;
  }

  /** Saves the data and slides the idle timer. */
  async save(session: LoadedWebSession): Promise<void> {
    const now = this.clock.now();
    const plaintext = JSON.stringify(session.data);
    const data = sealWebSessionData(session.id, plaintext);
    const change = { lastSeenAt: now, idleExpiresAt: Math.min(now + this.limits.idleTimeoutMs, session.record.absoluteExpiresAt), data };
    await this.store.update(session.record.idHash, change);
    session.record = { ...session.record, ...change };
    this.opened.set(session, { sealed: data, plaintext });
  }

  async destroy(session: LoadedWebSession): Promise<void> {
    await this.store.delete(session.record.idHash);
  }
}
