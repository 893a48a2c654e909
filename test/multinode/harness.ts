import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/sessiond.js', import.meta.url));
export const NODE_ADMIN_PASSWORD = 'multinode-admin-pass-1';

export interface SessiondNode {
  name: string;
  url: string;
  child: ChildProcess;
  /** Everything the process wrote (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | string>;
  /** Sends a signal and waits for the process to end (SIGKILL after 5 s if it lingers). */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface NodeCluster {
  nodes: SessiondNode[];
  /** Stops every node still running. */
  stop(): Promise<void>;
}

/**
 * Starts one `sessiond serve` child process on a free port (PORT=0) and answers once it says
 * it is listening (an info-level log line, so SESSIOND_LOG_LEVEL must stay at info or below).
 * `env` is added to a small test environment (low scrypt cost, admin password).
 */
export function startNode(name: string, env: Record<string, string>, startTimeoutMs = 30_000): Promise<SessiondNode> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: '0',
      HOST: '127.0.0.1',
      SESSIOND_ADMIN_PASSWORD: NODE_ADMIN_PASSWORD,
      SESSIOND_SCRYPT_N: '1024',
      SESSIOND_LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop('SIGKILL');
      reject(new Error(`${name} did not start within ${startTimeoutMs} ms:\n${text}`));
    }, startTimeoutMs);
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      for (const line of text.split('\n')) {
        if (!line.includes('sessiond is listening')) continue;
        try {
          const url = (JSON.parse(line) as { url?: unknown }).url;
          if (typeof url !== 'string') continue;
          clearTimeout(timer);
          resolve({ name, url, child, output: () => text, exited, stop });
          return;
        } catch {
          // a partial line; wait for the rest
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before listening:\n${text}`));
    });
  });
}

/** Starts `count` nodes at the same time on one store (so they also race through migrations). */
export async function startCluster(count: number, env: Record<string, string>): Promise<NodeCluster> {
  const started = await Promise.allSettled(Array.from({ length: count }, (_, i) => startNode(`node${i}`, env)));
  const nodes = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  return { nodes, stop };
}

/** Logs in as the nodes' admin on one node; answers the session ID. */
export async function loginOn(url: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: NODE_ADMIN_PASSWORD }),
  });
  const body = (await res.json()) as { sessionId?: string };
  if (res.status !== 200 || !body.sessionId) throw new Error(`login on ${url} answered ${res.status}`);
  return body.sessionId;
}

/** Whether `node` accepts the session ID right now. */
export async function accepts(nodeUrl: string, sessionId: string): Promise<boolean> {
  const res = await fetch(`${nodeUrl}/api/v1/session`, { headers: { authorization: `Bearer ${sessionId}` } });
  await res.arrayBuffer();
  if (res.status === 200) return true;
  if (res.status === 401) return false;
  throw new Error(`${nodeUrl} answered ${res.status} to a session check`);
}

/**
 * Ends one session on `endOn` and answers how long (ms) after that call's answer the last of
 * `others` refused it. Polls as fast as the nodes answer; gives up after `boundMs`.
 */
export async function propagationOf(
  endOn: string,
  callerId: string,
  targetId: string,
  others: ReadonlyArray<string>,
  boundMs: number,
): Promise<number> {
  const res = await fetch(`${endOn}/api/v1/sessions/invalidate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${callerId}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sessionIds: [targetId] }),
  });
  const body = (await res.json()) as { results?: Array<{ success: boolean }> };
  const answeredAt = performance.now();
  if (res.status !== 200 || body.results?.[0]?.success !== true) throw new Error(`invalidate answered ${res.status}`);
  const refusedAt = await Promise.all(
    others.map(async (url) => {
      for (;;) {
        if (!(await accepts(url, targetId))) return performance.now();
        if (performance.now() - answeredAt > boundMs) throw new Error(`${url} still accepts an ended session after ${boundMs} ms`);
      }
    }),
  );
  return Math.max(...refusedAt) - answeredAt;
}

/** The p-th percentile (0-100) of a list of numbers, nearest-rank. */
export function percentile(values: ReadonlyArray<number>, p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? NaN;
}
