import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SCRYPT } from '../../src/core/password.ts';
import type { Row } from '../results.ts';
import { BENCH_PASSWORD, seedSqlite } from '../seed-sqlite.ts';
import { percentile } from '../sequential.ts';
import { startSessiond } from '../sessiond-server.ts';
import { WebBrowser } from '../web-browser.ts';
import type { BenchContext } from './context.ts';
import { removeSqliteFiles } from './validate-sqlite.ts';

/**
 * The web tier's project open (GET /web/projects/{project}), pooled vs fresh, through the real
 * routes with an ESM that pools every server session on logout. Each round: sign in, open a
 * project never opened before (fresh: a new upstream login), open the `pooled` project (from
 * the second round on, the server session the last round released), sign out. A pooled open
 * must show the same server session handle as the round before, or the run fails.
 */
const LABEL = 'web tier: project open, pooled vs fresh';
export const WEB_FLOOR_ID = 'web-floor-livez';
/** Rounds that read the server's own time per open (at most; fewer in the quick mode). */
const SERVER_TIME_ROUNDS = 30;
const OPEN_ROUTE_SUM = 'sessiond_http_request_duration_seconds_sum{method="GET",route="/web/projects/:project",';

/** The server's total time so far answering GET /web/projects/{project} (all statuses), in ms. */
async function openDurationSumMs(browser: WebBrowser): Promise<number> {
  const res = await browser.request('GET', '/metrics');
  if (res.status !== 200) throw new Error(`GET /metrics answered ${res.status}`);
  let sum = 0;
  for (const line of res.html.split('\n')) if (line.startsWith(OPEN_ROUTE_SUM)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum * 1000;
}

const ms = (values: number[]) => `${percentile(values, 50).toFixed(2)} ms`;

export async function webPool(ctx: BenchContext): Promise<Row[]> {
  const skip = (reason: string): Row[] => [{ status: 'skipped', group: 'web', id: 'web-pooled-open', label: LABEL, reason }];
  if (!existsSync(join('src', 'web', 'project-routes.ts'))) return skip('src/web has no project routes in this tree');

  const dbPath = join(ctx.workDir, 'sessiond-web.db');
  try {
    const seeded = await seedSqlite({ path: dbPath, sessions: 1000, keepIds: 0, scrypt: DEFAULT_SCRYPT });
    const server = await startSessiond({
      name: 'sessiond-web',
      store: `sqlite:${dbPath}`,
      logDir: ctx.workDir,
      env: { SESSIOND_ESM: join('bench', 'esm', 'pool-on-logout.ts') },
    });
    try {
      const probe = await fetch(`${server.url}/web/login`);
      await probe.arrayBuffer();
      if (probe.status === 404) return skip('the server does not route /web/login: the web tier is not mounted in this tree');

      const browser = new WebBrowser(server.url);
      const fresh: number[] = [];
      const pooled: number[] = [];
      let lastPooledHandle: string | undefined;
      const timedGet = async (path: string) => {
        const t0 = process.hrtime.bigint();
        const res = await browser.request('GET', path);
        return { res, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
      };
      const open = async (project: string) => {
        const { res, ms } = await timedGet(`/web/projects/${project}`);
        const handle = /id="handle">([^<]+)</.exec(res.html)?.[1];
        if (res.status !== 200 || !handle) throw new Error(`opening project ${project} answered ${res.status}`);
        return { ms, handle };
      };
      const signIn = async () => {
        await browser.request('GET', '/web/login');
        await browser.submit('/web/login', { username: seeded.username, password: BENCH_PASSWORD, project: 'default' });
      };
      const round = async (index: number, timed: (f: number, p: number) => void, between: () => Promise<void> = async () => {}) => {
        await signIn();
        await between();
        const f = await open(`fresh-${index}`);
        await between();
        const p = await open('pooled');
        await between();
        if (lastPooledHandle !== undefined && p.handle !== lastPooledHandle) {
          throw new Error(`round ${index}: the pooled project got a new server session, not the pooled one`);
        }
        if (lastPooledHandle !== undefined) timed(f.ms, p.ms);
        lastPooledHandle = p.handle;
        await browser.submit('/web/logout', {});
      };
      for (let i = 0; i <= ctx.mode.webOpens; i++) {
        await round(i, (f, p) => {
          fresh.push(f);
          pooled.push(p);
        });
      }

      // The server's own time per open (Fastify's reply.elapsedTime, onRequest to onResponse),
      // from its request-duration histogram: /metrics is read around each open, so these
      // rounds are separate from the timed ones above.
      const metricsBrowser = new WebBrowser(server.url);
      const sums: number[] = [];
      const readSum = async () => void sums.push(await openDurationSumMs(metricsBrowser));
      const serverFresh: number[] = [];
      const serverPooled: number[] = [];
      const serverRounds = Math.min(ctx.mode.webOpens, SERVER_TIME_ROUNDS);
      for (let i = 0; i < serverRounds; i++) {
        sums.length = 0;
        await round(ctx.mode.webOpens + 1 + i, () => {
          serverFresh.push(sums[1]! - sums[0]!);
          serverPooled.push(sums[2]! - sums[1]!);
        }, readSum);
      }
      // The floor at the pooled open's place: the server's cheapest route (GET /livez), asked
      // right after a fresh open, as the pooled open is. No route answers faster from there.
      const floor: number[] = [];
      for (let i = 0; i < ctx.mode.webOpens; i++) {
        await signIn();
        await open(`floor-${i}`);
        const { res, ms } = await timedGet('/livez');
        if (res.status !== 200) throw new Error(`GET /livez answered ${res.status}`);
        floor.push(ms);
        await browser.submit('/web/logout', {});
      }
      browser.close();
      metricsBrowser.close();
      await server.stop();
      const speedup = percentile(fresh, 50) / percentile(pooled, 50);
      const common = { status: 'ok' as const, group: 'web' as const, peakRssBytes: server.peakRss(), connections: 1 };
      return [
        {
          ...common,
          id: 'web-fresh-open',
          label: 'web project open, fresh (new upstream login, local upstream)',
          p50Ms: percentile(fresh, 50),
          p99Ms: percentile(fresh, 99),
          note: `${fresh.length} opens, one at a time`,
        },
        {
          ...common,
          id: 'web-pooled-open',
          label: 'web project open, pooled (same server session reused)',
          p50Ms: percentile(pooled, 50),
          p99Ms: percentile(pooled, 99),
          note: `${pooled.length} opens; ${speedup.toFixed(2)}× faster than fresh (p50); in the server (reply.elapsedTime, p50 of ${serverPooled.length}): pooled ${ms(serverPooled)}, fresh ${ms(serverFresh)} (${(percentile(serverFresh, 50) / percentile(serverPooled, 50)).toFixed(1)}×); a pooled open is an alive check at the upstream and one web-session write (not fsync'd on SQLite); the reuse's metric, log line and audit record follow the answer; client: node:http, one kept-alive connection`,
          extra: { speedup, serverPooledP50Ms: percentile(serverPooled, 50), serverFreshP50Ms: percentile(serverFresh, 50) },
        },
        {
          ...common,
          id: WEB_FLOOR_ID,
          label: 'floor: GET /livez right after a fresh open (the pooled open\'s place)',
          p50Ms: percentile(floor, 50),
          p99Ms: percentile(floor, 99),
          note: `${floor.length} rounds (sign in, fresh open, /livez, sign out); the server's cheapest route, so no open answers faster from there`,
        },
      ];
    } finally {
      await server.stop();
    }
  } finally {
    removeSqliteFiles(dbPath);
  }
}
