import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SCRYPT } from '../src/core/password.ts';
import { killAllNow, launch, stopAll } from './launcher.ts';
import { runLoad } from './load.ts';
import { seedSqlite } from './seed-sqlite.ts';

/**
 * `npx tsx bench/profile.ts [sessions] [seconds]`: runs sessiond under `node --cpu-prof` on a
 * seeded SQLite store, loads GET /api/v1/session, stops it, and prints where its CPU time went
 * (self time by function). The .cpuprofile is kept for Chrome DevTools.
 */
const sessions = Number(process.argv[2] ?? 10_000);
const seconds = Number(process.argv[3] ?? 5);
process.chdir(join(fileURLToPath(new URL('.', import.meta.url)), '..'));
const workDir = mkdtempSync(join(tmpdir(), 'sessiond-profile-'));
process.on('exit', killAllNow);
process.once('SIGINT', () => void stopAll().finally(() => process.exit(130)));

interface ProfileNode {
  id: number;
  hitCount?: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

try {
  const dbPath = join(workDir, 'sessiond.db');
  const seeded = await seedSqlite({ path: dbPath, sessions, keepIds: 1, scrypt: DEFAULT_SCRYPT });
  const server = await launch({
    name: 'sessiond-profiled',
    args: ['--cpu-prof', `--cpu-prof-dir=${workDir}`, '--import', 'tsx', 'src/cli/main.ts', 'serve'],
    env: { SESSIOND_STORE: `sqlite:${dbPath}` },
    logDir: workDir,
    readyPath: '/healthz',
  });
  const load = await runLoad({
    url: `${server.url}/api/v1/session`,
    headers: { authorization: `Bearer ${seeded.ids[0]!}` },
    connections: 32,
    durationSec: seconds,
    warmupSec: 1,
  });
  await server.stop();
  process.stdout.write(`${Math.round(load.requestsPerSec)} req/s, p50 ${load.p50Ms} ms, p99 ${load.p99Ms} ms under the profiler\n`);

  const file = readdirSync(workDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('no .cpuprofile was written');
  const profile = JSON.parse(readFileSync(join(workDir, file), 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
  const total = profile.samples.length;
  const self = new Map<string, number>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${url.replace(/^file:\/\/.*?\/(node_modules|src)\//, '$1/')}:${lineNumber + 1}` : '(native)';
    const key = `${functionName || '(anonymous)'}  ${where}`;
    self.set(key, (self.get(key) ?? 0) + (node.hitCount ?? 0));
  }
  const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30);
  for (const [key, hits] of top) process.stdout.write(`${((hits / total) * 100).toFixed(1).padStart(5)} %  ${key}\n`);
  const keep = join(tmpdir(), `sessiond-validation-${Date.now()}.cpuprofile`);
  rmSync(keep, { force: true });
  readFileSync(join(workDir, file));
  await import('node:fs').then((fs) => fs.copyFileSync(join(workDir, file), keep));
  process.stdout.write(`profile: ${keep}\n`);
} finally {
  await stopAll();
  rmSync(workDir, { recursive: true, force: true });
}
