import { SessiondError } from '../../core/errors.ts';
import { expiresAt } from '../../core/expiry.ts';
import type { SessionRecords } from '../../core/ports/session-records.ts';
import { usernameKey } from '../../core/input-rules.ts';
import { compareReading, pageOf, readsBackward } from '../../core/session-rules.ts';
import type { EndContext, SessionCountFilter, SessionListFilter, SessionPage, SessionRecord } from '../../core/types.ts';
import type { RedisAudit } from './redis-audit.ts';
import type { RedisEventLog } from './redis-event-log.ts';
import { defineScripts, strings } from './redis-commands.ts';
import { guarded, toStoreError, type RedisClient } from './redis-connection.ts';
import { groupByBucket, listingAfter, listingBefore, type RedisKeys } from './redis-keys.ts';
import { sessionFromFields, sessionFromJson } from './redis-records.ts';
import {
  endSessionsArgs,
  insertSessionArgs,
  countSessionsArgs,
  listSessionsArgs,
  sweepSessionsArgs,
  touchSessionArgs,
  type AuditCaps,
} from './redis-script-args.ts';
import { SESSION_SCRIPTS } from './redis-scripts.ts';
import { redisSessionLookups, type SessionFields } from './redis-session-lookups.ts';
import type { CoalescedLookups } from '../coalesced-lookups.ts';
import type { RedisStoreOptions } from './redis-store.ts';


/**
 * Sessions on Redis, standalone (one bucket: every batch is one atomic script) or Cluster
 * (sixteen buckets: every batch is one atomic script per bucket). See redis-keys.ts for the key
 * layout and redis-scripts.ts for what each script guarantees and which core rule it mirrors.
 */
export class RedisSessionRecords implements SessionRecords {
  private readonly scripts;
  private readonly lookups: CoalescedLookups<SessionFields>;

  constructor(
    private readonly client: RedisClient,
    private readonly keys: RedisKeys,
    private readonly audit: RedisAudit,
    private readonly events: RedisEventLog,
    private readonly options: RedisStoreOptions,
  ) {
    this.scripts = defineScripts(client, SESSION_SCRIPTS);
    this.lookups = redisSessionLookups(client, keys);
  }

  private get caps(): AuditCaps {
    return this.audit.caps;
  }

  private reserveSequence(count: number): Promise<number | ''> {
    return this.audit.reserve(count);
  }

  private ttlFor(record: { lastSeenAt: number; idleExpiresAt: number; absoluteExpiresAt: number }): number {
    // Relative to the record's own clock, so skew between a node and the Redis server does not matter.
    return Math.max(1, expiresAt(record) - record.lastSeenAt + this.options.expiryGraceMs);
  }

  /**
   * Cluster mode: moves the events a change just wrote from its buckets' outboxes into the log, so
   * they are there when the call answers. Best effort: if this fails the change stands, and the
   * periodic relay (every node, every half second) delivers its events.
   */
  private async relayEvents(bases: Iterable<string>): Promise<void> {
    await this.events.relay(bases).catch(() => undefined);
  }

  /** Removes handle pointers of ended sessions that live in other slots (Cluster); best effort. */
  private async dropHandles(handles: ReadonlyArray<string>): Promise<void> {
    if (this.keys.handlesInSessionSlot || handles.length === 0) return;
    // A pointer left behind points at a missing session, which answers like an unknown one,
    // and it expires by itself at the session's absolute lifetime.
    await Promise.allSettled(handles.map((h) => this.client.unlink(this.keys.handle(h))));
  }

  async insert(s: SessionRecord): Promise<void> {
    const base = this.keys.base(this.keys.bucketOf(s.idHash));
    const handleTtl = Math.max(1, s.absoluteExpiresAt - s.lastSeenAt + this.options.expiryGraceMs);
    await guarded(async () => {
      let seq: number | '' = '';
      if (!this.keys.handlesInSessionSlot) {
        // The pointer goes first: if the session write then fails, it points at nothing.
        [seq] = await Promise.all([this.reserveSequence(1), this.client.set(this.keys.handle(s.handle), s.idHash, 'PX', handleTtl)]);
      }
      await this.scripts.sdInsertSession(
        `${base}s:${s.idHash}`,
        ...insertSessionArgs({
          base,
          ...s,
          ttlMs: this.ttlFor(s),
          seq,
          caps: this.caps,
          writeHandle: this.keys.handlesInSessionSlot,
          handleTtlMs: handleTtl,
        }),
      );
    });
    await this.relayEvents([base]);
  }

  async findByHash(idHash: string): Promise<SessionRecord | null> {
    // Commands on one connection run in order, so a lookup sent after this node's touch sees it.
    const fields = await guarded(() => this.lookups.find(idHash));
    return fields === null ? null : sessionFromFields(idHash, fields);
  }

  async touch(idHash: string, lastSeenAt: number, idleExpiresAt: number): Promise<void> {
    const base = this.keys.base(this.keys.bucketOf(idHash));
    await guarded(() =>
      this.scripts.sdTouchSession(
        `${base}s:${idHash}`,
        ...touchSessionArgs({ base, idHash, lastSeenAt, idleExpiresAt, graceMs: this.options.expiryGraceMs }),
      ),
    );
  }

  async endByHash(idHashes: ReadonlyArray<string | null>, ctx: EndContext): Promise<Array<SessionRecord | null>> {
    return this.endByHashes(idHashes, ctx);
  }

  async endByHandle(handles: ReadonlyArray<string | null>, ctx: EndContext): Promise<Array<SessionRecord | null>> {
    // Resolving first and ending second is as good as one step: handles are never reused, and
    // the end script re-checks each session, so a session ended in between answers null.
    const resolved = await guarded(() =>
      Promise.all(handles.map((h) => (h === null ? Promise.resolve(null) : this.client.get(this.keys.handle(h))))),
    );
    return this.endByHashes(resolved, ctx);
  }

  /**
   * Ends a batch: one END script per bucket, each all-or-nothing. With more than one bucket a
   * read-only check runs on every bucket first, so a slot that is down or unreadable stops the
   * batch before any slot writes.
   */
  private async endByHashes(idHashes: ReadonlyArray<string | null>, ctx: EndContext): Promise<Array<SessionRecord | null>> {
    const answers: Array<SessionRecord | null> = idHashes.map(() => null);
    const groups = groupByBucket(idHashes, (h) => (h === null ? null : this.keys.bucketOf(h)));
    if (groups.size === 0) return answers;
    const run = (bucket: number, mode: 'ids' | 'check', seq: number | '') =>
      this.endScript(this.keys.base(bucket), mode, ctx, seq, groups.get(bucket)!.map((p) => idHashes[p]!));

    const buckets = [...groups.keys()];
    if (buckets.length > 1) await guarded(() => Promise.all(buckets.map((b) => run(b, 'check', ''))));
    const total = idHashes.filter((h) => h !== null).length;
    const first = await guarded(() => this.reserveSequence(total));
    let offset = 0;
    const outcomes = await Promise.allSettled(
      buckets.map((b) => {
        const seq = first === '' ? '' : first + offset;
        offset += groups.get(b)!.length;
        return run(b, 'ids', seq);
      }),
    );

    const endedHandles: string[] = [];
    let failure: unknown = null;
    outcomes.forEach((outcome, i) => {
      if (outcome.status === 'rejected') {
        failure ??= outcome.reason;
        return;
      }
      const positions = groups.get(buckets[i]!)!;
      strings(outcome.value).forEach((reply, j) => {
        if (reply === '') return;
        const session = sessionFromJson(reply.slice(1));
        endedHandles.push(session.handle);
        if (reply[0] === 'E') answers[positions[j]!] = session;
      });
    });
    await Promise.all([this.dropHandles(endedHandles), this.relayEvents(buckets.map((b) => this.keys.base(b)))]);
    if (failure !== null) {
      const cause = toStoreError(failure);
      if (endedHandles.length === 0) throw cause;
      // Only possible in Cluster mode, when a slot failed after the check: say what did end.
      throw new SessiondError(
        'SERVICE_UNAVAILABLE',
        `The session store failed part-way through a batch; the sessions with these handles were ended: ${endedHandles.join(', ')}`,
        { cause },
      );
    }
    return answers;
  }

  /** One bucket's END script: by ID hashes (`ids`), a read-only `check` of them, or all of a `user`'s. */
  private endScript(base: string, mode: 'ids' | 'check' | 'user', ctx: EndContext, seq: number | '', items: string[]) {
    return this.scripts.sdEndSessions(
      `${base}exp`,
      ...endSessionsArgs({
        base,
        mode,
        now: ctx.now,
        reason: ctx.reason,
        actor: ctx.actor,
        seq,
        caps: this.caps,
        deleteHandles: this.keys.handlesInSessionSlot,
        items,
      }),
    );
  }

  async endOfUser(userId: string, ctx: EndContext): Promise<SessionRecord[]> {
    const bases = this.keys.allBases();
    const counts =
      this.keys.buckets === 1 ? [0] : await guarded(() => Promise.all(bases.map((base) => this.client.zcard(`${base}u:${userId}`))));
    const first = await guarded(() => this.reserveSequence(counts.reduce((a, b) => a + b, 0)));
    let offset = 0;
    const replies = await guarded(() =>
      Promise.all(
        bases.map((base, b) => {
          const seq = first === '' ? '' : first + offset;
          offset += counts[b]!;
          return this.endScript(base, 'user', ctx, seq, [userId]);
        }),
      ),
    );
    const ended: SessionRecord[] = [];
    const handles: string[] = [];
    for (const reply of replies.flatMap(strings)) {
      if (reply === '') continue;
      const session = sessionFromJson(reply.slice(1));
      handles.push(session.handle);
      if (reply[0] === 'E') ended.push(session);
    }
    await Promise.all([this.dropHandles(handles), this.relayEvents(bases)]);
    return ended;
  }

  /** The index a filter reads: one user's name, one project, or every session of the bucket. */
  private static indexOf(filter: SessionCountFilter): string {
    return filter.username !== undefined ? `n:${filter.username}` : filter.project !== undefined ? `p:${filter.project}` : 'all';
  }

  /**
   * Runs the listing script on every bucket from `bound`, each until it has `want` sessions (0:
   * until its index is read through, counting); answers what each bucket found and counted.
   */
  private async scanBuckets(filter: SessionCountFilter, now: number, bound: string, want: number, direction: 'asc' | 'desc') {
    const index = RedisSessionRecords.indexOf(filter);
    const foldedPrefix = filter.usernamePrefix === undefined ? '' : usernameKey(filter.usernamePrefix);
    return guarded(() =>
      Promise.all(
        this.keys.allBases().map(async (base) => {
          const found: SessionRecord[] = [];
          let counted = 0;
          let from = bound;
          for (;;) {
            const reply = strings(
              await this.scripts.sdListSessions(
                `${base}${index}`,
                ...listSessionsArgs({
                  base,
                  index,
                  bound: from,
                  want: want === 0 ? 0 : want - found.length,
                  now,
                  project: filter.project,
                  username: filter.username,
                  maxScan: this.options.listScanChunk,
                  direction,
                  foldedPrefix,
                }),
              ),
            );
            const [exhausted, next, count, ...records] = reply;
            found.push(...records.map(sessionFromJson));
            counted += Number(count);
            if (exhausted === '1' || (want > 0 && found.length >= want) || next === undefined) return { found, counted };
            from = next;
          }
        }),
      ),
    );
  }

  async list(filter: SessionListFilter, now: number): Promise<SessionPage> {
    const backward = readsBackward(filter);
    const bound = filter.after
      ? listingAfter(filter.after.createdAt, filter.after.handle)
      : filter.before
        ? listingBefore(filter.before.createdAt, filter.before.handle)
        : backward
          ? '+'
          : '-';
    const perBucket = await this.scanBuckets(filter, now, bound, filter.limit + 1, backward ? 'desc' : 'asc');
    return pageOf(perBucket.flatMap((b) => b.found).sort(compareReading(filter)), filter);
  }

  /**
   * Without a prefix, from each index's size less the expired sessions waiting for the sweep;
   * with one (no index holds name prefixes), by reading the index through in bounded chunks.
   */
  async count(filter: SessionCountFilter, now: number): Promise<number> {
    const index = RedisSessionRecords.indexOf(filter);
    let sizes: number[] = [];
    if (filter.usernamePrefix === undefined) {
      sizes = await guarded(() =>
        Promise.all(
          this.keys.allBases().map(async (base) =>
            Number(
              await this.scripts.sdCountSessions(
                `${base}${index}`,
                ...countSessionsArgs({ base, index, now, project: filter.project, username: filter.username, maxScan: this.options.listScanChunk }),
              ),
            ),
          ),
        ),
      );
    }
    if (sizes.length > 0 && sizes.every((n) => n >= 0)) return sizes.reduce((a, b) => a + b, 0);
    const perBucket = await this.scanBuckets(filter, now, '-', 0, 'asc');
    return perBucket.reduce((sum, b) => sum + b.counted, 0);
  }

  async sweepExpired(now: number, limit: number): Promise<SessionRecord[]> {
    const removed: SessionRecord[] = [];
    for (const base of this.keys.allBases()) {
      const remaining = limit - removed.length;
      if (remaining <= 0) break;
      const seq = await guarded(() => this.reserveSequence(remaining));
      const reply = strings(
        await guarded(() =>
          this.scripts.sdSweepSessions(
            `${base}exp`,
            ...sweepSessionsArgs({ base, now, limit: remaining, seq, caps: this.caps, deleteHandles: this.keys.handlesInSessionSlot }),
          ),
        ),
      );
      removed.push(...reply.map(sessionFromJson));
    }
    await Promise.all([this.dropHandles(removed.map((s) => s.handle)), this.relayEvents(this.keys.allBases())]);
    return removed;
  }
}
