import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SCRYPT } from '../../src/core/password.ts';
import { launch, type Launched } from '../launcher.ts';
import { runLoad, type LoadResult } from '../load.ts';
import type { MeasuredRow, Row } from '../results.ts';
import { median, medianRun, rotated } from '../rounds.ts';
import { seedSqlite } from '../seed-sqlite.ts';
import { startSessiond } from '../sessiond-server.ts';
import { expectJson, measureValidation, type BenchContext } from './context.ts';
import { peer } from './peers.ts';

/**
 * Requests rotate over this many sessions spread through the file, so a larger store cannot
 * look flat just because one session's pages stay cached.
 */
export const ROTATE_OVER = 1000;

export function sizeLabel(size: number): string {
  return size >= 1_000_000 ? `${size / 1_000_000}m` : `${size / 1000}k`;
}

export function removeSqliteFiles(path: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
}

/** One server loaded in the rounds, and the row it becomes. */
interface Participant {
  id: string;
  label: string;
  note: string;
  server: Launched;
  path: string;
  headerSets?: ReadonlyArray<Record<string, string>>;
  runs: LoadResult[];
}

/** Each round's rate of one row over another's in that round, and their median. */
export function pairedRatio(runs: readonly LoadResult[], against: readonly LoadResult[] | undefined): { median: number; each: string } | undefined {
  if (!against || against.length !== runs.length || runs.length === 0) return undefined;
  const ratios = runs.map((r, i) => r.requestsPerSec / against[i]!.requestsPerSec);
  return { median: median(ratios), each: ratios.map((n) => n.toFixed(2)).join(', ') };
}

export interface ValidationRoundsPlan {
  /** The bare Fastify route, the ceiling the validation targets are ratios of. */
  bare: boolean;
  /** SQLite store sizes, each on its own seeded file and server. */
  sizes: readonly number[];
  /** After the rounds, this size runs once more with the validation cache off (not a target). */
  uncachedSize?: number;
}

/**
 * "Is this session valid, and whose is it?" on the bare Fastify route and on sessiond over SQLite
 * at each store size (`GET /api/v1/session` with a valid Bearer ID, sessiond as it ships: the
 * validated-session cache on). Every file is seeded first (outside the measured time; how long
 * it took and the file's size are reported); then every server runs at once and they are loaded
 * in turn, in rounds, each reported as the median of its rounds (bench/rounds.ts): the 10 k, 1 M
 * and 10 M figures and the bare route they are divided by come from the same minutes. The targets
 * are judged on paired ratios: in each round a row's rate divided by the bare route's (or the
 * 10 k store's) of that same round, and the median of those. This VM's speed moves by 2× over
 * tens of seconds; a ratio of two medians can pair one row's fast minute with another's slow one,
 * a ratio taken within a round cannot. Many short rounds instead of three long ones, for the same.
 */
export async function validationRounds(ctx: BenchContext, plan: ValidationRoundsPlan): Promise<Row[]> {
  const rounds = ctx.mode.name === 'quick' ? 1 : 6;
  const runSec = ctx.mode.name === 'quick' ? ctx.mode.durationSec : ctx.mode.durationSec / 2;
  const runWarmupSec = Math.min(1, ctx.mode.warmupSec);
  const files: string[] = [];
  const participants: Participant[] = [];
  try {
    const seededSizes = [];
    for (const size of plan.sizes) {
      const dbPath = join(ctx.workDir, `sessiond-${sizeLabel(size)}.db`);
      files.push(dbPath);
      const seeded = await seedSqlite({ path: dbPath, sessions: size, keepIds: ROTATE_OVER, scrypt: DEFAULT_SCRYPT });
      const fileMb = statSync(dbPath).size / 2 ** 20;
      ctx.print(`  seeded ${size.toLocaleString('en')} sessions in ${(seeded.seedMs / 1000).toFixed(1)} s (${fileMb.toFixed(0)} MB)`);
      seededSizes.push({ size, dbPath, seeded, seeding: `seeded in ${(seeded.seedMs / 1000).toFixed(0)} s, file ${fileMb.toLocaleString('en', { maximumFractionDigits: 0 })} MB` });
    }

    if (plan.bare) {
      const server = await launch({ name: 'bare-fastify', args: peer('bare-fastify.mjs'), logDir: ctx.workDir, readyPath: '/session' });
      participants.push({ id: 'bare-fastify', label: 'bare Fastify route (ceiling)', note: 'fixed JSON user, no lookup', server, path: '/session', runs: [] });
    }
    for (const { size, dbPath, seeded, seeding } of seededSizes) {
      const server = await startSessiond({ name: `sessiond-sqlite-${sizeLabel(size)}`, store: `sqlite:${dbPath}`, logDir: ctx.workDir });
      const headerSets = seeded.ids.map((id) => ({ authorization: `Bearer ${id}` }));
      const check = (await expectJson(await fetch(`${server.url}/api/v1/session`, { headers: headerSets[0]! }))) as { username?: string };
      if (check.username !== seeded.username) throw new Error('GET /api/v1/session did not answer the seeded session');
      participants.push({
        id: `sessiond-sqlite-${sizeLabel(size)}`,
        label: `sessiond GET /api/v1/session, SQLite, ${size.toLocaleString('en')} sessions`,
        note: `Bearer rotates over ${headerSets.length.toLocaleString('en')} sessions; ${seeding}`,
        server,
        path: '/api/v1/session',
        headerSets,
        runs: [],
      });
    }

    const load = (p: Participant, durationSec: number, warmupSec: number) =>
      runLoad({
        url: p.server.url + p.path,
        headers: p.headerSets?.[0] ?? {},
        ...(p.headerSets ? { headerSets: p.headerSets } : {}),
        connections: ctx.mode.connections,
        durationSec,
        warmupSec,
        serverPid: p.server.pid,
      });
    // Thrown away: a server's first seconds (module loading, JIT) are far slower than the rest.
    ctx.print('  warm-up of every server…');
    for (const p of participants) await load(p, ctx.mode.warmupSec, ctx.mode.warmupSec);
    for (let round = 0; round < rounds; round++) {
      for (const p of rotated(participants, round)) {
        ctx.print(`  round ${round + 1}/${rounds}: ${p.label}…`);
        p.runs.push(await load(p, runSec, runWarmupSec));
      }
    }
    const bareRuns = participants.find((p) => p.id === 'bare-fastify')?.runs;
    const smallRuns = participants.find((p) => p.id === 'sessiond-sqlite-10k')?.runs;

    const rows: Row[] = [];
    for (const p of participants) {
      await p.server.stop();
      const { perSec, nearest, each } = medianRun(p.runs);
      const isSessiond = p.id !== 'bare-fastify';
      const toBare = isSessiond ? pairedRatio(p.runs, bareRuns) : undefined;
      const to10k = isSessiond && p.runs !== smallRuns ? pairedRatio(p.runs, smallRuns) : undefined;
      const paired = [
        toBare && `${toBare.median.toFixed(2)}× bare paired by round (${toBare.each})`,
        to10k && `${to10k.median.toFixed(2)}× the 10 k store paired by round (${to10k.each})`,
      ].filter(Boolean);
      const row: MeasuredRow = {
        status: 'ok',
        group: 'validation',
        id: p.id,
        label: p.label,
        perSec,
        p50Ms: nearest.p50Ms,
        p99Ms: nearest.p99Ms,
        peakRssBytes: p.server.peakRss(),
        connections: nearest.connections,
        ...(nearest.cpuUsPerRequest !== undefined ? { cpuUsPerRequest: nearest.cpuUsPerRequest } : {}),
        note: `${p.note}; ${rounds > 1 ? `median of ${rounds} runs of ${runSec} s (${each}/s), interleaved with the other validation rows above` : 'one run'}${paired.length ? `; ${paired.join('; ')}` : ''}`,
        ...(toBare || to10k
          ? { extra: { ...(toBare ? { pairedToBare: toBare.median } : {}), ...(to10k ? { pairedTo10k: to10k.median } : {}) } }
          : {}),
      };
      rows.push(row);
    }

    // What the cache buys: the same file once more, every check reading SQLite.
    const uncached = seededSizes.find((s) => s.size === plan.uncachedSize);
    if (uncached) {
      const server = await startSessiond({
        name: `sessiond-sqlite-${sizeLabel(uncached.size)}-nocache`,
        store: `sqlite:${uncached.dbPath}`,
        logDir: ctx.workDir,
        env: { SESSIOND_CACHE_MAX_AGE_MS: '0' },
      });
      const headerSets = uncached.seeded.ids.map((id) => ({ authorization: `Bearer ${id}` }));
      rows.push(
        await measureValidation(
          ctx,
          server,
          {
            id: `sessiond-sqlite-${sizeLabel(uncached.size)}-nocache`,
            label: `sessiond GET /api/v1/session, SQLite, ${uncached.size.toLocaleString('en')} sessions, cache off`,
            note: `Bearer rotates over ${headerSets.length.toLocaleString('en')} sessions; ${uncached.seeding}; SESSIOND_CACHE_MAX_AGE_MS=0 (every check reads SQLite), not the shipped default, not used for targets; one run, after the rounds`,
          },
          { path: '/api/v1/session', headers: headerSets[0]!, headerSets },
        ),
      );
    }
    return rows;
  } finally {
    for (const p of participants) await p.server.stop();
    for (const f of files) removeSqliteFiles(f);
  }
}
