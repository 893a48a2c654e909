import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SCRYPT } from '../src/core/password.ts';
import { killAllNow, launch, stopAll } from './launcher.ts';
import { runLoad } from './load.ts';
import { scriptArgs } from './script-args.ts';
import { seedSqlite } from './seed-sqlite.ts';
import { seedThroughStore, throwawayPostgres, throwawayRedis, type StoreUnderTest } from './scenarios/other-stores.ts';

/**
 * `npx tsx bench/ab-validation.ts <rounds> <seconds> [--store=postgres|redis] [--cache-ms=N] [--rate=N] [--bare] <dir> [<dir> ...]`:
 * A/B of sessiond checkouts (each <dir> a work tree with node_modules) on the validation route,
 * back to back: each round runs every checkout (and, with --bare, the bare Fastify peer) on the
 * same seeded store for <seconds> after a 2 s warm-up, and prints server CPU µs per request and
 * req/s. On a shared machine CPU per request is the figure to compare, best at a fixed --rate
 * (requests a second) every server keeps up with; the rounds show its spread.
 */
const { values, positionals } = scriptArgs(
  'npx tsx bench/ab-validation.ts <rounds> <seconds> [--store=postgres|redis] [--cache-ms=N] [--rate=N] [--bare] <dir> [<dir> ...]',
  { store: { type: 'string' }, 'cache-ms': { type: 'string' }, rate: { type: 'string' }, bare: { type: 'boolean' } },
);
const rounds = Number(positionals[0] ?? 3);
const seconds = Number(positionals[1] ?? 5);
const dirs = positionals.slice(2).map((d) => resolve(d));
const storeKind = values.store ?? 'sqlite';
const cacheMs = values['cache-ms'];
const bare = values.bare === true;
const rate = values.rate === undefined ? undefined : Number(values.rate);
const here = join(fileURLToPath(new URL('.', import.meta.url)), '..');
process.chdir(here);
const workDir = mkdtempSync(join(tmpdir(), 'sessiond-ab-'));
process.on('exit', killAllNow);
process.once('SIGINT', () => void stopAll().finally(() => process.exit(130)));

let target: StoreUnderTest | undefined;
try {
  let env: Record<string, string>;
  let ids: string[];
  if (storeKind === 'sqlite') {
    const dbPath = join(workDir, 'sessiond.db');
    ids = (await seedSqlite({ path: dbPath, sessions: 10_000, keepIds: 1000, scrypt: DEFAULT_SCRYPT })).ids;
    env = { SESSIOND_STORE: `sqlite:${dbPath}` };
  } else {
    target = storeKind === 'postgres' ? await throwawayPostgres() : throwawayRedis();
    env = target.env;
    ids = (await seedThroughStore(env, 10_000)).ids;
  }
  if (cacheMs !== undefined) env = { ...env, SESSIOND_CACHE_MAX_AGE_MS: cacheMs };
  const headerSets = ids.map((id) => ({ authorization: `Bearer ${id}` }));
  const variants = [...(bare ? [{ name: 'bare', dir: here, isBare: true }] : []), ...dirs.map((dir) => ({ name: dir, dir, isBare: false }))];
  const results = new Map<string, string[]>();
  for (let round = 0; round < rounds; round++) {
    for (const v of variants) {
      const server = await launch({
        name: `ab-${round}-${v.isBare ? 'bare' : v.dir.replace(/\W+/g, '_')}`,
        args: v.isBare ? ['bench/peers/bare-fastify.mjs'] : ['--import', 'tsx', 'src/cli/main.ts', 'serve'],
        cwd: v.dir,
        env: { ...env, SESSIOND_LOGINS_PER_USER_PER_HOUR: '100000000' },
        logDir: workDir,
        readyPath: v.isBare ? '/session' : '/healthz',
        readyTimeoutMs: 60_000,
      });
      const options = { url: `${server.url}${v.isBare ? '/session' : '/api/v1/session'}`, headers: headerSets[0]!, headerSets, connections: 50, warmupSec: 2, ...(rate !== undefined ? { overallRate: rate } : {}) };
      const load = await runLoad({ ...options, durationSec: seconds, serverPid: server.pid });
      await server.stop();
      const line = `${load.cpuUsPerRequest!.toFixed(1)} µs/req ${Math.round(load.requestsPerSec)} req/s`;
      results.set(v.name, [...(results.get(v.name) ?? []), line]);
      process.stdout.write(`round ${round} ${v.name}: ${line}\n`);
    }
  }
  for (const [name, lines] of results) process.stdout.write(`${name}: ${lines.join(' | ')}\n`);
} finally {
  await stopAll();
  await target?.cleanup();
  rmSync(workDir, { recursive: true, force: true });
}
