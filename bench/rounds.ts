import type { LoadResult } from './load.ts';

/**
 * Loads that are compared with each other run in rounds, interleaved, and each is reported as
 * the median of its rounds: the machine's speed drifts over a run (other work, the CPU's clock,
 * the page cache), and whatever runs first or last alone would carry that drift into its ratio.
 */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The median rate of some runs, with latency and CPU from the run whose rate is nearest it. */
export function medianRun(runs: readonly LoadResult[]): { perSec: number; nearest: LoadResult; each: string } {
  if (runs.length === 0) throw new Error('no runs to take a median of');
  const perSec = median(runs.map((r) => r.requestsPerSec));
  const nearest = [...runs].sort((a, b) => Math.abs(a.requestsPerSec - perSec) - Math.abs(b.requestsPerSec - perSec))[0]!;
  const each = runs.map((r) => Math.round(r.requestsPerSec).toLocaleString('en')).join(', ');
  return { perSec, nearest, each };
}

/** Round r visits the participants starting at r, so none always runs first. */
export function rotated<T>(items: readonly T[], round: number): T[] {
  const start = round % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}
