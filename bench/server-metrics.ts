/**
 * Reading a server's own /metrics (prom-client's text format) from the bench: the V8 heap, GCs,
 * the validation cache. One sample is one line, `name{labels} value`.
 */

/** The /metrics text of the server at `url`; '' if it could not be read. */
export async function readMetrics(url: string, timeoutMs = 5_000): Promise<string> {
  try {
    return await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(timeoutMs) })).text();
  } catch {
    return '';
  }
}

/** The value of one sample, named with its labels as printed (`nodejs_heap_space_size_used_bytes{space="old"}`); NaN if absent. */
export function metricValue(text: string, sample: string): number {
  const prefix = `${sample} `;
  for (const line of text.split('\n')) if (line.startsWith(prefix)) return Number(line.slice(prefix.length));
  return Number.NaN;
}

/**
 * Where a server's memory is and how much it has collected, as one line: the V8 heap in use by
 * space, memory outside the heap (buffers), the whole process, and its GCs by kind since start.
 * Two servers of the same code whose RSS or CPU a check differ by tens of percent differ
 * somewhere here (bench/NOTES.md, "The slow 10 k server"). "?" where /metrics was not read.
 */
export function memoryAndGcs(text: string): string {
  const mb = (sample: string) => {
    const value = metricValue(text, sample);
    return Number.isNaN(value) ? '?' : (value / 2 ** 20).toFixed(0);
  };
  const space = (name: string) => mb(`nodejs_heap_space_size_used_bytes{space="${name}"}`);
  const gc = (kind: string) => {
    if (text === '') return `${kind} ?`;
    // prom-client has no line for a kind of GC that has not happened yet.
    const count = metricValue(text, `nodejs_gc_duration_seconds_count{kind="${kind}"}`);
    const seconds = metricValue(text, `nodejs_gc_duration_seconds_sum{kind="${kind}"}`);
    return Number.isNaN(count) ? `${kind} 0` : `${kind} ${count} (${(seconds * 1000).toFixed(0)} ms)`;
  };
  return (
    `heap in use (MB) new ${space('new')}, old ${space('old')}, code ${space('code')}, large objects ${space('large_object')}; ` +
    `heap total ${mb('nodejs_heap_size_total_bytes')} MB; external ${mb('nodejs_external_memory_bytes')} MB; RSS ${mb('process_resident_memory_bytes')} MB; ` +
    `GCs since start: ${gc('minor')}, ${gc('major')}, ${gc('incremental')}`
  );
}
