import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { RssSampler } from './rss-sampler.ts';
import { SERVER_NODE_FLAGS } from './server-node-flags.ts';

/**
 * Starts one system under test as its own process on 127.0.0.1, waits until it answers HTTP,
 * samples its memory while it lives, and stops it. Every process started here is tracked, so
 * `stopAll` (run on exit, error and Ctrl-C) leaves nothing behind.
 */
export interface LaunchOptions {
  name: string;
  /** Arguments to node (the script and its flags); runs under the same node binary as the bench. */
  args: string[];
  env?: Record<string, string>;
  /** Where the child's stdout/stderr go (a file, so a chatty logger never blocks on a pipe). */
  logDir: string;
  /** A path that answers once the server is ready (any HTTP status counts). */
  readyPath?: string;
  readyTimeoutMs?: number;
  cwd?: string;
}

export interface Launched {
  name: string;
  pid: number;
  url: string;
  logFile: string;
  /** Highest VmRSS seen since start, in bytes. */
  peakRss(): number;
  stop(): Promise<void>;
}

const running = new Set<Launched>();

/**
 * `BENCH_CPU_PROFILE_DIR=dir npm run bench …`: every server writes a V8 CPU profile of its whole
 * life, one a thread, to dir/<name>/CPU.….cpuprofile when it stops (open it in Chrome's
 * DevTools). A diagnostic: the profiler costs the servers some CPU, so that run's figures are
 * not for RESULTS.md.
 */
const PROFILE_DIR = process.env.BENCH_CPU_PROFILE_DIR;

function profileFlags(name: string): string[] {
  if (!PROFILE_DIR) return [];
  // A directory per server, not a file name: each thread (tsx's loader runs in one) writes its own.
  return ['--cpu-prof', `--cpu-prof-dir=${join(PROFILE_DIR, name.replace(/[^A-Za-z0-9_.-]+/g, '_'))}`];
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function launch(options: LaunchOptions): Promise<Launched> {
  const port = await freePort();
  const logFile = join(options.logDir, `${options.name.replace(/[^A-Za-z0-9_.-]+/g, '_')}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...profileFlags(options.name), ...options.args], {
    cwd: options.cwd ?? process.cwd(),
    env: { ...process.env, NODE_ENV: 'production', ...options.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${options.name}: could not start`);
  const pid = child.pid;
  const sampler = new RssSampler(pid);
  sampler.start();
  const url = `http://127.0.0.1:${port}`;

  let stopping: Promise<void> | undefined;
  const handle: Launched = {
    name: options.name,
    pid,
    url,
    logFile,
    peakRss: () => sampler.peak,
    stop() {
      stopping ??= (async () => {
        sampler.sample();
        sampler.stop();
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          // A profiled server writes its profile on the way out, which can take a while.
          const timer = setTimeout(() => child.kill('SIGKILL'), PROFILE_DIR ? 60_000 : 5000);
          await exited(child);
          clearTimeout(timer);
        }
        running.delete(handle);
      })();
      return stopping;
    },
  };
  running.add(handle);

  try {
    await waitReady(url + (options.readyPath ?? '/'), child, options.readyTimeoutMs ?? 30_000, options.name, logFile);
  } catch (error) {
    await handle.stop();
    throw error;
  }
  return handle;
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number, name: string, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before it answered; see ${logFile}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`${name} did not answer ${url} within ${timeoutMs} ms; see ${logFile}`);
}

/** Stops every process this bench started; safe to call more than once. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((r) => r.stop()));
}

/** Last resort when the event loop is going away: signal whatever is still running. */
export function killAllNow(): void {
  for (const r of running) {
    try {
      process.kill(r.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
