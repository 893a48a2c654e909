import { EventEmitter } from 'node:events';

/**
 * The session pool: idle server sessions an ESM released on logout, keyed by pool key, handed
 * to the next web login with the same key. Small and observable like pg-pool: it emits
 * `release`, `reuse`, `miss`, `evict` and `close-failed`, and never hands a session across keys.
 */
export interface PooledSession {
  /** The secret server session ID; never leaves the pool in a view or an event. */
  sessionId: string;
  handle: string;
  login: string;
  project: string;
}

export interface PoolOps {
  /** Whether a session is live; asking slides its idle timer upstream. */
  isAlive(sessionId: string): Promise<boolean>;
  close(sessionId: string): Promise<void>;
}

export interface PoolLimits {
  max: number;
  idleMs: number;
  /** How often idle sessions are kept alive upstream and idle ones evicted. */
  keepAliveMs: number;
}

export type EvictReason = 'idle' | 'capacity' | 'dead' | 'shutdown';

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
  /** Oldest first: eviction for capacity takes from the front. */
  private entries: Entry[] = [];
  private hits = 0;
  private misses = 0;
  private evictions = 0;
  private closeFailures = 0;
  private timer: NodeJS.Timeout | undefined;

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

  /** Puts a detached session in the pool under `key`; over the bound, the oldest is evicted. */
  async release(key: string, session: PooledSession): Promise<void> {
    if (this.limits.max === 0) {
      await this.evict({ key, session, releasedAt: this.now() }, 'capacity');
      return;
    }
    while (this.entries.length >= this.limits.max) await this.evict(this.entries[0]!, 'capacity');
    this.entries.push({ key, session: { ...session }, releasedAt: this.now() });
    this.emit('release', info(key, session));
  }

  /** The newest live session under exactly `key`, or null (a miss). Dead ones are dropped on the way. */
  async acquire(key: string): Promise<PooledSession | null> {
    for (;;) {
      let index = this.entries.length - 1;
      while (index >= 0 && this.entries[index]!.key !== key) index -= 1;
      if (index < 0) break;
      const [entry] = this.entries.splice(index, 1);
      let alive = false;
      try {
        alive = await this.ops.isAlive(entry!.session.sessionId);
      } catch {
        alive = false;
      }
      if (alive) {
        this.hits += 1;
        this.emit('reuse', info(key, entry!.session));
        return entry!.session;
      }
      // Already ended upstream (or unreachable): drop it, trying a close so nothing leaks.
      this.entries.push(entry!);
      await this.evict(entry!, 'dead');
    }
    this.misses += 1;
    this.emit('miss', { key });
    return null;
  }

  /** Evicts sessions idle too long and keeps the rest alive upstream. */
  async sweep(): Promise<void> {
    const now = this.now();
    for (const entry of [...this.entries]) {
      if (now - entry.releasedAt >= this.limits.idleMs) {
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

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.sweep().catch((error: unknown) => this.emit('error-logged', error));
    }, this.limits.keepAliveMs);
    this.timer.unref();
  }

  /** At shutdown: every pooled session is closed upstream, none leaked. */
  async closeAll(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const entry of [...this.entries]) await this.evict(entry, 'shutdown');
  }

  view(): PoolView {
    const now = this.now();
    return {
      entries: this.entries.map((e) => ({
        key: e.key,
        handle: e.session.handle,
        project: e.session.project,
        login: e.session.login,
        idleSeconds: Math.floor((now - e.releasedAt) / 1000),
      })),
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
      closeFailures: this.closeFailures,
    };
  }

  private async evict(entry: Entry, reason: EvictReason): Promise<void> {
    this.entries = this.entries.filter((e) => e !== entry);
    this.evictions += 1;
    this.emit('evict', { ...info(entry.key, entry.session), reason });
    try {
      await this.ops.close(entry.session.sessionId);
    } catch (error) {
      this.closeFailures += 1;
      this.emit('close-failed', { ...info(entry.key, entry.session), reason, error });
    }
  }
}

function info(key: string, s: PooledSession): PoolEventInfo {
  return { key, handle: s.handle, project: s.project, login: s.login };
}
