import type { Row } from '../results.ts';
import type { BenchContext } from './context.ts';

export async function otherStores(_ctx: BenchContext): Promise<Row[]> {
  return [];
}
