import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';

/**
 * Sets the CPUs every thread of a process may run on (`taskset -a -p -c`), for benchmarks that
 * must not measure the load generator fighting the server for the same cores. Answers why not,
 * having changed nothing it could undo, where that cannot be done (no taskset, fewer than two
 * CPUs, not Linux); undefined once it is done.
 */
export function pinToCpus(pid: number, cpuList: string): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (cpus().length < 2) return 'fewer than two CPUs';
  let why = '';
  // taskset walks the process's threads one by one and fails if one ends on the way (a thread
  // of a pool that just retired), so a failure is tried again before it counts.
  for (let attempt = 0; attempt < 5; attempt++) {
    const run = spawnSync('taskset', ['-a', '-p', '-c', cpuList, String(pid)], { encoding: 'utf8' });
    if (run.status === 0) return undefined;
    why = run.error ? run.error.message : `taskset exited ${run.status}: ${run.stderr.trim()}`;
    if (run.error) break;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
  return why;
}

/**
 * Every CPU of the machine, in taskset's list form ("0-1" on two). Counted by `os.cpus()`, not
 * `availableParallelism()`: the latter counts the CPUs this process may use, so once it was
 * pinned to one, "every CPU" became "0-0" (until 2026-12-06 that pinned the soak's load to CPU 0
 * after the probe, and the soak itself then ran unpinned).
 */
export function allCpus(): string {
  return `0-${cpus().length - 1}`;
}
