import { sessionCreatedAudit } from '../../core/audit.ts';
import { SessiondError } from '../../core/errors.ts';
import { expiresAt, isExpired } from '../../core/expiry.ts';
import type { SessionRecords } from '../../core/ports/session-records.ts';
import { compareListing, compareReading, isListed, laterTimers, matchesFilter, pageOf, sessionEvents, settleEnds, settleUserEnds, sweepAudits } from '../../core/session-rules.ts';
import type { AuditRecord, EndContext, SessionCountFilter, SessionListFilter, SessionPage, SessionRecord } from '../../core/types.ts';
import type { MemoryAuditLog } from './memory-audit-log.ts';
import type { MemoryEventLog } from './memory-event-log.ts';

/**
 * Sessions in memory: the reference the other stores are held to. Each method runs to the end
 * without awaiting, so it is as atomic as a transaction; records are copied in and out so a
 * caller can never change what is stored.
 */
export class MemorySessionRecords implements SessionRecords {
  private readonly byHash = new Map<string, SessionRecord>();
  private readonly hashOfHandle = new Map<string, string>();

  constructor(
    private readonly audit: MemoryAuditLog,
    private readonly events: MemoryEventLog,
  ) {}

  /** A change's audit records and its events, together, as one transaction writes them. */
  private record(sessions: ReadonlyArray<SessionRecord>, audits: ReadonlyArray<AuditRecord>): void {
    this.audit.write(audits);
    this.events.write(sessionEvents(sessions, audits));
  }

  async insert(session: SessionRecord): Promise<void> {
    if (this.byHash.has(session.idHash) || this.hashOfHandle.has(session.handle)) {
      throw new SessiondError('UNKNOWN_EXCEPTION', 'a session with this ID or handle exists');
    }
    this.byHash.set(session.idHash, { ...session });
    this.hashOfHandle.set(session.handle, session.idHash);
    this.record([session], [sessionCreatedAudit(session)]);
  }

  async findByHash(idHash: string): Promise<SessionRecord | null> {
    const session = this.byHash.get(idHash);
    return session ? { ...session } : null;
  }

  async touch(idHash: string, lastSeenAt: number, idleExpiresAt: number): Promise<void> {
    const session = this.byHash.get(idHash);
    if (session) Object.assign(session, laterTimers(session, { lastSeenAt, idleExpiresAt }));
  }

  async endByHash(idHashes: ReadonlyArray<string | null>, ctx: EndContext): Promise<Array<SessionRecord | null>> {
    return this.endBatch(idHashes, (hash) => this.byHash.get(hash), ctx);
  }

  async endByHandle(handles: ReadonlyArray<string | null>, ctx: EndContext): Promise<Array<SessionRecord | null>> {
    return this.endBatch(handles, (handle) => this.byHash.get(this.hashOfHandle.get(handle) ?? ''), ctx);
  }

  async endOfUser(userId: string, ctx: EndContext): Promise<SessionRecord[]> {
    const sessions = [...this.byHash.values()].filter((s) => s.userId === userId).sort(compareListing);
    const { audits, live } = settleUserEnds(sessions, ctx);
    this.remove(sessions);
    this.record(sessions, audits);
    return live.map((s) => ({ ...s }));
  }

  async list(filter: SessionListFilter, now: number): Promise<SessionPage> {
    const listed = [...this.byHash.values()].filter((s) => isListed(s, filter, now)).sort(compareReading(filter));
    return pageOf(listed.slice(0, filter.limit + 1).map((s) => ({ ...s })), filter);
  }

  async count(filter: SessionCountFilter, now: number): Promise<number> {
    let n = 0;
    for (const s of this.byHash.values()) if (!isExpired(s, now) && matchesFilter(s, filter)) n += 1;
    return n;
  }

  async sweepExpired(now: number, limit: number): Promise<SessionRecord[]> {
    const expired = [...this.byHash.values()]
      .filter((s) => now >= expiresAt(s))
      .sort((a, b) => expiresAt(a) - expiresAt(b))
      .slice(0, limit);
    this.remove(expired);
    this.record(expired, sweepAudits(expired, now));
    return expired.map((s) => ({ ...s }));
  }

  private endBatch(
    keys: ReadonlyArray<string | null>,
    find: (key: string) => SessionRecord | undefined,
    ctx: EndContext,
  ): Array<SessionRecord | null> {
    const settled = settleEnds(keys, find, ctx);
    this.remove(settled.ended);
    this.record(settled.ended, settled.audits);
    return settled.answers.map((s) => (s ? { ...s } : null));
  }

  /** Everything held, as plain data (what a dump of the store would show). */
  snapshot(): unknown {
    return { sessions: [...this.byHash.values()], handles: [...this.hashOfHandle] };
  }

  private remove(sessions: ReadonlyArray<SessionRecord>): void {
    for (const s of sessions) {
      this.byHash.delete(s.idHash);
      this.hashOfHandle.delete(s.handle);
    }
  }
}
