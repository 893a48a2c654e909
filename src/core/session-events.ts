import type { AuditRecord } from './types.ts';

/**
 * Core announces every session event here; the composition root turns them into log lines and
 * metrics. Events carry handles only, never session IDs or hashes.
 */
export type SessionEventListener = (event: AuditRecord) => void;

/** Takes the events of one call together (an invalidateSessions of 200 IDs announces 200). */
export type SessionEventBatchListener = (events: ReadonlyArray<AuditRecord>) => void;

export class SessionEvents {
  private listeners: SessionEventListener[] = [];
  private batchListeners: SessionEventBatchListener[] = [];

  on(listener: SessionEventListener): void {
    this.listeners.push(listener);
  }

  onBatch(listener: SessionEventBatchListener): void {
    this.batchListeners.push(listener);
  }

  emit(event: AuditRecord): void {
    this.emitAll([event]);
  }

  /** The events of one call, in order: each to every listener, the whole list to every batch listener. */
  emitAll(events: ReadonlyArray<AuditRecord>): void {
    if (events.length === 0) return;
    for (const listener of this.listeners) for (const event of events) guarded(() => listener(event));
    for (const listener of this.batchListeners) guarded(() => listener(events));
  }
}

function guarded(run: () => void): void {
  try {
    run();
  } catch {
    // A broken listener (a metric, a log sink) must never break a session call.
  }
}
