import type { EventLog } from '../../core/ports/event-log.ts';
import type { SessionEventDraft, SessionEventRecord } from '../../core/types.ts';

/** The event log in memory, oldest first. */
export class MemoryEventLog implements EventLog {
  private readonly events: SessionEventRecord[] = [];
  private newest = 0;

  /** Called by MemorySessionRecords inside its own change, as a transaction would. */
  write(drafts: ReadonlyArray<SessionEventDraft>): void {
    for (const draft of drafts) this.events.push({ seq: ++this.newest, ...draft });
  }

  snapshot(): unknown {
    return this.events;
  }

  async after(after: number, limit: number): Promise<SessionEventRecord[]> {
    const out: SessionEventRecord[] = [];
    for (const e of this.events) {
      if (out.length >= limit) break;
      if (e.seq > after) out.push({ ...e });
    }
    return out;
  }

  async bounds(): Promise<{ oldest: number | null; newest: number }> {
    return { oldest: this.events[0]?.seq ?? null, newest: this.newest };
  }

  async prune(before: number, limit: number): Promise<number> {
    let count = 0;
    while (count < limit && count < this.events.length && this.events[count]!.at < before) count += 1;
    this.events.splice(0, count);
    return count;
  }
}
