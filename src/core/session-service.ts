import type { Clock } from './clock.ts';
import { SessiondError } from './errors.ts';
import { expiresAt, isExpired, needsTouch, type ExpiryPolicies } from './expiry.ts';
import { assertProject, DEFAULT_PROJECT, recordedUserAgent } from './input-rules.ts';
import { buildInvalidateResults, type InvalidateSessionsResult } from './invalidate.ts';
import { LoginGuard } from './login-guard.ts';
import type { LoginThrottle } from './login-throttle.ts';
import { hashSecretId, isWellFormedHandle, isWellFormedSessionId, newHandle, newSessionId } from './secret-id.ts';
import type { SessionCache } from './session-cache.ts';
import type { SessionEvents } from './session-events.ts';
import type { InvalidationBus } from './invalidation-bus.ts';
import type { Store } from './ports/store.ts';
import { MAX_IDS_PER_CALL } from './status-codes.ts';
import type { AuditRecord, EndContext, EndReason, SessionCountFilter, SessionListFilter, SessionPage, SessionRecord, UserRecord } from './types.ts';
import type { UserDirectory } from './users.ts';
import { sessionCreatedAudit, sessionEndedAudit } from './audit.ts';

export interface SessionServiceDeps {
  store: Store;
  bus: InvalidationBus;
  cache: SessionCache;
  clock: Clock;
  policies: ExpiryPolicies;
  users: UserDirectory;
  throttle: LoginThrottle;
  events: SessionEvents;
}

export interface LoginInput {
  username: string;
  password: string;
  project?: string | undefined;
  /** The caller's network address, for the brute-force limit; the session records it. */
  address: string;
  /** The caller's User-Agent header as sent; the session records it, cut to 256 characters. */
  userAgent?: unknown;
}

export interface LoginOutcome {
  /** The secret: shown to the caller once, never stored or logged. */
  sessionId: string;
  session: SessionRecord;
  user: UserRecord;
  idleTimeoutSeconds: number;
}

/**
 * The session engine: login, validation (the hot path), logout and invalidation. It does no
 * I/O of its own: it takes a store, a bus, a clock and a throttle.
 */
export class SessionService {
  /** Password checks under the login limits; Accounts checks a current password through the same one. */
  readonly guard: LoginGuard;

  constructor(private readonly deps: SessionServiceDeps) {
    this.guard = new LoginGuard(deps.throttle, deps.users);
    deps.bus.subscribe((hashes) => deps.cache.evict(hashes));
    deps.bus.onGap?.(() => deps.cache.clear());
  }

  async login(input: LoginInput): Promise<LoginOutcome> {
    const { users, clock, policies, store, events } = this.deps;
    const project = input.project ?? DEFAULT_PROJECT;
    assertProject(project);

    const attempt = { username: input.username, address: input.address, project };
    const user = await this.guard.check(attempt, () => users.checkCredentials(input.username, input.password));
    await this.guard.consumeLogin(attempt, user);

    const policy = policies.for(project);
    const now = clock.now();
    const sessionId = newSessionId();
    const session: SessionRecord = {
      idHash: hashSecretId(sessionId),
      handle: newHandle(),
      userId: user.userId,
      username: user.username,
      project,
      createdAt: now,
      lastSeenAt: now,
      idleExpiresAt: now + policy.idleTimeoutMs,
      absoluteExpiresAt: now + policy.absoluteLifetimeMs,
      ip: input.address === '' ? null : input.address,
      userAgent: recordedUserAgent(input.userAgent),
    };
    await store.sessions.insert(session);
    events.emit(sessionCreatedAudit(session));
    return { sessionId, session, user, idleTimeoutSeconds: Math.floor(policy.idleTimeoutMs / 1000) };
  }

  /**
   * The hot path: answers the live session behind a session ID, or throws INVALID_SESSION_ID.
   * Slides the idle timer at most once per touch interval.
   */
  async authenticate(sessionId: unknown): Promise<SessionRecord> {
    return this.checkSession(sessionId);
  }

  /**
   * authenticate, answered without a promise when this node's cache can answer alone (cached,
   * unexpired, no touch due; no foreign write since), so a hit costs none; otherwise the
   * promise authenticate answers, which is also how every failure is answered (never a throw).
   */
  checkSession(sessionId: unknown): SessionRecord | Promise<SessionRecord> {
    if (!isWellFormedSessionId(sessionId)) return Promise.reject(new SessiondError('INVALID_SESSION_ID'));
    const { cache, store, clock } = this.deps;
    const idHash = hashSecretId(sessionId);
    const now = clock.now();
    // Another process (the CLI, on SQLite) may have ended sessions this node has cached.
    try {
      if (cache.enabled && store.sessions.hasChangedElsewhere?.()) cache.clear();
    } catch (error) {
      return Promise.reject(error);
    }
    const epoch = cache.epoch;
    const cached = cache.get(idHash);
    if (cached !== undefined && !isExpired(cached, now) && !needsTouch(cached.lastSeenAt, now, this.deps.policies.for(cached.project))) {
      return cached;
    }
    return this.checkBeyondCache(idHash, cached, epoch, now);
  }

  /** The rest of a check: the store when the cache has no live copy, and the touch when one is due. */
  private async checkBeyondCache(idHash: string, cached: SessionRecord | undefined, epoch: number, now: number): Promise<SessionRecord> {
    const { cache, store } = this.deps;
    let session = cached;
    // A cached copy that looks expired may only be stale (another node slid the timer): ask the store.
    if (!session || isExpired(session, now)) {
      session = (await store.sessions.findByHash(idHash)) ?? undefined;
      if (!session || isExpired(session, now)) throw new SessiondError('INVALID_SESSION_ID');
      cache.set(session, epoch);
    }

    const policy = this.deps.policies.for(session.project);
    if (needsTouch(session.lastSeenAt, now, policy)) {
      const idleExpiresAt = Math.min(now + policy.idleTimeoutMs, session.absoluteExpiresAt);
      session = { ...session, lastSeenAt: now, idleExpiresAt: Math.max(idleExpiresAt, session.idleExpiresAt) };
      cache.set(session, epoch);
      this.touchBehind(idHash, session);
    }
    return session;
  }

  /**
   * The touch is written behind the answer: the check already proved the session live, and a
   * touch only ever moves its timers later, so a touch still on its way (or lost) can make a
   * session expire early, never live on. Stores keep a node's own reads after its touches
   * (see bench/NOTES.md). A failed touch drops the cached copy, so the next check reads the
   * store and touches again.
   */
  private touchBehind(idHash: string, session: SessionRecord): void {
    const dropCopy = () => this.deps.cache.evict([idHash]);
    try {
      this.deps.store.sessions.touch(idHash, session.lastSeenAt, session.idleExpiresAt).catch(dropCopy);
    } catch {
      dropCopy();
    }
  }

  /** Answers the user behind a session, refusing sessions whose user was deactivated or removed. */
  async authenticateUser(sessionId: unknown): Promise<{ session: SessionRecord; user: UserRecord }> {
    const session = await this.authenticate(sessionId);
    const user = await this.deps.users.findByUsername(session.username);
    if (!user || !user.active || user.userId !== session.userId) throw new SessiondError('INVALID_SESSION_ID');
    return { session, user };
  }

  /** Like authenticateUser, and the user must be an admin (else INSUFFICIENT_ACCESS). */
  async authenticateAdmin(sessionId: unknown): Promise<{ session: SessionRecord; user: UserRecord }> {
    const caller = await this.authenticateUser(sessionId);
    if (!caller.user.admin) throw new SessiondError('INSUFFICIENT_ACCESS');
    return caller;
  }

  /** Ends the caller's own session. */
  async logout(sessionId: unknown): Promise<void> {
    const session = await this.authenticate(sessionId);
    const [ended] = await this.end([session.idHash], 'logout', session.handle);
    if (!ended) throw new SessiondError('INVALID_SESSION_ID');
  }

  /**
   * invalidateSessions: the caller is authenticated by its own session ID; each listed ID is
   * ended if it is live. At most 200 IDs, else nothing is ended. One result per ID, in order.
   */
  async invalidateSessions(callerSessionId: unknown, sessionIds: ReadonlyArray<string>): Promise<InvalidateSessionsResult[]> {
    return this.invalidateSessionsAs(await this.authenticate(callerSessionId), sessionIds);
  }

  /** invalidateSessions for a caller already authenticated (edges that check the SessionHeader before the body). */
  async invalidateSessionsAs(caller: SessionRecord, sessionIds: ReadonlyArray<string>): Promise<InvalidateSessionsResult[]> {
    assertIdLimit(sessionIds.length);
    const hashes = sessionIds.map((id) => (isWellFormedSessionId(id) ? hashSecretId(id) : null));
    const ended = await this.end(hashes, 'invalidated', caller.handle);
    return buildInvalidateResults(ended);
  }

  /**
   * The admin form of invalidateSessions: by handle, same limit and result shape. A null
   * position (a handle the caller may not end, in the self-service form) answers like an unknown one.
   */
  async invalidateByHandles(
    actorHandle: string,
    handles: ReadonlyArray<string | null>,
    reason: EndReason = 'admin',
  ): Promise<InvalidateSessionsResult[]> {
    assertIdLimit(handles.length);
    const ctx = this.endContext(reason, actorHandle);
    const ended = await this.deps.store.sessions.endByHandle(
      handles.map((h) => (h !== null && isWellFormedHandle(h) ? h : null)),
      ctx,
    );
    await this.afterEnd(ended, ctx);
    return buildInvalidateResults(ended);
  }

  /** Ends every session of one user; answers how many ended. */
  async endSessionsOfUser(username: string, actor: string): Promise<number> {
    const user = await this.deps.users.findByUsername(username);
    if (!user) throw new SessiondError('NOT_FOUND', `no user named ${username}`);
    return this.endSessionsOfUserId(user.userId, actor);
  }

  /** As endSessionsOfUser, by user ID (for a user already removed from the directory). */
  async endSessionsOfUserId(userId: string, actor: string, reason: EndReason = 'admin'): Promise<number> {
    const ctx = this.endContext(reason, actor);
    const ended = await this.deps.store.sessions.endOfUser(userId, ctx);
    await this.afterEnd(ended, ctx);
    return ended.length;
  }

  listSessions(filter: SessionListFilter): Promise<SessionPage> {
    if (filter.after !== undefined && filter.before !== undefined) {
      throw new SessiondError('INVALID_REQUEST', 'a page is read after one cursor or before one, not both');
    }
    return this.deps.store.sessions.list(filter, this.deps.clock.now());
  }

  /** How many live sessions match the filter (the total beside a listing's pages). */
  countSessions(filter: SessionCountFilter): Promise<number> {
    return this.deps.store.sessions.count(filter, this.deps.clock.now());
  }

  /** Removes expired sessions in batches; answers how many. Safe to run on several nodes. */
  async sweepExpired(batchSize = 500, maxBatches = 100): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxBatches; i++) {
      const ctx = this.endContext('expired', 'sweeper');
      const removed = await this.deps.store.sessions.sweepExpired(ctx.now, batchSize);
      await this.afterEnd(removed, ctx);
      total += removed.length;
      if (removed.length < batchSize) break;
    }
    return total;
  }

  /** Seconds a session stays valid without another call, as getUserInfo reports it. */
  secondsValid(session: SessionRecord): number {
    return Math.max(0, Math.floor((expiresAt(session) - this.deps.clock.now()) / 1000));
  }

  idleTimeoutSeconds(project: string): number {
    return Math.floor(this.deps.policies.for(project).idleTimeoutMs / 1000);
  }

  private async end(hashes: ReadonlyArray<string | null>, reason: EndReason, actor: string): Promise<Array<SessionRecord | null>> {
    const ctx = this.endContext(reason, actor);
    const ended = await this.deps.store.sessions.endByHash(hashes, ctx);
    await this.afterEnd(ended, ctx);
    return ended;
  }

  private endContext(reason: EndReason, actor: string | null): EndContext {
    return { reason, actor, now: this.deps.clock.now() };
  }

  /** Evicts ended sessions here and on every other node, and announces each. */
  private async afterEnd(ended: ReadonlyArray<SessionRecord | null>, ctx: EndContext): Promise<void> {
    const hashes: string[] = [];
    const audits: AuditRecord[] = [];
    for (const session of ended) {
      if (!session) continue;
      hashes.push(session.idHash);
      audits.push(sessionEndedAudit(session, ctx));
    }
    if (hashes.length === 0) return;
    this.deps.cache.evict(hashes);
    this.deps.events.emitAll(audits);
    try {
      await this.deps.bus.publish(hashes);
    } catch {
      // The sessions are ended in the store; other nodes' caches drop them within their age bound.
    }
  }
}

function assertIdLimit(count: number): void {
  if (count > MAX_IDS_PER_CALL) {
    throw new SessiondError(
      'EXCEEDED_ID_LIMIT',
      `Too many IDs: ${count} were sent, at most ${MAX_IDS_PER_CALL} are allowed in one call; nothing was ended.`,
    );
  }
}
