import { Agent, request } from 'node:http';

/**
 * The soak benchmark's client: one operation at a time of a fixed mix — session checks,
 * invalidateSessions of one ID, logouts and logins — against one sessiond over REST on
 * kept-alive connections, each answer checked. Checks rotate over long-lived sessions that
 * nothing ends; invalidations and logouts take a session from a pool of others (seeded ones
 * first, then the ones logins added), so every answer has one right value and anything else is
 * an error.
 */
export type OpKind = 'check' | 'invalidate' | 'logout' | 'login';

/** The mix, in percent. */
export const SOAK_MIX: Readonly<Record<OpKind, number>> = { check: 90, invalidate: 5, logout: 3, login: 2 };

export interface OpResult {
  kind: OpKind;
  /** Milliseconds from sending the request to the end of its answer. */
  ms: number;
  /** Why the answer was wrong; absent when it was right. */
  error?: string;
}

export interface MixedOpsOptions {
  url: string;
  /** Sessions that are only checked, and that call invalidateSessions. */
  checked: string[];
  /** Sessions to end, used once each. */
  toEnd: string[];
  usernames: string[];
  password: string;
  /** Kept-alive connections at most. */
  maxSockets: number;
}

export class MixedOps {
  private readonly agent: Agent;
  private readonly pool: string[];
  /** The pool is used front to back: pool[head] is the next session to end. */
  private head = 0;
  private next = { check: 0, login: 0 };
  private readonly base: URL;

  constructor(private readonly options: MixedOpsOptions) {
    this.agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets });
    this.pool = [...options.toEnd];
    this.base = new URL(options.url);
  }

  /** Sessions left to end; when it runs out, invalidations and logouts become errors. */
  get poolSize(): number {
    return this.pool.length - this.head;
  }

  /** Picks an operation by the mix (u is uniform in [0, 1)). */
  static pick(u: number): OpKind {
    let r = u * 100;
    for (const kind of ['check', 'invalidate', 'logout', 'login'] as const) {
      if (r < SOAK_MIX[kind]) return kind;
      r -= SOAK_MIX[kind];
    }
    return 'check';
  }

  async run(kind: OpKind): Promise<OpResult> {
    const started = process.hrtime.bigint();
    const done = (error?: string): OpResult => ({ kind, ms: Number(process.hrtime.bigint() - started) / 1e6, ...(error ? { error } : {}) });
    try {
      if (kind === 'check') {
        const id = this.options.checked[this.next.check++ % this.options.checked.length]!;
        const res = await this.send('GET', '/api/v1/session', id);
        return done(res.status === 200 ? undefined : `check answered ${res.status}`);
      }
      if (kind === 'login') {
        const username = this.options.usernames[this.next.login++ % this.options.usernames.length]!;
        const res = await this.send('POST', '/api/v1/login', undefined, { username, password: this.options.password });
        const sessionId = res.status === 200 ? (JSON.parse(res.body) as { sessionId?: unknown }).sessionId : undefined;
        if (typeof sessionId !== 'string') return done(`login answered ${res.status}`);
        this.pool.push(sessionId);
        return done();
      }
      const target = this.head < this.pool.length ? this.pool[this.head++] : undefined;
      if (target === undefined) return done(`no session left to ${kind === 'logout' ? 'log out' : 'invalidate'}`);
      if (kind === 'logout') {
        const res = await this.send('POST', '/api/v1/logout', target);
        return done(res.status === 200 ? undefined : `logout answered ${res.status}`);
      }
      const caller = this.options.checked[this.next.check++ % this.options.checked.length]!;
      const res = await this.send('POST', '/api/v1/sessions/invalidate', caller, { sessionIds: [target] });
      const ok = res.status === 200 && (JSON.parse(res.body) as { results?: Array<{ success?: boolean }> }).results?.[0]?.success === true;
      return done(ok ? undefined : `invalidateSessions answered ${res.status}${res.status === 200 ? ' with success false' : ''}`);
    } catch (error) {
      return done(`${kind}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private send(method: 'GET' | 'POST', path: string, sessionId?: string, body?: unknown): Promise<{ status: number; body: string }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = {};
    if (sessionId) headers.authorization = `Bearer ${sessionId}`;
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    return new Promise((resolve, reject) => {
      const req = request(
        { host: this.base.hostname, port: this.base.port, path, method, headers, agent: this.agent, timeout: 10_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
      req.on('error', reject);
      req.end(payload);
    });
  }
}
