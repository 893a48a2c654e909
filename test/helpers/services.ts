import { connect } from 'node:net';

/**
 * External services the store tests need. On a machine without them the tests are skipped with
 * a reason that says so; with SESSIOND_REQUIRE_SERVICES=1 (set by .ci/run) a missing service
 * fails the run instead.
 */
export const POSTGRES_URL = process.env.SESSIOND_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.SESSIOND_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Whether something accepts a TCP connection at host:port (the benchmarks ask too). */
export function reachable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Answers false when the service is there (run the test), or a skip reason when it is not.
 * Throws under SESSIOND_REQUIRE_SERVICES=1, so CI cannot pass by skipping.
 */
export async function skipUnlessService(name: 'postgres' | 'redis'): Promise<false | string> {
  const url = new URL(name === 'postgres' ? POSTGRES_URL : REDIS_URL);
  const port = Number(url.port || (name === 'postgres' ? 5432 : 6379));
  if (await reachable(url.hostname, port)) return false;
  const reason = `SKIPPED: ${name} is not reachable at ${url.hostname}:${port} (set SESSIOND_REQUIRE_SERVICES=1 to make this a failure)`;
  if (process.env.SESSIOND_REQUIRE_SERVICES === '1') {
    throw new Error(`${name} is required (SESSIOND_REQUIRE_SERVICES=1) but not reachable at ${url.hostname}:${port}`);
  }
  process.stderr.write(`${reason}\n`);
  return reason;
}

/** Whether a program is on PATH (redis-server for the cluster test, chromium for the browser test). */
export async function hasProgram(name: string): Promise<boolean> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => execFile('which', [name], (error) => resolve(!error)));
}
