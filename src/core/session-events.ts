import type { AuditRecord } from './types.ts';

/**
 * Core announces every session event here; the composition root turns them into log lines and
 * metrics. Events carry handles only, never session IDs or hashes.
 */
export type SessionEventListener = (event: AuditRecord) => void;

export class SessionEvents {
  private listeners: SessionEventListener[] = [];

  on(listener: SessionEventListener): void {
    this.listeners.push(listener);
  }

  emit(event: AuditRecord): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A broken listener (a metric, a log sink) must never break a session call.
      }
    }
  }
}
