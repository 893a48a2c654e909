import type { EventLog } from '../core/ports/event-log.ts';
import type { SessionEventRecord } from '../core/types.ts';

export type EventListener = (events: ReadonlyArray<SessionEventRecord>) => void;

/** Events one read of the log takes. */
const PAGE = 500;

/**
 * One node's follower of the store's event log, shared by every subscriber on the node. The log
 * is the truth; wake-ups only say "read it now": this node's own changes (after they commit),
 * other nodes' ends over the invalidation bus, and a short poll for everything else (another
 * node's logins, a CLI on the same SQLite file). Each read takes what came after the last seq
 * it saw, so nothing is skipped or reordered, whatever woke it. It follows the log only while
 * someone subscribes.
 */
export class EventFeed {
  private readonly listeners = new Set<EventListener>();
  private position = 0;
  private following = false;
  private reading: Promise<void> | null = null;
  private readAgain = false;
  private poll: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: EventLog,
    private readonly pollMs: number,
  ) {}

  /** Adds a listener; answers the seq it will hear events after, and how to stop. */
  async subscribe(listener: EventListener): Promise<{ position: number; unsubscribe: () => void }> {
    if (!this.following) {
      this.position = (await this.log.bounds()).newest;
      this.following = true;
      this.poll = setInterval(() => this.wake(), this.pollMs);
      this.poll.unref();
    }
    this.listeners.add(listener);
    return {
      position: this.position,
      unsubscribe: () => {
        this.listeners.delete(listener);
        if (this.listeners.size === 0) this.stop();
      },
    };
  }

  /** Reads the log now (or once more after the read under way). */
  wake(): void {
    if (!this.following) return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = this.drain()
      // A store outage: the next wake-up or poll tries again from the same seq.
      .catch(() => undefined)
      .finally(() => {
        this.reading = null;
        if (this.readAgain) {
          this.readAgain = false;
          this.wake();
        }
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      const page = await this.log.after(this.position, PAGE);
      if (page.length === 0 || !this.following) return;
      this.position = page.at(-1)!.seq;
      for (const listener of this.listeners) listener(page);
      if (page.length < PAGE) return;
    }
  }

  stop(): void {
    this.following = false;
    clearInterval(this.poll);
    this.poll = undefined;
  }
}
