import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SCRYPT } from '../src/core/password.ts';
import { killAllNow, launch, stopAll } from './launcher.ts';
import { runLoad } from './load.ts';
import { seedSqlite } from './seed-sqlite.ts';

/**
 * `npx tsx bench/profile.ts [sessions] [seconds] [--bare]`: runs sessiond (or, with --bare, the
 * bare Fastify peer) under `node --cpu-prof` on a seeded SQLite store, loads its validation
 * route, stops it, and prints where its CPU time went, per request (self and inclusive time
 * by function). The .cpuprofile is kept for Chrome DevTools.
 */
const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const bare = process.argv.includes('--bare');
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
  startTime: number;
  endTime: number;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${url.replace(/^file:\/\/.*?\/(node_modules|src)\//, '$1/')}:${lineNumber + 1}` : '(native)';
  return `${functionName || '(anonymous)'}  ${where}`;
}

/** Self and inclusive sample counts by function (a function is counted once per stack). */
function summarize(profile: CpuProfile): { self: Map<string, number>; inclusive: Map<string, number> } {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
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

try {
  const dbPath = join(workDir, 'sessiond.db');
  const seeded = await seedSqlite({ path: dbPath, sessions, keepIds: 1, scrypt: DEFAULT_SCRYPT });
  const profileFlags = ['--cpu-prof', `--cpu-prof-dir=${workDir}`, '--cpu-prof-interval=100'];
  const server = await launch({
    name: bare ? 'bare-profiled' : 'sessiond-profiled',
    args: [...profileFlags, ...(bare ? ['bench/peers/bare-fastify.mjs'] : ['--import', 'tsx', 'src/cli/main.ts', 'serve'])],
    env: { SESSIOND_STORE: `sqlite:${dbPath}` },
    logDir: workDir,
    readyPath: bare ? '/session' : '/healthz',
  });
  const load = await runLoad({
    url: `${server.url}${bare ? '/session' : '/api/v1/session'}`,
    headers: { authorization: `Bearer ${seeded.ids[0]!}` },
    connections: 32,
    durationSec: seconds,
    warmupSec: 1,
  });
  await server.stop();
  process.stdout.write(`${Math.round(load.requestsPerSec)} req/s, p50 ${load.p50Ms} ms, p99 ${load.p99Ms} ms under the profiler\n`);

  const file = readdirSync(workDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no .cpuprofile was written');
  const profile = JSON.parse(readFileSync(join(workDir, file), 'utf8')) as CpuProfile;
  // Per request: the sampled time divided by the requests answered (warm-up included).
  const usPerSample = (profile.endTime - profile.startTime) / profile.samples.length;
  const requests = load.requests * (1 + 1 / seconds);
  const perRequest = (hits: number) => `${((hits * usPerSample) / requests).toFixed(1).padStart(6)} µs/req`;
  const { self, inclusive } = summarize(profile);
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
  rmSync(workDir, { recursive: true, force: true });
}
