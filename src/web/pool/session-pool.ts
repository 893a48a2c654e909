import { EventEmitter } from 'node:events';

/**
 * The session pool: idle server sessions an ESM released on logout, keyed by pool key, handed
 * to the next web login with the same key. Small and observable like pg-pool: it emits
 * `release`, `reuse`, `miss`, `evict`, `close-failed` and `sweep-failed`, and never hands a
 * session across keys (keys are compared whole, as strings).
 */
export interface PooledSession {
  /** The secret server session ID; never leaves the pool in a view or an event. */
  sessionId: string;
  handle: string;
  login: string;
  project: string;
}

export interface PoolOps {
  /** Whether a session is live; asking slides its idle timer upstream (the keep-alive). */
  isAlive(sessionId: string): Promise<boolean>;
  close(sessionId: string): Promise<void>;
}

export interface PoolLimits {
  /** Most sessions held; 0 turns pooling off (every released session is closed). */
  max: number;
  /** A session idle in the pool this long is evicted and closed. */
  idleMs: number;
  /** How often idle sessions are kept alive upstream and over-idle ones evicted. */
  keepAliveMs: number;
}

/** Pooled sessions closed at once at shutdown. */
export const SHUTDOWN_CLOSE_CONCURRENCY = 16;

export type EvictReason = 'idle' | 'capacity' | 'dead' | 'shutdown' | 'admin';

/** What events carry: never the session ID. */
export interface PoolEventInfo {
  key: string;
  handle: string;
  project: string;
  login: string;
}

interface Entry {
  key: string;
  session: PooledSession;
  releasedAt: number;
}

export interface PoolView {
  entries: Array<{ key: string; handle: string; project: string; login: string; idleSeconds: number }>;
  hits: number;
  misses: number;
  evictions: number;
  closeFailures: number;
}

export class SessionPool extends EventEmitter {
  /** Oldest first: eviction for capacity takes from the front, reuse from the back. */
  private entries: Entry[] = [];
  private hits = 0;
  private misses = 0;
  private evictions = 0;
  private closeFailures = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Evicted sessions whose close at the upstream has not answered yet. */
  private closing = 0;

  constructor(
    private readonly ops: PoolOps,
    private readonly limits: PoolLimits,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  get size(): number {
    return this.entries.length;
  }

  /** Sessions held or being closed: at shutdown, what would be left open at the upstream. */
  get unclosed(): number {
    return this.entries.length + this.closing;
  }

  /** Whether a session waits under exactly `key` (callers check credentials before acquiring). */
  has(key: string): boolean {
    return this.entries.some((e) => e.key === key);
  }

  /** Puts a detached session in the pool under `key`; over the bound, the oldest is evicted. */
  async release(key: string, session: PooledSession): Promise<void> {
    const entry: Entry = { key, session: { ...session }, releasedAt: this.now() };
    if (this.closed || this.limits.max === 0) {
      // Nowhere to keep it: close it rather than leak it.
      await this.evict(entry, this.closed ? 'shutdown' : 'capacity');
      return;
    }
    this.entries.push(entry);
    this.emit('release', info(entry));
    while (this.entries.length > this.limits.max) await this.evict(this.entries[0]!, 'capacity');
  }

  /**
   * The newest live session under exactly `key`, or null (a miss). The entry leaves the pool
   * before the liveness check, so two logins can never get the same session. Dead and
   * over-idle sessions found on the way are evicted (and closed).
   */
  async acquire(key: string): Promise<PooledSession | null> {
    for (;;) {
      let index = this.entries.length - 1;
      while (index >= 0 && this.entries[index]!.key !== key) index -= 1;
      if (index < 0) break;
      const entry = this.entries.splice(index, 1)[0]!;
      if (this.now() - entry.releasedAt >= this.limits.idleMs) {
        await this.evict(entry, 'idle');
        continue;
      }
      let alive = false;
      try {
        alive = await this.ops.isAlive(entry.session.sessionId);
      } catch {
        // Unreachable upstream: not handed out; closing is tried so nothing leaks.
      }
      if (alive) {
        this.hits += 1;
        this.emit('reuse', info(entry));
        return entry.session;
      }
      await this.evict(entry, 'dead');
    }
    this.misses += 1;
    this.emit('miss', { key });
    return null;
  }

  /** Evicts sessions idle too long and keeps the rest alive upstream. */
  async sweep(): Promise<void> {
    for (const entry of [...this.entries]) {
      if (!this.entries.includes(entry)) continue; // acquired meanwhile
      if (this.now() - entry.releasedAt >= this.limits.idleMs) {
        await this.evict(entry, 'idle');
        continue;
      }
      let alive = true;
      try {
        alive = await this.ops.isAlive(entry.session.sessionId);
      } catch {
        // The upstream is briefly away: keep the entry; reuse checks liveness again.
      }
      if (!alive && this.entries.includes(entry)) await this.evict(entry, 'dead');
    }
  }

  /** Starts the keep-alive and idle sweep. */
  start(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => {
      this.sweep().catch((error: unknown) => this.emit('sweep-failed', error));
    }, this.limits.keepAliveMs);
    this.timer.unref();
  }

  /**
   * At shutdown: every pooled session is closed upstream, none leaked; later releases close too.
   * Closes run SHUTDOWN_CLOSE_CONCURRENCY at a time, so a slow upstream costs one timeout per
   * batch, not one per session.
   */
  async closeAll(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const queue = [...this.entries];
    const worker = async () => {
      for (let entry = queue.shift(); entry; entry = queue.shift()) await this.evict(entry, 'shutdown');
    };
    await Promise.all(Array.from({ length: Math.min(SHUTDOWN_CLOSE_CONCURRENCY, queue.length) }, worker));
  }

  /**
   * An admin's eviction of the session with this handle: it leaves the pool and is closed at the
   * upstream. Answers null when no pooled session has that handle, else whether the close
   * succeeded (a failed close is counted and emitted like any other).
   */
  async evictHandle(handle: string, actor: string): Promise<{ closed: boolean } | null> {
    const entry = this.entries.find((e) => e.session.handle === handle);
    if (!entry) return null;
    return { closed: await this.evict(entry, 'admin', actor) };
  }

  view(): PoolView {
    const now = this.now();
    return {
      entries: this.entries.map((e) => ({ ...info(e), idleSeconds: Math.floor((now - e.releasedAt) / 1000) })),
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
      closeFailures: this.closeFailures,
    };
  }

  /** Takes the entry out and closes its session upstream; answers whether the close succeeded. */
  private async evict(entry: Entry, reason: EvictReason, actor?: string): Promise<boolean> {
    this.entries = this.entries.filter((e) => e !== entry);
    this.evictions += 1;
    this.emit('evict', { ...info(entry), reason, ...(actor !== undefined ? { actor } : {}) });
    this.closing += 1;
    try {
      await this.ops.close(entry.session.sessionId);
      return true;
    } catch (error) {
      this.closeFailures += 1;
      this.emit('close-failed', { ...info(entry), reason, error });
      return false;
    } finally {
      this.closing -= 1;
    }
  }
}

function info(entry: Entry): PoolEventInfo {
  return { key: entry.key, handle: entry.session.handle, project: entry.session.project, login: entry.session.login };
}
