import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SCRYPT } from '../src/core/password.ts';
import { killAllNow, stopAll, type Launched } from './launcher.ts';
import { runLoad } from './load.ts';
import { rotated } from './rounds.ts';
import { scriptArgs } from './script-args.ts';
import { seedSqlite } from './seed-sqlite.ts';
import { memoryAndGcs, readMetrics } from './server-metrics.ts';
import { startSessiond } from './sessiond-server.ts';

/**
 * `npx tsx bench/many-servers.ts [<servers> [<rounds>]] [--node-flags="…"] [--odd-node-flags="…"] [--keep-logs]`: starts several
 * sessiond servers of the same code, each on its own copy of one seeded 10 k-session SQLite
 * store, loads them in rotating rounds of 5 s (GET /api/v1/session, the Bearer rotating over
 * 1,000 sessions, 50 connections) and prints each server's CPU a check per round and its GCs
 * and memory at the end (from its /metrics). Servers of the same code should be alike; one that
 * is not shows a process state, not the code or the store. It found V8's allocation-site
 * pretenuring (bench/NOTES.md, "The slow 10 k server"): `--node-flags=--allocation-site-pretenuring`
 * turns it back on (the flags come after bench/server-node-flags.ts's, so they win).
 * `--odd-node-flags="…"` gives every second server (the 2nd, 4th, …) these flags instead, so
 * two sets of flags are compared side by side, in the same rounds. The servers' logs go in a
 * scratch directory that is removed at the end unless --keep-logs.
 */
const { values, positionals } = scriptArgs('npx tsx bench/many-servers.ts [<servers> [<rounds>]] [--node-flags="…"] [--odd-node-flags="…"] [--keep-logs]', {
  'node-flags': { type: 'string' },
  'odd-node-flags': { type: 'string' },
  'keep-logs': { type: 'boolean' },
});
const servers = Number(positionals[0] ?? 6);
const rounds = Number(positionals[1] ?? 6);
const flagList = (value: string | undefined) => value?.split(' ').filter(Boolean);
const nodeFlags = flagList(values['node-flags']) ?? [];
const oddNodeFlags = flagList(values['odd-node-flags']) ?? nodeFlags;
/** The node flags of the i-th server started (from 0). */
const flagsOf = (i: number) => (i % 2 === 1 ? oddNodeFlags : nodeFlags);
const keepLogs = values['keep-logs'] === true;
const workDir = mkdtempSync(join(tmpdir(), 'sessiond-many-'));
process.on('exit', killAllNow);
process.once('SIGINT', () => void stopAll().finally(() => process.exit(130)));

try {
  const seedPath = join(workDir, 'seed.db');
  const seeded = await seedSqlite({ path: seedPath, sessions: 10_000, keepIds: 1000, scrypt: DEFAULT_SCRYPT });
  const headerSets = seeded.ids.map((id) => ({ authorization: `Bearer ${id}` }));
  const started: Launched[] = [];
  for (let i = 0; i < servers; i++) {
    const path = join(workDir, `server-${i}.db`);
    copyFileSync(seedPath, path);
    started.push(await startSessiond({ name: `server-${i}`, store: `sqlite:${path}`, logDir: workDir, nodeFlags: flagsOf(i) }));
  }
  const load = (server: Launched, durationSec: number, warmupSec: number) =>
    runLoad({ url: `${server.url}/api/v1/session`, headers: headerSets[0]!, headerSets, connections: 50, durationSec, warmupSec, serverPid: server.pid });
  for (const server of started) await load(server, 5, 5);
  const perRound = new Map<string, string[]>(started.map((s) => [s.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const server of rotated(started, round)) {
      const result = await load(server, 5, 1);
      perRound.get(server.name)!.push(`${result.cpuUsPerRequest!.toFixed(0)} µs`);
    }
    process.stdout.write(`round ${round + 1}/${rounds} done\n`);
  }
  for (const [i, server] of started.entries()) {
    const flags = flagsOf(i);
    process.stdout.write(`${server.name}${flags.length > 0 ? ` (${flags.join(' ')})` : ''}: CPU a check ${perRound.get(server.name)!.join(', ')}; ${memoryAndGcs(await readMetrics(server.url))}; peak RSS ${(server.peakRss() / 2 ** 20).toFixed(0)} MB\n`);
  }
} finally {
  await stopAll();
  if (keepLogs) process.stdout.write(`logs kept in ${workDir}\n`);
  else rmSync(workDir, { recursive: true, force: true });
}
