import autocannon from 'autocannon';
import { readCpuMs } from './process-cpu.ts';

/**
 * Loads one server from this process with autocannon (the server is always another process),
 * bounded in time: a short warm-up that is thrown away, then the measured run. Any answer
 * that is not 2xx, or any socket error, fails the scenario: a fast refusal is not a result.
 */
export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /**
   * Several header sets (e.g. Bearer IDs of different sessions), taken in turn from one sequence
   * shared by all connections. autocannon rebuilds such a request each time it sends it, which
   * costs the load generator more than a fixed request: rows compared by req/s should be loaded
   * alike (validation-rounds.ts loads the bare route with the same sets).
   */
  headerSets?: ReadonlyArray<Record<string, string>>;
  body?: string;
  connections: number;
  durationSec: number;
  warmupSec: number;
  /** The server's pid, to measure its CPU time per request over the measured run. */
  serverPid?: number;
  /**
   * Requests a second over all connections (autocannon's overallRate); unset, as fast as the
   * server answers. A fixed rate lets two servers be compared on CPU per request at the same
   * load: at full speed, CPU per request falls as the rate rises (more requests per wake-up),
   * so a run slowed by a neighbour on the machine looks costlier per request.
   */
  overallRate?: number;
}

export interface LoadResult {
  requestsPerSec: number;
  /** Milliseconds, at autocannon's 1 ms resolution. */
  p50Ms: number;
  p99Ms: number;
  requests: number;
  durationSec: number;
  connections: number;
  /** Server CPU time (user + system) per answered request, in microseconds. */
  cpuUsPerRequest?: number;
}

/**
 * One request that takes the next header set in one sequence shared by all connections. A plain
 * list of requests would send every connection through the sets in the same order, in lockstep:
 * many connections would ask for the same session at the same moment, which real clients do not,
 * and which a store that merges concurrent lookups of one session would be flattered by.
 */
function rotating(headerSets: ReadonlyArray<Record<string, string>>, method: 'GET' | 'POST'): autocannon.Request {
  let next = Math.floor(Math.random() * headerSets.length);
  return {
    method,
    setupRequest: (request) => {
      next = (next + 1) % headerSets.length;
      return { ...request, headers: { ...request.headers, ...headerSets[next] } };
    },
  };
}

async function runOnce(options: LoadOptions, durationSec: number): Promise<autocannon.Result> {
  return autocannon({
    url: options.url,
    method: options.method ?? 'GET',
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.body !== undefined ? { body: options.body } : {}),
    ...(options.headerSets && options.headerSets.length > 0 ? { requests: [rotating(options.headerSets, options.method ?? 'GET')] } : {}),
    connections: options.connections,
    ...(options.overallRate !== undefined ? { overallRate: options.overallRate } : {}),
    duration: durationSec,
    timeout: 10,
  });
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (options.warmupSec > 0) await runOnce(options, options.warmupSec);
  const cpuBefore = options.serverPid === undefined ? undefined : readCpuMs(options.serverPid);
  const result = await runOnce(options, options.durationSec);
  const cpuAfter = options.serverPid === undefined ? undefined : readCpuMs(options.serverPid);
  const ok = result['2xx'];
  if (result.non2xx > 0 || result.errors > 0 || ok === 0) {
    throw new Error(
      `${options.url}: ${ok} ok, ${result.non2xx} non-2xx, ${result.errors} errors (${result.timeouts} timeouts) — the server did not answer the request as a valid session`,
    );
  }
  return {
    requestsPerSec: ok / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: ok,
    durationSec: result.duration,
    connections: options.connections,
    ...(cpuBefore !== undefined && cpuAfter !== undefined ? { cpuUsPerRequest: ((cpuAfter - cpuBefore) * 1000) / ok } : {}),
  };
}
