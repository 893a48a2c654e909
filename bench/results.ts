/**
 * What every scenario hands the report: a measured row, or a skip or failure with its reason.
 * Times are milliseconds, memory bytes.
 */
export type Group = 'validation' | 'validator' | 'invalidate' | 'login' | 'web' | 'soak';

export interface MeasuredRow {
  status: 'ok';
  group: Group;
  id: string;
  label: string;
  /** Requests (or calls) per second. */
  perSec?: number;
  /** What perSec counts, when it is not HTTP requests. */
  perSecUnit?: string;
  p50Ms?: number;
  p99Ms?: number;
  peakRssBytes?: number;
  /** Server CPU time per request, microseconds: steadier than req/s on a busy machine. */
  cpuUsPerRequest?: number;
  connections?: number;
  note?: string;
  /** Scenario-specific figures (sessions ended per second, hash cost, ...). */
  extra?: Record<string, number>;
  /** Figures per stretch of a long run (the soak), in time order. */
  intervals?: IntervalFigures[];
}

/** One stretch of a long run: what the server held and how it answered in it. */
export interface IntervalFigures {
  /** Seconds since the measured load began, at the end of the stretch. */
  atSec: number;
  /** The median of the server's RSS read every second in the stretch. */
  rssBytes: number;
  /** The part of RSS that is the process's own memory (RssAnon), and the part that is mapped files (RssFile: the SQLite -shm index, code). */
  rssAnonBytes: number;
  rssFileBytes: number;
  /** The median, over the same reads, of the logins sent and not yet answered (absent from runs recorded before it was read). */
  loginsInFlight?: number;
  /** The server's V8 heap in use and reserved, and memory outside it held by JS objects (Buffers); NaN when not read. */
  heapUsedBytes: number;
  heapTotalBytes: number;
  /** Of heapTotalBytes, the young generation's reserved size (V8's new space; absent from runs recorded before it was read). */
  heapNewSpaceBytes?: number;
  externalBytes: number;
  /** The server's longest event-loop delay in the stretch, from its /metrics (NaN when not read). */
  loopDelayMaxMs: number;
  /** How long the server's event-loop thread waited for a core in the stretch (NaN when not read): the machine's share of that delay. */
  loopWaitForCpuMs: number;
  /** The bench client's own longest event-loop delay in the stretch: latency the client added. */
  clientLoopDelayMaxMs: number;
  perSec: number;
  p50Ms: number;
  p99Ms: number;
  /** p99 of the session checks alone (the hot path; the mix's logins set the overall p99). */
  checkP99Ms: number;
  errors: number;
}

export interface NotMeasuredRow {
  status: 'skipped' | 'failed';
  group: Group;
  id: string;
  label: string;
  reason: string;
}

export type Row = MeasuredRow | NotMeasuredRow;

export type Verdict = 'PASS' | 'MISS' | 'NOT RUN';

export interface TargetResult {
  target: string;
  measured: string;
  verdict: Verdict;
  note?: string;
}

export function measured(rows: readonly Row[], id: string): MeasuredRow | undefined {
  const row = rows.find((r) => r.id === id);
  return row?.status === 'ok' ? row : undefined;
}
