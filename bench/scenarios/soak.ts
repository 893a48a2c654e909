import { closeSync, existsSync, fsyncSync, mkdtempSync, openSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DEFAULT_SCRYPT, hashPassword } from '../../src/core/password.ts';
import { newRecordId } from '../../src/core/secret-id.ts';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import type { Launched } from '../launcher.ts';
import { compareHeapSnapshots } from '../heap-diff.ts';
import { MixedOps, SOAK_MIX, type OpResult } from '../mixed-ops.ts';
import { allCpus, pinToCpus } from '../cpu-pinning.ts';
import { readCpuMs, readRunQueueWaitMs } from '../process-cpu.ts';
import type { IntervalFigures, Row } from '../results.ts';
import { readRssParts } from '../rss-sampler.ts';
import { BENCH_PASSWORD, seedSqlite } from '../seed-sqlite.ts';
import { percentile } from '../sequential.ts';
import { metricValue, readMetrics } from '../server-metrics.ts';
import { startSessiond } from '../sessiond-server.ts';
import type { BenchContext } from './context.ts';
import { removeSqliteFiles, ROTATE_OVER } from './validate-sqlite.ts';

/**
 * The soak: sessiond on SQLite, as shipped, under the issue's mixed load (90 % session checks,
 * 5 % invalidateSessions, 3 % logouts, 2 % logins) for ten minutes (SOAK_SECONDS for another
 * length) at 70 % of the rate it can answer at most, which a short closed-loop run on a server
 * of its own measures first. The load is open-loop (sent on a schedule, not when the last answer
 * came), so a server that slows down shows it in latency instead of hiding it. Every 10 s: the
 * server's RSS and V8 heap, the rate, p50/p99, errors. It should end where it was after the
 * warm-up: RSS within 10 % (medians of a window on each side), no errors, p99 not drifting up.
 */
const LOAD_SHARE = 0.7;
const INTERVAL_SEC = 10;
/**
 * Before the clock starts, the load rises from nothing to the target over this long, and every
 * answer is awaited: a new server's first seconds (code not yet optimized, the seeded file's
 * pages still being written back) are not the steady state the soak is about. Until 2026-12-06
 * the soak started at the full rate, and a full run and a confirming run each had one stretch in
 * the first 20 s with requests unanswered for 10 s (94 errors in the second). Errors in the ramp
 * are reported, not judged; every error in the ten minutes after it is.
 */
const RAMP_SEC = 30;
/**
 * RSS is read every second and a stretch reports the median of its reads: a login holds a
 * 19 MiB argon2id buffer for tens of milliseconds, so a single read lands on one now and then
 * and moves the figure by a tenth of the server's memory without saying anything about growth.
 */
const RSS_READ_MS = 1000;
const PROBE_CONNECTIONS = 32;
const PROBE_WARMUP_SEC = 3;
/** Requests in flight at most; past it the schedule waits (and the achieved rate says so). */
const MAX_IN_FLIGHT = 256;
const LOGIN_USERS = 20;
/** Invalidations and logouts take 8 % of the operations, logins give back 2 %: the seeded pool covers the 8 %. */
const ENDS_SHARE = (SOAK_MIX.invalidate + SOAK_MIX.logout) / 100;

export function soakSeconds(defaultSec: number): number {
  const raw = process.env.SOAK_SECONDS;
  if (raw === undefined || raw === '') return defaultSec;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 30 || n % INTERVAL_SEC !== 0) {
    throw new Error(`SOAK_SECONDS must be a whole number of seconds, at least 30 and a multiple of ${INTERVAL_SEC} (got "${raw}")`);
  }
  return n;
}

/**
 * The warm-up whose end is the memory baseline: a fifth of the run, 20 to 120 s, in whole
 * intervals. Two minutes in the full run because the server's memory settles late: in each
 * trial run of 90 s or more, RSS fell once by about 20 % (the V8 heap with it), mostly some
 * 100–120 s after start.
 */
export function warmupSeconds(seconds: number): number {
  return Math.ceil(Math.min(120, Math.max(20, seconds / 5)) / INTERVAL_SEC) * INTERVAL_SEC;
}

/**
 * Memory "after the warm-up" and "at the end", each the median of the stretches in a window of
 * two minutes (12 stretches in the full run; half the measured part in shorter ones; each
 * stretch itself the median of its reads), so neither a read taken while logins' argon2id
 * buffers are held nor one resize of V8's heap decides it. (Until 2026-12-06 the window was one
 * minute; in that day's full run V8 shrank its heap by 25 MB for the minute the baseline
 * window covered, and the verdict measured the dip instead of growth: RESULTS-HISTORY.md.)
 */
const LEVEL_WINDOW_SEC = 120;

export function levelChange(intervals: readonly IntervalFigures[], warmupSec: number, pick: (i: IntervalFigures) => number): { before: number; after: number; changePct: number } {
  const measured = intervals.filter((i) => i.atSec > warmupSec);
  const window = Math.max(1, Math.min(LEVEL_WINDOW_SEC / INTERVAL_SEC, Math.floor(measured.length / 2)));
  const before = percentile(measured.slice(0, window).map(pick), 50);
  const after = percentile(measured.slice(-window).map(pick), 50);
  return { before, after, changePct: ((after - before) / before) * 100 };
}

/**
 * The same comparison as the verdict's, over the stretches after the warm-up with at most one
 * login in flight (median of the stretch), or undefined when there is none. A login's password
 * hash holds 19 MiB while it runs (four run at once), so a stretch where logins queued, the
 * machine slower than when the rate was set, reads up to ~76 MB higher without any growth.
 * Reported beside the verdict, which stays on every stretch.
 */
export function rssWithoutLoginBacklog(intervals: readonly IntervalFigures[], warmupSec: number): ({ stretches: number } & ReturnType<typeof levelChange>) | undefined {
  const calm = intervals.filter((i) => i.atSec <= warmupSec || (i.loginsInFlight ?? Number.NaN) <= 1);
  const stretches = calm.filter((i) => i.atSec > warmupSec).length;
  return stretches > 0 ? { stretches, ...levelChange(calm, warmupSec, (i) => i.rssBytes) } : undefined;
}

export async function soak(ctx: BenchContext): Promise<Row[]> {
  const seconds = soakSeconds(ctx.mode.soakSec);
  const warmupSec = warmupSeconds(seconds);
  const label = `soak: mixed load at ${LOAD_SHARE * 100} % of max rate, SQLite, ${seconds} s`;

  ctx.print(`  finding the maximum rate of the mix (${ctx.mode.soakProbeSec} s closed loop, ${PROBE_CONNECTIONS} connections)…`);
  const maxPerSec = await onSeededServer(ctx, 'soak-probe', Math.ceil(20_000 * (ctx.mode.soakProbeSec + PROBE_WARMUP_SEC) * ENDS_SHARE), [], (_server, ops) =>
    closedLoop(ops, ctx.mode.soakProbeSec),
  );
  const target = Math.max(1, Math.round(maxPerSec * LOAD_SHARE));
  ctx.print(`  max ${maxPerSec.toFixed(0)} ops/s; soaking at ${target} ops/s for ${seconds} s (RSS baseline after ${warmupSec} s)`);

  // SOAK_HEAP_SNAPSHOTS=1: a diagnostic run that writes a V8 heap snapshot at the end of the
  // warm-up and another at the end, and compares them by constructor (bench/heap-diff.ts). Each
  // snapshot stops the server for a second or more and doubles its heap while it is written, so
  // such a run's RSS, error and p99 verdicts are not for the record.
  const snapshotDir = process.env.SOAK_HEAP_SNAPSHOTS === '1' ? mkdtempSync(join(tmpdir(), 'sessiond-soak-heap-')) : undefined;
  const nodeFlags = snapshotDir ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${snapshotDir}`] : [];
  const toEnd = Math.ceil(target * (seconds + RAMP_SEC / 2 + 10) * ENDS_SHARE * 1.2) + 1000;
  return onSeededServer(ctx, 'soak', toEnd, nodeFlags, async (server, ops) => {
    const ramp = await rampUp(ops, target, RAMP_SEC);
    ctx.print(`  ramp: ${ramp.sent} operations rising to ${target} ops/s over ${RAMP_SEC} s, ${ramp.errors} errors (not judged); the clock starts now`);
    const firstSnapshot = snapshotDir ? setTimeout(() => process.kill(server.pid, 'SIGUSR2'), warmupSec * 1000) : undefined;
    const run = await openLoop(ops, server, target, seconds, ctx.print);
    if (snapshotDir) {
      clearTimeout(firstSnapshot);
      await heapSnapshotNow(server);
      const files = readdirSync(snapshotDir).filter((f) => f.endsWith('.heapsnapshot')).sort();
      ctx.print(`  heap snapshots (SOAK_HEAP_SNAPSHOTS=1; this run's verdicts are not for the record) in ${snapshotDir}:`);
      if (files.length >= 2) for (const line of compareHeapSnapshots(join(snapshotDir, files[0]!), join(snapshotDir, files.at(-1)!), 25)) ctx.print(`    ${line}`);
      else ctx.print(`    expected two snapshots, found ${files.length}`);
    }
    const after = run.intervals.filter((i) => i.atSec > warmupSec);
    const rss = levelChange(run.intervals, warmupSec, (i) => i.rssBytes);
    const heap = levelChange(run.intervals, warmupSec, (i) => i.heapUsedBytes);
    const calmRss = rssWithoutLoginBacklog(run.intervals, warmupSec);
    const pct = (n: number) => `${n >= 0 ? '+' : ''}${n.toFixed(1)} %`;
    const half = Math.floor(after.length / 2);
    const medianP99 = (xs: IntervalFigures[]) => percentile(xs.map((i) => i.checkP99Ms), 50);
    const p99Trend = half > 0 ? medianP99(after.slice(half)) / medianP99(after.slice(0, half)) : Number.NaN;
    const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`;
    const checkP99s = after.map((i) => i.checkP99Ms);
    await server.stop();
    return [
      {
        status: 'ok',
        group: 'soak',
        id: 'soak-sqlite',
        label,
        perSec: run.answered / seconds,
        perSecUnit: 'ops/s',
        p50Ms: percentile(run.afterWarmupMs, 50),
        p99Ms: percentile(run.afterWarmupMs, 99),
        peakRssBytes: server.peakRss(),
        note:
          `max ${maxPerSec.toFixed(0)} ops/s (closed loop), target ${target} after a ${RAMP_SEC} s ramp (${ramp.errors} errors in it); mix ${SOAK_MIX.check}/${SOAK_MIX.invalidate}/${SOAK_MIX.logout}/${SOAK_MIX.login} ` +
          `check/invalidate/logout/login; warm-up ${warmupSec} s; RSS (median of a window) ${mb(rss.before)} after the warm-up, ${mb(rss.after)} at the end (${pct(rss.changePct)}); ` +
          (calmRss ? `over the ${calmRss.stretches} stretches with at most 1 login in flight (median) ${mb(calmRss.before)} → ${mb(calmRss.after)} (${pct(calmRss.changePct)}); ` : '') +
          `V8 heap used ${mb(heap.before)} → ${mb(heap.after)} (${pct(heap.changePct)}); ` +
          `${run.errors} errors${run.firstErrors.length ? ` (${run.firstErrors.join('; ')})` : ''}; ` +
          `check p99 per ${INTERVAL_SEC} s after warm-up ${Math.min(...checkP99s).toFixed(1)}–${Math.max(...checkP99s).toFixed(1)} ms; ` +
          `server CPU ${run.cpuUsPerOp.toFixed(0)} µs/op; p50/p99 over every op after warm-up`,
        extra: {
          maxPerSec,
          targetPerSec: target,
          rssAfterWarmupBytes: rss.before,
          rssEndBytes: rss.after,
          rssChangePct: rss.changePct,
          ...(calmRss ? { calmRssChangePct: calmRss.changePct } : {}),
          heapChangePct: heap.changePct,
          errors: run.errors,
          p99Trend,
          checkP99MaxMs: Math.max(...checkP99s),
          cpuUsPerOp: run.cpuUsPerOp,
          maxBacklog: run.maxBacklog,
          rampErrors: ramp.errors,
        },
        intervals: run.intervals,
      },
    ];
  });
}

/**
 * Seeds a SQLite file with the checked sessions, `toEnd` sessions to end and the login users,
 * starts sessiond on it, runs `work`, and removes it all.
 */
async function onSeededServer<T>(
  ctx: BenchContext,
  name: string,
  toEnd: number,
  nodeFlags: string[],
  work: (server: Launched, ops: MixedOps) => Promise<T>,
): Promise<T> {
  const dbPath = join(ctx.workDir, `${name}.db`);
  try {
    const seeded = await seedSqlite({ path: dbPath, sessions: ROTATE_OVER + toEnd, keepIds: ROTATE_OVER + toEnd, scrypt: DEFAULT_SCRYPT });
    // Users to log in as, with the shipped hash (argon2id): several, because logins of one user
    // from one address beyond the failure budget at once are asked to wait (429).
    const usernames = Array.from({ length: LOGIN_USERS }, (_, i) => `soak-user-${i}`);
    const store = openSqliteStore(dbPath);
    try {
      const passwordHash = await hashPassword(BENCH_PASSWORD);
      for (const username of usernames) {
        await store.users.create({ userId: newRecordId('005'), username, passwordHash, admin: false, active: true, createdAt: Date.now(), permissions: [] });
      }
    } finally {
      await store.close();
    }
    // The seeded pages on disk before the server starts, so its first commits' fsyncs do not
    // wait behind the kernel writing back hundreds of megabytes of seeding.
    syncFiles([dbPath, `${dbPath}-wal`]);
    const server = await startSessiond({ name, store: `sqlite:${dbPath}`, logDir: ctx.workDir, nodeFlags });
    // The server on CPU 0, this process (the load) on the others: the soak measures the server,
    // not how the scheduler shares two cores between it and its load. The probe runs the same
    // way, so the load is 70 % of what the server answers on its core. SOAK_PIN=0 turns it off.
    const notPinned =
      process.env.SOAK_PIN === '0' ? 'SOAK_PIN=0' : (pinToCpus(server.pid, '0') ?? pinToCpus(process.pid, `1-${allCpus().split('-')[1]}`));
    const pinned = notPinned === undefined;
    if (!pinned) pinToCpus(server.pid, allCpus());
    ctx.print(`  ${name}: ${pinned ? 'server pinned to CPU 0, load to the others' : `server and load share every CPU (not pinned: ${notPinned})`}`);
    const ops = new MixedOps({
      url: server.url,
      checked: seeded.ids.slice(0, ROTATE_OVER),
      toEnd: seeded.ids.slice(ROTATE_OVER),
      usernames,
      password: BENCH_PASSWORD,
      maxSockets: MAX_IN_FLIGHT,
    });
    try {
      return await work(server, ops);
    } finally {
      if (pinned) pinToCpus(process.pid, allCpus());
      ops.close();
      await server.stop();
    }
  } finally {
    removeSqliteFiles(dbPath);
  }
}

/** Answered operations per second with PROBE_CONNECTIONS clients each sending the next as soon as the last is answered. */
async function closedLoop(ops: MixedOps, seconds: number): Promise<number> {
  let counting = false;
  let answered = 0;
  let firstError: string | undefined;
  let stopAt = performance.now() + PROBE_WARMUP_SEC * 1000;
  const client = async () => {
    while (performance.now() < stopAt && firstError === undefined) {
      const result = await ops.run(MixedOps.pick(Math.random()));
      if (result.error) firstError ??= result.error;
      else if (counting) answered++;
    }
  };
  await Promise.all(Array.from({ length: PROBE_CONNECTIONS }, client));
  counting = true;
  const started = performance.now();
  stopAt = started + seconds * 1000;
  await Promise.all(Array.from({ length: PROBE_CONNECTIONS }, client));
  if (firstError) throw new Error(`the maximum-rate run met an error: ${firstError}`);
  return answered / ((performance.now() - started) / 1000);
}

/** Sends operations at a rate rising linearly from 0 to `perSec` over `seconds`, then waits for every answer. */
async function rampUp(ops: MixedOps, perSec: number, seconds: number): Promise<{ sent: number; errors: number }> {
  let sent = 0;
  let errors = 0;
  let inFlight = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const elapsedSec = (performance.now() - started) / 1000;
      if (elapsedSec < seconds) {
        // The integral of a rate rising linearly to perSec: perSec·t²/(2·seconds).
        const due = Math.floor((perSec * elapsedSec * elapsedSec) / (2 * seconds)) - sent;
        for (let i = 0; i < due && inFlight < MAX_IN_FLIGHT; i++) {
          sent++;
          inFlight++;
          void ops.run(MixedOps.pick(Math.random())).then((result) => {
            inFlight--;
            if (result.error) errors++;
          });
        }
      } else if (inFlight === 0) {
        resolve();
        return;
      }
      setTimeout(tick, 2);
    };
    tick();
  });
  return { sent, errors };
}

/** Asks the server for a heap snapshot and waits until it is written (the server answers again only then). */
async function heapSnapshotNow(server: Launched): Promise<void> {
  process.kill(server.pid, 'SIGUSR2');
  const res = await fetch(`${server.url}/healthz`, { signal: AbortSignal.timeout(120_000) });
  await res.arrayBuffer();
}

/** Flushes files to disk (those that exist). */
function syncFiles(paths: string[]): void {
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const fd = openSync(path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

interface OpenLoopRun {
  intervals: IntervalFigures[];
  answered: number;
  errors: number;
  firstErrors: string[];
  /** Latency of every operation answered after the warm-up (for the overall p50/p99). */
  afterWarmupMs: number[];
  cpuUsPerOp: number;
  /** The most operations that were due but not yet sent (the MAX_IN_FLIGHT cap reached). */
  maxBacklog: number;
}

/** Sends `perSec` operations a second on a schedule for `seconds`, sampling every INTERVAL_SEC. */
async function openLoop(ops: MixedOps, server: Launched, perSec: number, seconds: number, print: (line: string) => void): Promise<OpenLoopRun> {
  const run: OpenLoopRun = { intervals: [], answered: 0, errors: 0, firstErrors: [], afterWarmupMs: [], cpuUsPerOp: 0, maxBacklog: 0 };
  let stretch: OpResult[] = [];
  let stretchRss: Array<{ rss: number; anon: number; file: number }> = [];
  // Logins sent and not yet answered, read with each RSS read: each one's password hash holds
  // its memory cost (19 MiB for argon2id) while it runs, so RSS moves with this count.
  let loginsInFlight = 0;
  let stretchLogins: number[] = [];
  const rssReader = setInterval(() => {
    const parts = readRssParts(server.pid);
    if (parts) stretchRss.push(parts);
    stretchLogins.push(loginsInFlight);
  }, RSS_READ_MS);
  // What the server's loop delay leaves out: time its loop thread waited for a core, and the client's own delays.
  let loopWaitAt = readRunQueueWaitMs(server.pid);
  const clientLoop = monitorEventLoopDelay({ resolution: 10 });
  clientLoop.enable();
  let inFlight = 0;
  let sent = 0;
  const warmupSec = warmupSeconds(seconds);
  const cpuStart = readCpuMs(server.pid);
  const started = performance.now();
  const record = (result: OpResult) => {
    inFlight--;
    stretch.push(result);
    if (result.error) {
      run.errors++;
      if (run.firstErrors.length < 3) run.firstErrors.push(result.error);
    } else run.answered++;
  };
  const metricReads: Promise<void>[] = [];
  const closeStretch = (atSec: number) => {
    const latencies = stretch.map((r) => r.ms);
    if (atSec > warmupSec) run.afterWarmupMs.push(...latencies);
    const last = readRssParts(server.pid);
    const reads = last ? [...stretchRss, last] : stretchRss;
    const median = (pick: (r: { rss: number; anon: number; file: number }) => number) => (reads.length ? percentile(reads.map(pick), 50) : Number.NaN);
    stretchRss = [];
    const loginsInFlightMedian = stretchLogins.length ? percentile(stretchLogins, 50) : Number.NaN;
    stretchLogins = [];
    const loopWaitNow = readRunQueueWaitMs(server.pid);
    const loopWaitForCpuMs = loopWaitNow !== undefined && loopWaitAt !== undefined ? loopWaitNow - loopWaitAt : Number.NaN;
    loopWaitAt = loopWaitNow;
    const clientLoopDelayMaxMs = clientLoop.max / 1e6;
    clientLoop.reset();
    const figures: IntervalFigures = {
      atSec,
      rssBytes: median((r) => r.rss),
      rssAnonBytes: median((r) => r.anon),
      rssFileBytes: median((r) => r.file),
      loginsInFlight: loginsInFlightMedian,
      heapUsedBytes: Number.NaN,
      heapTotalBytes: Number.NaN,
      heapNewSpaceBytes: Number.NaN,
      externalBytes: Number.NaN,
      loopDelayMaxMs: Number.NaN,
      loopWaitForCpuMs,
      clientLoopDelayMaxMs,
      perSec: stretch.filter((r) => !r.error).length / INTERVAL_SEC,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      checkP99Ms: percentile(stretch.filter((r) => r.kind === 'check').map((r) => r.ms), 99),
      errors: stretch.filter((r) => r.error).length,
    };
    run.intervals.push(figures);
    metricReads.push(
      serverMetrics(server.url).then((m) => {
        figures.heapUsedBytes = m.heapUsedBytes;
        figures.heapTotalBytes = m.heapTotalBytes;
        figures.heapNewSpaceBytes = m.heapNewSpaceBytes;
        figures.externalBytes = m.externalBytes;
        figures.loopDelayMaxMs = m.loopDelayMaxMs;
      }),
    );
    stretch = [];
    print(
      `  ${String(atSec).padStart(4)} s  RSS ${(figures.rssBytes / 2 ** 20).toFixed(0)} MB (anon ${(figures.rssAnonBytes / 2 ** 20).toFixed(0)}, file ${(figures.rssFileBytes / 2 ** 20).toFixed(0)}; logins in flight ${loginsInFlightMedian})  ${figures.perSec.toFixed(0)} ops/s  ` +
        `p50 ${figures.p50Ms.toFixed(2)} ms  p99 ${figures.p99Ms.toFixed(1)} ms  check p99 ${figures.checkP99Ms.toFixed(1)} ms  errors ${figures.errors}  ` +
        `server loop waited ${loopWaitForCpuMs.toFixed(0)} ms for a core, client loop delay max ${clientLoopDelayMaxMs.toFixed(0)} ms`,
    );
  };

  await new Promise<void>((resolve) => {
    let nextStretch = INTERVAL_SEC;
    const tick = () => {
      const elapsedSec = (performance.now() - started) / 1000;
      const sending = elapsedSec < seconds;
      if (sending) {
        const due = Math.floor(perSec * elapsedSec) - sent;
        run.maxBacklog = Math.max(run.maxBacklog, due - Math.max(0, MAX_IN_FLIGHT - inFlight));
        for (let i = 0; i < due && inFlight < MAX_IN_FLIGHT; i++) {
          sent++;
          inFlight++;
          const kind = MixedOps.pick(Math.random());
          if (kind === 'login') loginsInFlight++;
          void ops.run(kind).then((result) => {
            if (kind === 'login') loginsInFlight--;
            record(result);
          });
        }
      }
      // Each stretch closes on time; the last once every answer is in.
      if (elapsedSec >= nextStretch && nextStretch < seconds) {
        closeStretch(nextStretch);
        nextStretch += INTERVAL_SEC;
      }
      if (!sending && inFlight === 0) {
        closeStretch(seconds);
        resolve();
        return;
      }
      setTimeout(tick, 2);
    };
    tick();
  });
  clearInterval(rssReader);
  clientLoop.disable();
  await Promise.all(metricReads);
  const cpuEnd = readCpuMs(server.pid);
  run.cpuUsPerOp = cpuStart !== undefined && cpuEnd !== undefined ? ((cpuEnd - cpuStart) * 1000) / (run.answered + run.errors) : Number.NaN;
  return run;
}

/**
 * From the server's own /metrics (prom-client's defaults): the V8 heap in use, and the longest
 * event-loop delay since the last read (prom-client starts that histogram afresh at each read),
 * which says whether a slow stretch was the server's event loop or something outside it.
 */
async function serverMetrics(
  url: string,
): Promise<{ heapUsedBytes: number; heapTotalBytes: number; heapNewSpaceBytes: number; externalBytes: number; loopDelayMaxMs: number }> {
  // NaN for each when /metrics could not be read.
  const text = await readMetrics(url, 10_000);
  return {
    heapUsedBytes: metricValue(text, 'nodejs_heap_size_used_bytes'),
    heapTotalBytes: metricValue(text, 'nodejs_heap_size_total_bytes'),
    heapNewSpaceBytes: metricValue(text, 'nodejs_heap_space_size_total_bytes{space="new"}'),
    externalBytes: metricValue(text, 'nodejs_external_memory_bytes'),
    loopDelayMaxMs: metricValue(text, 'nodejs_eventloop_lag_max_seconds') * 1000,
  };
}
