import { reachable as answersAt } from '../test/helpers/services.ts';

/** The outside services some scenarios need, and whether they answer. */
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export function reachable(url: string, defaultPort: number, timeoutMs = 1000): Promise<boolean> {
  const parsed = new URL(url);
  return answersAt(parsed.hostname, Number(parsed.port || defaultPort), timeoutMs);
}
