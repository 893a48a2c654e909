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

/**
 * Each round's figure (the rate unless said) of one row over another's in that round, and their
 * median; none when the rounds do not pair up or a round lacks the figure.
 */
export function pairedRatio(
  runs: readonly LoadResult[],
  against: readonly LoadResult[] | undefined,
  figure: (r: LoadResult) => number = rate,
): { median: number; each: string } | undefined {
  if (!against || against.length !== runs.length || runs.length === 0) return undefined;
  const ratios = runs.map((r, i) => figure(r) / figure(against[i]!));
  if (ratios.some((n) => !Number.isFinite(n))) return undefined;
  return { median: median(ratios), each: ratios.map((n) => n.toFixed(2)).join(', ') };
}

/**
 * Loads every participant in turn, in rounds (each round starting one further along, so none
 * always runs first), and makes each a row: the median of its rounds, and its rate paired by
 * round with the bare route's (`pairedToBare`; its CPU a request too, `cpuPairedToBare`) and,
 * for SQLite stores, the 10 k store's (`pairedTo10k`); for a peer stack, sessiond's 1 M and 10 k
 * rates over its own, paired the same way (`pairedSessiond1m`, `pairedSessiond10k`). Those are
 * the ratios the targets are judged on.
 * This VM's speed moves by 2× over tens of seconds: a ratio of two medians can pair one row's
 * fast minute with another's slow one, a ratio taken within a round cannot; many short rounds
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
  const runs = new Map<string, LoadResult[]>(participants.map((p) => [p.id, []]));
  const cacheAfterRounds = new Map<string, number[]>(participants.map((p) => [p.id, []]));
  for (let round = 0; round < rounds; round++) {
    for (const p of rotated(participants, round)) {
      ctx.print(`  round ${round + 1}/${rounds}: ${p.label}…`);
      runs.get(p.id)!.push(await load(p, runSec, runWarmupSec));
      if (p.id !== bareId && !p.peer) cacheAfterRounds.get(p.id)!.push(await cacheEntries(p.server.url));
    }
  }

  const memory = new Map<string, string>();
  for (const p of participants) if (p.id !== bareId && !p.peer) memory.set(p.id, `after the rounds: ${memoryAndGcs(await readMetrics(p.server.url))}`);
  for (const p of participants) await p.server.stop();
  const bareRuns = runs.get(bareId);
  const smallRuns = runs.get('sessiond-sqlite-10k');
  return participants.map((p): MeasuredRow => {
    const own = runs.get(p.id)!;
    const { perSec, nearest, each } = medianRun(own);
    const toBare = p.id !== bareId ? pairedRatio(own, bareRuns) : undefined;
    const cpuToBare = p.id !== bareId ? pairedRatio(own, bareRuns, cpuPerRequest) : undefined;
    const to10k = p.id !== bareId && !p.peer && own !== smallRuns ? pairedRatio(own, smallRuns) : undefined;
    const overPeer = p.peer ? OVER_PEER.map((s) => ({ ...s, ratio: pairedRatio(runs.get(s.id) ?? [], own) })) : [];
    const cached = cacheAfterRounds.get(p.id)!;
    const paired = [
      toBare && `${toBare.median.toFixed(2)}× bare paired by round (${toBare.each})`,
      cpuToBare && `CPU a request ${cpuToBare.median.toFixed(2)}× bare's paired by round (${cpuToBare.each})`,
      to10k && `${to10k.median.toFixed(2)}× the 10 k store paired by round (${to10k.each})`,
      ...overPeer.map((s) => s.ratio && `${s.what} ${s.ratio.median.toFixed(2)}× this, paired by round (${s.ratio.each})`),
      cached.length && `validation cache entries after each round: ${cached.map((n) => (Number.isNaN(n) ? '?' : n.toLocaleString('en'))).join(', ')}`,
      memory.get(p.id),
    ].filter(Boolean);
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
      note: `${p.note}; ${rounds > 1 ? `median of ${rounds} runs of ${runSec} s (${each}/s), interleaved with the rows it is compared with` : 'one run'}${paired.length ? `; ${paired.join('; ')}` : ''}`,
      extra: {
        ...(toBare ? { pairedToBare: toBare.median } : {}),
        ...(cpuToBare ? { cpuPairedToBare: cpuToBare.median } : {}),
        ...(to10k ? { pairedTo10k: to10k.median } : {}),
        ...Object.fromEntries(overPeer.flatMap((s) => (s.ratio ? [[s.key, s.ratio.median]] : []))),
      },
    };
  });
}

/**
 * How many sessions the server's validation cache holds (its /metrics), read after each round:
 * rotating over 1,000 sessions, a cache that answers holds them all; one emptied again and again
 * shows as fewer, and its checks then cost what the cache-off row's do. NaN if not read.
 */
async function cacheEntries(url: string): Promise<number> {
  return metricValue(await readMetrics(url), 'sessiond_session_cache_entries');
}
