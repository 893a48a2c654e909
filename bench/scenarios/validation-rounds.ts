import type { Launched } from '../launcher.ts';
import { runLoad, type LoadResult } from '../load.ts';
import type { MeasuredRow } from '../results.ts';
import { median, medianRun, rotated } from '../rounds.ts';
import { memoryAndGcs, metricValue, readMetrics } from '../server-metrics.ts';
import type { BenchContext } from './context.ts';

/** One server loaded in the rounds, and the row it becomes. */
export interface RoundParticipant {
  id: string;
  label: string;
  note: string;
  server: Launched;
  path: string;
  headerSets?: ReadonlyArray<Record<string, string>>;
  /** A peer stack (peers.ts): no sessiond /metrics to read; its row carries sessiond's rate over its own, paired by round. */
  peer?: boolean;
}

/** The sessiond rows a peer's row is compared with, and the extra each ratio is kept under (the targets read them). */
const OVER_PEER = [
  { id: 'sessiond-sqlite-1m', key: 'pairedSessiond1m', what: 'sessiond with 1 M sessions' },
  { id: 'sessiond-sqlite-10k', key: 'pairedSessiond10k', what: 'sessiond with 10 k sessions' },
] as const;

/** A run's rate: what most ratios compare. */
const rate = (r: LoadResult) => r.requestsPerSec;
/** A run's server CPU per request (NaN when it was not read): target 1's second figure. */
export const cpuPerRequest = (r: LoadResult) => r.cpuUsPerRequest ?? Number.NaN;

/** Some ratios, one a round, and their median; none when a round lacks its figure. */
export function medianOfRatios(ratios: readonly number[]): { median: number; each: string } | undefined {
  if (ratios.length === 0 || ratios.some((n) => !Number.isFinite(n))) return undefined;
  return { median: median(ratios), each: ratios.map((n) => n.toFixed(2)).join(', ') };
}

/**
 * One row's ratios to the bare route over another row's, round by round, and their median: how
 * two rows compare when each ran between bare runs of its own; none when the rounds do not pair up.
 */
export function ratioOfRatios(rows: readonly number[] | undefined, against: readonly number[] | undefined): { median: number; each: string } | undefined {
  if (!rows || !against || rows.length !== against.length) return undefined;
  return medianOfRatios(rows.map((n, i) => n / against[i]!));
}

/** A run and the bare route's runs right before and right after it. */
export interface BracketedRun {
  run: LoadResult;
  bareBefore: LoadResult;
  bareAfter: LoadResult;
}

/**
 * Each run's figure over the bare route's on either side of it (their geometric mean), so a
 * ratio pairs loads seconds apart: this VM's speed can halve for a minute (after a long
 * seeding, say), and a round of seven servers spans a minute or more, long enough for a row and
 * one bare run of its round to fall either side of such a change (bench/NOTES.md, 2026-12-07 night).
 */
export function overBareEitherSide(runs: readonly BracketedRun[], figure: (r: LoadResult) => number = rate): number[] {
  return runs.map(({ run, bareBefore, bareAfter }) => figure(run) / Math.sqrt(figure(bareBefore) * figure(bareAfter)));
}

/**
 * Loads every participant in turn, in rounds (each round starting one further along, so none
 * always runs first), with the bare route loaded before each and once more at the end, and makes
 * each a row: the median of its rounds, and, per round, its rate over the bare route's runs
 * either side of it (`pairedToBare`; its CPU a request too, `cpuPairedToBare`). Rows are compared
 * with each other through those, round by round: the 1 M store's ratio to the bare route over the
 * 10 k store's (`pairedTo10k`), and sessiond's 1 M and 10 k ratios over a peer stack's
 * (`pairedSessiond1m`, `pairedSessiond10k`). Two rows of one round can run a minute apart, one on
 * each side of a change in the machine's speed, their bare runs cannot. Those are the ratios the
 * targets are judged on.
 * This VM's speed moves by 2× over tens of seconds: a ratio of two medians can pair one row's
 * fast minute with another's slow one, a ratio to runs seconds away cannot; many short rounds
 * instead of a few long ones, for the same.
 * Every participant's server is stopped when the rounds are done (its peak RSS read after).
 */
export async function loadInRounds(ctx: BenchContext, participants: readonly RoundParticipant[], bareId: string): Promise<MeasuredRow[]> {
  const rounds = ctx.mode.name === 'quick' ? 1 : 6;
  const runSec = ctx.mode.name === 'quick' ? ctx.mode.durationSec : ctx.mode.durationSec / 2;
  const runWarmupSec = Math.min(1, ctx.mode.warmupSec);
  // The bare route is loaded exactly as the rows it is the ceiling of: the same rotating Bearer
  // headers, which it ignores. The load generator shares the two cores with the server, and a
  // rotating request costs it more than a fixed one (autocannon rebuilds it): a fixed request
  // for the bare route alone gave it up to a third more req/s for client work, not server work.
  const sameLoad = participants.find((p) => p.headerSets !== undefined)?.headerSets;
  const load = (p: RoundParticipant, durationSec: number, warmupSec: number) => {
    const headerSets = p.headerSets ?? (p.id === bareId ? sameLoad : undefined);
    return runLoad({
      url: p.server.url + p.path,
      headers: headerSets?.[0] ?? {},
      ...(headerSets ? { headerSets } : {}),
      connections: ctx.mode.connections,
      durationSec,
      warmupSec,
      serverPid: p.server.pid,
    });
  };
  // Thrown away: a server's first seconds (module loading, JIT) are far slower than the rest.
  ctx.print('  warm-up of every server…');
  for (const p of participants) await load(p, ctx.mode.warmupSec, ctx.mode.warmupSec);
  const bare = participants.find((p) => p.id === bareId);
  const others = participants.filter((p) => p !== bare);
  const bareRuns: LoadResult[] = [];
  const loadBare = async (round: number) => {
    if (!bare) return;
    ctx.print(`  round ${round + 1}/${rounds}: ${bare.label}…`);
    bareRuns.push(await load(bare, runSec, runWarmupSec));
  };
  // Each run with the index of the bare run loaded just before it; the next one came just after.
  const runs = new Map<string, Array<{ run: LoadResult; bareBefore: number }>>(others.map((p) => [p.id, []]));
  const cacheAfterRounds = new Map<string, number[]>(others.map((p) => [p.id, []]));
  await loadBare(0);
  for (let round = 0; round < rounds; round++) {
    for (const p of rotated(others, round)) {
      ctx.print(`  round ${round + 1}/${rounds}: ${p.label}…`);
      runs.get(p.id)!.push({ run: await load(p, runSec, runWarmupSec), bareBefore: bareRuns.length - 1 });
      if (!p.peer) cacheAfterRounds.get(p.id)!.push(await cacheEntries(p.server.url));
      await loadBare(round);
    }
  }

  const memory = new Map<string, string>();
  for (const p of others) if (!p.peer) memory.set(p.id, `after the rounds: ${memoryAndGcs(await readMetrics(p.server.url))}`);
  for (const p of participants) await p.server.stop();
  // A row's runs with the bare runs either side of each (none without a bare route).
  const bracketed = (id: string): BracketedRun[] | undefined =>
    bare && runs.get(id)!.map(({ run, bareBefore }) => ({ run, bareBefore: bareRuns[bareBefore]!, bareAfter: bareRuns[bareBefore + 1]! }));
  const eitherSideById = new Map(others.map((p) => [p.id, bracketed(p.id)]));
  const toBareOf = (id: string) => {
    const eitherSide = eitherSideById.get(id);
    return eitherSide && overBareEitherSide(eitherSide);
  };
  return participants.map((p): MeasuredRow => {
    if (p === bare) return rowFrom(p, bareRuns, [], {});
    const eitherSide = eitherSideById.get(p.id);
    const toBare = medianOfRatios(toBareOf(p.id) ?? []);
    const cpuToBare = eitherSide && medianOfRatios(overBareEitherSide(eitherSide, cpuPerRequest));
    const to10k = !p.peer && p.id !== 'sessiond-sqlite-10k' ? ratioOfRatios(toBareOf(p.id), toBareOf('sessiond-sqlite-10k')) : undefined;
    const overPeer = p.peer ? OVER_PEER.map((s) => ({ ...s, ratio: ratioOfRatios(toBareOf(s.id), toBareOf(p.id)) })) : [];
    const cached = cacheAfterRounds.get(p.id)!;
    const paired = [
      toBare && `${toBare.median.toFixed(2)}× bare, each round over the bare runs either side (${toBare.each})`,
      cpuToBare && `CPU a request ${cpuToBare.median.toFixed(2)}× bare's, each round over the bare runs either side (${cpuToBare.each})`,
      to10k && `${to10k.median.toFixed(2)}× the 10 k store, each round's ratio to bare over the 10 k store's (${to10k.each})`,
      ...overPeer.map((s) => s.ratio && `${s.what} ${s.ratio.median.toFixed(2)}× this, each round's ratio to bare over this one's (${s.ratio.each})`),
      cached.length && `validation cache entries after each round: ${cached.map((n) => (Number.isNaN(n) ? '?' : n.toLocaleString('en'))).join(', ')}`,
      memory.get(p.id),
    ].filter((s): s is string => typeof s === 'string' && s !== '');
    return rowFrom(p, runs.get(p.id)!.map((r) => r.run), paired, {
      ...(toBare ? { pairedToBare: toBare.median } : {}),
      ...(cpuToBare ? { cpuPairedToBare: cpuToBare.median } : {}),
      ...(to10k ? { pairedTo10k: to10k.median } : {}),
      ...Object.fromEntries(overPeer.flatMap((s) => (s.ratio ? [[s.key, s.ratio.median]] : []))),
    });
  });

  function rowFrom(p: RoundParticipant, own: readonly LoadResult[], paired: readonly string[], extra: Record<string, number>): MeasuredRow {
    const { perSec, nearest, each } = medianRun(own);
    const how = p === bare ? `median of ${own.length} runs of ${runSec} s (${each}/s), one before each other row's run in every round and one at the end` : rounds > 1 ? `median of ${rounds} runs of ${runSec} s (${each}/s), each between two runs of the bare route` : 'one run';
    return {
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
      note: `${p.note}; ${how}${paired.length ? `; ${paired.join('; ')}` : ''}`,
      extra,
    };
  }
}

/**
 * How many sessions the server's validation cache holds (its /metrics), read after each round:
 * rotating over 1,000 sessions, a cache that answers holds them all; one emptied again and again
 * shows as fewer, and its checks then cost what the cache-off row's do. NaN if not read.
 */
async function cacheEntries(url: string): Promise<number> {
  return metricValue(await readMetrics(url), 'sessiond_session_cache_entries');
}
