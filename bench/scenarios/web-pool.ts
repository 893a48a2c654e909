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
      const open = async (project: string) => {
        const t0 = process.hrtime.bigint();
        const res = await browser.request('GET', `/web/projects/${project}`);
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        const handle = /id="handle">([^<]+)</.exec(res.html)?.[1];
        if (res.status !== 200 || !handle) throw new Error(`opening project ${project} answered ${res.status}`);
        return { ms, handle };
      };
      for (let round = 0; round <= ctx.mode.webOpens; round++) {
        await browser.request('GET', '/web/login');
        await browser.submit('/web/login', { username: seeded.username, password: BENCH_PASSWORD, project: 'default' });
        const f = await open(`fresh-${round}`);
        const p = await open('pooled');
        if (round > 0) {
          if (p.handle !== lastPooledHandle) throw new Error(`round ${round}: the pooled project got a new server session, not the pooled one`);
          fresh.push(f.ms);
          pooled.push(p.ms);
        }
        lastPooledHandle = p.handle;
        await browser.submit('/web/logout', {});
      }
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
          note: `${pooled.length} opens; ${speedup.toFixed(2)}× faster than fresh (p50); a pooled open is an alive check at the upstream and one web-session write (not fsync'd on SQLite); the reuse audit record is written after the answer`,
          extra: { speedup },
        },
      ];
    } finally {
      await server.stop();
    }
  } finally {
    removeSqliteFiles(dbPath);
  }
}
