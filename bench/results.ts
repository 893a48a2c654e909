/**
 * What every scenario hands the report: a measured row, or a skip or failure with its reason.
 * Times are milliseconds, memory bytes.
 */
export type Group = 'validation' | 'validator' | 'invalidate' | 'login' | 'web';

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
