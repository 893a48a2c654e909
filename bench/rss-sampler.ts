import { readFileSync } from 'node:fs';

/**
 * Reads a process's resident set size (VmRSS in /proc/<pid>/status) on a timer and keeps the
 * highest value seen. Linux only; elsewhere the peak stays 0 and the report says "n/a".
 */
export class RssSampler {
  peak = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 100,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  sample(): void {
    const rss = readRss(this.pid);
    if (rss !== undefined && rss > this.peak) this.peak = rss;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

/** VmRSS and its anonymous and file-backed parts (Linux), from one read of /proc/<pid>/status. */
export function readRssParts(pid: number): { rss: number; anon: number; file: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
    return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') + kb('RssShmem') };
  } catch {
    return undefined;
  }
}

export function readRss(pid: number): number | undefined {
  const rss = readRssParts(pid)?.rss;
  return rss === undefined || Number.isNaN(rss) ? undefined : rss;
}
