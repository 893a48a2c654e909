import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';

/**
 * A worker thread that opens SQLite stores on new files the moment the test releases it, so
 * several threads open one new file at the same instant, as processes starting together do.
 * Round r: says 'ready', waits until the gate reads r, opens `<dir>/together-<r>.db`, answers
 * 'opened' or the error's code.
 */
const { dir, gate, rounds } = workerData as { dir: string; gate: Int32Array; rounds: number };
for (let round = 1; round <= rounds; round++) {
  parentPort?.postMessage('ready');
  Atomics.wait(gate, 0, round - 1);
  try {
    const store = openSqliteStore(join(dir, `together-${round}.db`));
    await store.ping();
    await store.close();
    parentPort?.postMessage('opened');
  } catch (error) {
    parentPort?.postMessage(`failed: ${(error as { code?: string }).code ?? String(error)}`);
  }
}
