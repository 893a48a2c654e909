import type { Launched } from '../launcher.ts';
import { runLoad } from '../load.ts';
import type { Mode } from '../modes.ts';
import type { MeasuredRow } from '../results.ts';

/** What the runner hands every scenario. */
export interface BenchContext {
  mode: Mode;
  /** A private scratch directory of this run (databases, server logs); removed at the end. */
  workDir: string;
  print(line: string): void;
}

/**
 * The shared shape of every "is this session valid, and whose is it" measurement: load one
 * request against a running server, then stop it so its peak memory is final.
 */
export async function measureValidation(
  ctx: BenchContext,
  server: Launched,
  row: { id: string; label: string; note?: string },
  request: { path: string; headers: Record<string, string>; headerSets?: ReadonlyArray<Record<string, string>> },
): Promise<MeasuredRow> {
  try {
    const load = await runLoad({
      url: server.url + request.path,
      headers: request.headers,
      ...(request.headerSets ? { headerSets: request.headerSets } : {}),
      connections: ctx.mode.connections,
      durationSec: ctx.mode.durationSec,
      warmupSec: ctx.mode.warmupSec,
      serverPid: server.pid,
    });
    await server.stop();
    return {
      status: 'ok',
      group: 'validation',
      ...row,
      perSec: load.requestsPerSec,
      p50Ms: load.p50Ms,
      p99Ms: load.p99Ms,
      peakRssBytes: server.peakRss(),
      connections: load.connections,
      ...(load.cpuUsPerRequest !== undefined ? { cpuUsPerRequest: load.cpuUsPerRequest } : {}),
    };
  } finally {
    await server.stop();
  }
}

/** The `Cookie` header a browser would send back after these Set-Cookie answers. */
export function cookieHeader(res: Response): string {
  const pairs = res.headers.getSetCookie().map((c) => c.split(';')[0]!.trim());
  if (pairs.length === 0) throw new Error(`${res.url} set no cookie (status ${res.status})`);
  return pairs.join('; ');
}

/** Fetches JSON and fails loudly on anything but the expected status. */
export async function expectJson(res: Response, status = 200): Promise<unknown> {
  const text = await res.text();
  if (res.status !== status) throw new Error(`${res.url} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as unknown;
}
