import { randomUUID } from 'node:crypto';
import type { AuditEventName, AuditRecord } from '../core/types.ts';
import type { SessiondContext } from '../http/context.ts';
import { currentRequestId, runInRequestScope } from '../observability/request-scope.ts';
import type { PoolEventInfo, SessionPool } from './pool/session-pool.ts';

type Outcome = 'hit' | 'miss' | 'release' | 'eviction' | 'close-failure';

/**
 * Turns the pool's events into what operators see: a metric, an audit record in the store and
 * a log line for each hit, miss, release, eviction and close failure. Handles only; the pool
 * never puts a session ID in an event. All three follow the answer that caused them (below).
 */
export function observePool(pool: SessionPool, ctx: SessiondContext): { flush: () => Promise<void> } {
  const { write, flush } = auditWriter(ctx, (outcome: Outcome, audit: AuditRecord) => {
    ctx.metrics.poolOutcomes.inc({ outcome });
    ctx.metrics.poolEntries.set(pool.size);
    ctx.events.emit(audit);
  });
  const record = (
    outcome: Outcome,
    event: AuditEventName,
    fields: { handle: string | null; project: string | null; reason: string | null; actor?: string | undefined },
  ) => {
    // The pool acts by itself, except when an admin evicts (their session's handle).
    write(outcome, { at: ctx.clock.now(), event, userId: null, ...fields, actor: fields.actor ?? 'pool' });
  };

  pool.on('reuse', (e: PoolEventInfo) => record('hit', 'pool.reused', { handle: e.handle, project: e.project, reason: e.key }));
  pool.on('miss', (e: { key: string }) => record('miss', 'pool.missed', { handle: null, project: null, reason: e.key }));
  pool.on('release', (e: PoolEventInfo) => record('release', 'pool.released', { handle: e.handle, project: e.project, reason: e.key }));
  pool.on('evict', (e: PoolEventInfo & { reason: string; actor?: string }) =>
    record('eviction', 'pool.evicted', { handle: e.handle, project: e.project, reason: e.reason, actor: e.actor }),
  );
  pool.on('close-failed', (e: PoolEventInfo & { reason: string; error: unknown }) => {
    const errorId = randomUUID();
    ctx.logger.error({ errorId, err: e.error, handle: e.handle, project: e.project }, 'could not close an evicted pooled session at the upstream');
    record('close-failure', 'pool.close-failed', { handle: e.handle, project: e.project, reason: `${e.reason} (error ${errorId})` });
  });
  pool.on('sweep-failed', (error: unknown) => ctx.logger.warn({ err: error }, 'pool keep-alive sweep failed; will retry'));
  return { flush };
}

/**
 * Pool events are observed after the answer that caused them: the pool acts in memory (a crash
 * loses the pool itself, not only its records), so a reuse need not wait for its metric, its
 * `session event` log line (core's listeners) or a durable write. On SQLite an append is a
 * synchronous, fsync'd commit on the event loop; deferred to setImmediate it runs once the
 * answer is on the socket, and records of one burst share a commit. Their order is kept, and
 * each log line keeps the request ID of the request that caused it.
 */
function auditWriter(
  ctx: SessiondContext,
  observe: (outcome: Outcome, record: AuditRecord) => void,
): { write: (outcome: Outcome, record: AuditRecord) => void; flush: () => Promise<void> } {
  let observed: Array<{ outcome: Outcome; record: AuditRecord; requestId: string | undefined }> = [];
  let queued: AuditRecord[] = [];
  const drain = () => {
    const batch = observed;
    observed = [];
    for (const { outcome, record, requestId } of batch) {
      // setImmediate keeps the async context; the scope is entered again only if it was closed.
      if (requestId === undefined || currentRequestId() === requestId) observe(outcome, record);
      else runInRequestScope(requestId, () => observe(outcome, record));
      queued.push(record);
    }
  };
  const flush = async () => {
    drain();
    if (queued.length === 0) return;
    const records = queued;
    queued = [];
    await ctx.store.audit
      .append(records)
      .catch((error: unknown) => ctx.logger.warn({ err: error, events: records.map((r) => r.event) }, 'could not write pool audit records'));
  };
  return {
    write(outcome, record) {
      if (observed.length === 0) setImmediate(() => void flush());
      observed.push({ outcome, record, requestId: currentRequestId() });
    },
    // At shutdown, before the store closes: what the last evictions left queued.
    flush,
  };
}
