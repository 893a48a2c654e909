import { existsSync } from 'node:fs';
import { readlink } from 'node:fs/promises';
import { getPriority, setPriority } from 'node:os';

/**
 * Lowers the scheduling priority (raises the nice value) of libuv's worker threads, where
 * password hashes run (argon2id and scrypt, tens of milliseconds of CPU each), so that on a busy
 * core the event loop, which answers every session check, runs first and hashes take what is
 * left. Without it a node with few cores and a steady share of logins answered checks in
 * hundreds of milliseconds: its event-loop thread waited for its core behind four hash threads
 * for nearly half of every second (bench/NOTES.md, "Soak"). Logins get slower only while the
 * core is busy with checks; an idle core runs hashes at full speed either way.
 *
 * The same threads also run file writes (the log) and DNS lookups, which yield the same way. On
 * Linux only: its nice value belongs to a thread, and a process may always lower its own threads.
 */
export type WorkerPriorityResult = { lowered: number; of: number; nice: number } | { skipped: string };

/** Rounds of lookups at most, and lookups at once in each, to meet every worker thread. */
const ROUNDS = 200;
const AT_ONCE = 32;

export async function lowerWorkerThreadPriority(nice: number): Promise<WorkerPriorityResult> {
  if (nice === 0) return { skipped: 'SESSIOND_HASH_THREAD_NICE is 0' };
  if (process.platform !== 'linux' || !existsSync('/proc/thread-self')) return { skipped: 'thread priorities are set on Linux only' };
  const workers = await workerThreadIds();
  // Only ever lower: a process started at a higher nice value keeps its threads there.
  try {
    for (const tid of workers) if (getPriority(tid) < nice) setPriority(tid, nice);
  } catch (error) {
    return { skipped: `the worker threads' priority could not be set: ${error instanceof Error ? error.message : String(error)}` };
  }
  return { lowered: workers.length, of: poolSize(), nice };
}

/**
 * The thread IDs of libuv's worker threads. An asynchronous readlink runs on one of them, and
 * /proc/thread-self names the thread that reads it, so each lookup answers the ID of the worker
 * that ran it; lookups many at once meet every worker within a few rounds (a few milliseconds).
 * Thread names would do on Node 22 and later ("libuv-worker"), not on Node 20.
 */
async function workerThreadIds(): Promise<number[]> {
  const expected = poolSize();
  const seen = new Set<number>();
  for (let round = 0; round < ROUNDS && seen.size < expected; round++) {
    const links = await Promise.all(Array.from({ length: Math.max(AT_ONCE, expected * 4) }, () => readlink('/proc/thread-self')));
    for (const link of links) seen.add(Number(link.slice(link.lastIndexOf('/') + 1)));
  }
  return [...seen];
}

/** What libuv reads at the pool's start: UV_THREADPOOL_SIZE, 4 by default, at most 1024. */
function poolSize(): number {
  const raw = Number(process.env.UV_THREADPOOL_SIZE);
  return Number.isInteger(raw) && raw > 0 ? Math.min(raw, 1024) : 4;
}
