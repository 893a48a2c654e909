/**
 * A mixed client load against one sessiond over REST — logins, session checks, invalidations and
 * logouts from several workers at once — that keeps a ledger of what the server *answered*: the
 * logins it answered with a session, and the ends it confirmed (a 200 logout, an
 * invalidateSessions result with success true). Requests cut off by a crash are neither: their
 * sessions are set aside as "unknown", since the server may or may not have acted on them.
 *
 * Each session is ended at most once (a worker claims it before ending it), and callers of
 * invalidateSessions are long-lived sessions that nothing ends, so during the load every answer
 * has one right value; any other answer is an anomaly.
 */

export interface MixedLoadOptions {
  url: string;
  /** Users to log in as, each with this password; logins rotate over them. */
  usernames: string[];
  password: string;
  workers: number;
  /** Relative weights of the operations. */
  mix: { check: number; login: number; invalidate: number; logout: number };
}

export interface Ledger {
  /** Sessions that nothing ends: logged in before the load, used as invalidateSessions callers. */
  stable: string[];
  /** Answered logins that no end was ever sent for. */
  live: Set<string>;
  /** Ends the server confirmed. */
  ended: Set<string>;
  /** Sessions whose end was sent but not answered (the crash cut it off). */
  unknown: Set<string>;
  /** Answers that were wrong while the server was up (status and what was asked). */
  anomalies: string[];
  counts: { check: number; login: number; invalidate: number; logout: number; cutOff: number };
}

type Op = keyof MixedLoadOptions['mix'];

export class MixedLoad {
  readonly ledger: Ledger = {
    stable: [],
    live: new Set(),
    ended: new Set(),
    unknown: new Set(),
    anomalies: [],
    counts: { check: 0, login: 0, invalidate: 0, logout: 0, cutOff: 0 },
  };
  /** Requests sent and not yet answered or failed. */
  inFlight = 0;
  private stopping = false;
  private workers: Promise<void>[] = [];
  private nextUser = 0;
  private seed = 0x2545f491;

  constructor(private readonly options: MixedLoadOptions) {}

  /** Logs in `count` long-lived sessions (the callers), then starts the workers. */
  async start(stableCount: number): Promise<void> {
    for (let i = 0; i < stableCount; i++) {
      const id = await this.login();
      if (!id) throw new Error(`a caller's login failed before the load started: ${this.ledger.anomalies.join('; ')}`);
      this.ledger.stable.push(id);
    }
    this.workers = Array.from({ length: this.options.workers }, () => this.work());
  }

  /** Resolves once `done(ledger)` holds, or at the first wrong answer (no point going on then). */
  until(done: (ledger: Ledger) => boolean): Promise<void> {
    return new Promise((resolve) => {
      const poll = () => (done(this.ledger) || this.stopping || this.ledger.anomalies.length > 0 ? resolve() : setTimeout(poll, 5));
      poll();
    });
  }

  /** Tells the workers to send nothing more (requests in flight still finish or fail). */
  halt(): void {
    this.stopping = true;
  }

  /** Waits for every worker to finish its last request. */
  async finished(): Promise<void> {
    await Promise.all(this.workers);
  }

  private async work(): Promise<void> {
    while (!this.stopping) {
      const op = this.pick();
      if (op === 'login') await this.loginIntoPool();
      else if (op === 'check') await this.check();
      else if (op === 'invalidate') await this.invalidate();
      else await this.logout();
    }
  }

  private pick(): Op {
    const { mix } = this.options;
    const total = mix.check + mix.login + mix.invalidate + mix.logout;
    let r = this.random() * total;
    for (const op of ['check', 'login', 'invalidate', 'logout'] as const) {
      if (r < mix[op]) return op === 'invalidate' || op === 'logout' ? (this.ledger.live.size > 0 ? op : 'login') : op;
      r -= mix[op];
    }
    return 'check';
  }

  /** A small deterministic generator (xorshift32), so a failing run can be read again. */
  private random(): number {
    this.seed ^= this.seed << 13;
    this.seed ^= this.seed >>> 17;
    this.seed ^= this.seed << 5;
    return (this.seed >>> 0) / 0x1_0000_0000;
  }

  /** Takes a live session out of the pool, so no other worker ends or counts it. */
  private claim(): string | undefined {
    const id = this.ledger.live.values().next().value;
    if (id !== undefined) this.ledger.live.delete(id);
    return id;
  }

  private async request(method: string, path: string, sessionId?: string, body?: unknown): Promise<{ status: number; body: any } | undefined> {
    const headers: Record<string, string> = {};
    if (sessionId) headers.authorization = `Bearer ${sessionId}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    this.inFlight++;
    try {
      const res = await fetch(this.options.url + path, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
    } catch {
      // No answer: the connection was cut (the crash) or refused (the server is gone).
      this.ledger.counts.cutOff++;
      return undefined;
    } finally {
      this.inFlight--;
    }
  }

  private async login(): Promise<string | undefined> {
    const username = this.options.usernames[this.nextUser++ % this.options.usernames.length]!;
    const res = await this.request('POST', '/api/v1/login', undefined, { username, password: this.options.password });
    if (!res) return undefined;
    if (res.status !== 200 || typeof res.body?.sessionId !== 'string') {
      this.ledger.anomalies.push(`login ${username}: ${res.status}`);
      return undefined;
    }
    this.ledger.counts.login++;
    return res.body.sessionId as string;
  }

  private async loginIntoPool(): Promise<void> {
    const id = await this.login();
    if (id) this.ledger.live.add(id);
  }

  private async check(): Promise<void> {
    // Mostly sessions that must answer 200; now and then one that is being ended.
    const stable = this.random() < 0.7 || this.ledger.live.size === 0;
    const pool = stable ? this.ledger.stable : [...this.ledger.live].slice(-50);
    const id = pool[Math.floor(this.random() * pool.length)]!;
    const res = await this.request('GET', '/api/v1/session', id);
    if (!res) return;
    this.ledger.counts.check++;
    // A pool session may be claimed and ended between the pick and the answer: 401 is right then.
    if (res.status === 200 || (res.status === 401 && !stable)) return;
    this.ledger.anomalies.push(`check of a ${stable ? 'caller' : 'pool'} session: ${res.status}`);
  }

  private async invalidate(): Promise<void> {
    const targets = [this.claim(), this.random() < 0.5 ? this.claim() : undefined].filter((id): id is string => id !== undefined);
    if (targets.length === 0) return;
    const caller = this.ledger.stable[Math.floor(this.random() * this.ledger.stable.length)]!;
    const res = await this.request('POST', '/api/v1/sessions/invalidate', caller, { sessionIds: targets });
    if (!res) {
      for (const id of targets) this.ledger.unknown.add(id);
      return;
    }
    this.ledger.counts.invalidate++;
    const results = res.body?.results as Array<{ success: boolean }> | undefined;
    if (res.status !== 200 || !Array.isArray(results) || results.length !== targets.length) {
      this.ledger.anomalies.push(`invalidate of ${targets.length}: ${res.status}`);
      for (const id of targets) this.ledger.unknown.add(id);
      return;
    }
    targets.forEach((id, i) => {
      if (results[i]!.success) this.ledger.ended.add(id);
      else {
        this.ledger.anomalies.push('invalidate: a live session answered success false');
        this.ledger.unknown.add(id);
      }
    });
  }

  private async logout(): Promise<void> {
    const id = this.claim();
    if (!id) return;
    const res = await this.request('POST', '/api/v1/logout', id);
    if (!res) {
      this.ledger.unknown.add(id);
      return;
    }
    this.ledger.counts.logout++;
    if (res.status === 200) this.ledger.ended.add(id);
    else {
      this.ledger.anomalies.push(`logout: ${res.status}`);
      this.ledger.unknown.add(id);
    }
  }
}
