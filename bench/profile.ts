import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SCRYPT } from '../src/core/password.ts';
import { killAllNow, launch, stopAll } from './launcher.ts';
import { runLoad } from './load.ts';
import { scriptArgs } from './script-args.ts';
import { seedSqlite } from './seed-sqlite.ts';
import { seedThroughStore, throwawayPostgres, throwawayRedis, type StoreUnderTest } from './scenarios/other-stores.ts';

/**
 * `npx tsx bench/profile.ts [sessions] [seconds] [--bare] [--store=postgres|redis] [--cache-ms=N]`:
 * runs sessiond (or, with --bare, the bare Fastify peer) under `node --cpu-prof` on a seeded
 * store (SQLite unless --store names a throwaway PostgreSQL database or Redis prefix, seeded as
 * the bench's other-stores scenario does), loads its validation route (after a 2 s warm-up),
 * stops it, and prints where its CPU time went during the measured load, per request (self and
 * inclusive time by function). --cache-ms sets SESSIOND_CACHE_MAX_AGE_MS. The .cpuprofile is
 * kept for Chrome DevTools.
 */
const { values, positionals: positional } = scriptArgs('npx tsx bench/profile.ts [sessions] [seconds] [--bare] [--store=postgres|redis] [--cache-ms=N]', {
  bare: { type: 'boolean' },
  store: { type: 'string' },
  'cache-ms': { type: 'string' },
});
const bare = values.bare === true;
const storeKind = values.store ?? 'sqlite';
const cacheMs = values['cache-ms'];
if (!['sqlite', 'postgres', 'redis'].includes(storeKind)) throw new Error(`--store: sqlite, postgres or redis, not ${storeKind}`);
const sessions = Number(positional[0] ?? 10_000);
const seconds = Number(positional[1] ?? 5);
process.chdir(join(fileURLToPath(new URL('.', import.meta.url)), '..'));
const workDir = mkdtempSync(join(tmpdir(), 'sessiond-profile-'));
process.on('exit', killAllNow);
process.once('SIGINT', () => void stopAll().finally(() => process.exit(130)));

interface ProfileNode {
  id: number;
  hitCount?: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  /** Microseconds between one sample and the one before it (the first: since startTime). */
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${url.replace(/^file:\/\/.*?\/(node_modules|src)\//, '$1/')}:${lineNumber + 1}` : '(native)';
  return `${functionName || '(anonymous)'}  ${where}`;
}

/**
 * Self and inclusive time in µs by function (a function is counted once per stack), over the
 * samples taken between `from` and `to` (µs on the profile's clock): start-up and module loading
 * stay out of the figures.
 */
function summarize(profile: CpuProfile, from: number, to: number): { self: Map<string, number>; inclusive: Map<string, number> } {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const timeById = new Map<number, number>();
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < from || at > to) continue;
    const id = profile.samples[i]!;
    timeById.set(id, (timeById.get(id) ?? 0) + delta);
  }
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = timeById.get(node.id) ?? 0;
    if (hits === 0) continue;
    const name = frameName(node);
    self.set(name, (self.get(name) ?? 0) + hits);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const frame = frameName(byId.get(id)!);
      if (seen.has(frame)) continue;
      seen.add(frame);
      inclusive.set(frame, (inclusive.get(frame) ?? 0) + hits);
    }
  }
  return { self, inclusive };
}

let target: StoreUnderTest | undefined;
try {
  const dbPath = join(workDir, 'sessiond.db');
  // Requests rotate over 1,000 sessions, as the bench's validation scenario does.
  let seeded: { ids: string[] };
  let env: Record<string, string> = { SESSIOND_STORE: `sqlite:${dbPath}` };
  if (storeKind === 'sqlite') {
    seeded = await seedSqlite({ path: dbPath, sessions, keepIds: Math.min(1000, sessions), scrypt: DEFAULT_SCRYPT });
  } else {
    target = storeKind === 'postgres' ? await throwawayPostgres() : throwawayRedis();
    env = target.env;
    seeded = await seedThroughStore(env, sessions);
  }
  if (cacheMs !== undefined) env = { ...env, SESSIOND_CACHE_MAX_AGE_MS: cacheMs };
  const profileFlags = ['--cpu-prof', `--cpu-prof-dir=${workDir}`, '--cpu-prof-interval=100'];
  const server = await launch({
    name: bare ? 'bare-profiled' : 'sessiond-profiled',
    args: [...profileFlags, ...(bare ? ['bench/peers/bare-fastify.mjs'] : ['--import', 'tsx', 'src/cli/main.ts', 'serve'])],
    env,
    logDir: workDir,
    readyPath: bare ? '/session' : '/healthz',
  });
  const headerSets = seeded.ids.map((id) => ({ authorization: `Bearer ${id}` }));
  const loadOptions = {
    url: `${server.url}${bare ? '/session' : '/api/v1/session'}`,
    headers: headerSets[0]!,
    headerSets,
    connections: 50,
    warmupSec: 0,
  };
  await runLoad({ ...loadOptions, durationSec: 2 });
  const loadStart = performance.now();
  const load = await runLoad({ ...loadOptions, durationSec: seconds, serverPid: server.pid });
  const loadEnd = performance.now();
  await server.stop();
  const stopped = performance.now();
  process.stdout.write(
    `${Math.round(load.requestsPerSec)} req/s, p50 ${load.p50Ms} ms, p99 ${load.p99Ms} ms, ${load.cpuUsPerRequest?.toFixed(1)} µs CPU/req under the profiler\n`,
  );

  const file = readdirSync(workDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no .cpuprofile was written');
  const profile = JSON.parse(readFileSync(join(workDir, file), 'utf8')) as CpuProfile;
  // Per request: the time sampled during the measured load divided by the requests answered.
  // The profile ends when the server stops, so the load's window is placed back from its end.
  const from = profile.endTime - (stopped - loadStart) * 1000;
  const to = profile.endTime - (stopped - loadEnd) * 1000;
  const perRequest = (us: number) => `${(us / load.requests).toFixed(1).padStart(6)} µs/req`;
  const { self, inclusive } = summarize(profile, from, to);
  process.stdout.write('\nself time\n');
  for (const [key, hits] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25)) process.stdout.write(`${perRequest(hits)}  ${key}\n`);
  process.stdout.write('\ninclusive time\n');
  for (const [key, hits] of [...inclusive.entries()].sort((a, b) => b[1] - a[1]).slice(0, 60)) process.stdout.write(`${perRequest(hits)}  ${key}\n`);
  const keep = join(tmpdir(), `${bare ? 'bare' : 'sessiond'}-validation-${Date.now()}.cpuprofile`);
  rmSync(keep, { force: true });
  copyFileSync(join(workDir, file), keep);
  process.stdout.write(`profile: ${keep}\n`);
} finally {
  await stopAll();
  await target?.cleanup();
  rmSync(workDir, { recursive: true, force: true });
}
