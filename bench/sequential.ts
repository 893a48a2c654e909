import { Agent, request } from 'node:http';

/**
 * Times calls one after another on one kept-alive connection, each with its own request, at
 * sub-millisecond resolution (autocannon's histogram rounds to whole milliseconds, too coarse
 * for a 3 ms target). Each answer is checked by the caller; a bad answer fails the run.
 */
export interface CallSpec {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface Answer {
  status: number;
  body: string;
}

export interface SequentialResult {
  /** Per-call latency in milliseconds, in call order. */
  latenciesMs: number[];
  totalMs: number;
}

export async function timeSequentialCalls(
  baseUrl: string,
  count: number,
  next: (i: number) => CallSpec,
  check: (answer: Answer, i: number) => void,
): Promise<SequentialResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(baseUrl);
  const latenciesMs: number[] = [];
  const started = process.hrtime.bigint();
  try {
    for (let i = 0; i < count; i++) {
      const spec = next(i);
      const t0 = process.hrtime.bigint();
      const answer = await call(agent, url, spec);
      latenciesMs.push(Number(process.hrtime.bigint() - t0) / 1e6);
      check(answer, i);
    }
  } finally {
    agent.destroy();
  }
  return { latenciesMs, totalMs: Number(process.hrtime.bigint() - started) / 1e6 };
}

function call(agent: Agent, url: URL, spec: CallSpec): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...spec.headers };
    if (spec.body !== undefined) headers['content-length'] = Buffer.byteLength(spec.body);
    const req = request(
      { agent, host: url.hostname, port: url.port, method: spec.method, path: spec.path, headers, timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${spec.method} ${spec.path} timed out`)));
    req.on('error', reject);
    if (spec.body !== undefined) req.write(spec.body);
    req.end();
  });
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
