import type { Row } from '../results.ts';
import type { BenchContext } from './context.ts';

/** Placeholder replaced below once the web tier's routes exist. */
export async function webPool(_ctx: BenchContext): Promise<Row> {
  return { status: 'skipped', group: 'web', id: 'web-pooled-open', label: 'web tier: pooled vs fresh project open', reason: 'TODO' };
}
