import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/**
 * Sets the CPUs every thread of a process may run on (`taskset -a -p -c`), for benchmarks that
 * must not measure the load generator fighting the server for the same cores. Answers false,
 * changing nothing, where that cannot be done (no taskset, fewer than two CPUs, not Linux).
 */
export function pinToCpus(pid: number, cpus: string): boolean {
  if (process.platform !== 'linux' || availableParallelism() < 2) return false;
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Every CPU of the machine, in taskset's list form ("0-1" on two). */
export function allCpus(): string {
  return `0-${availableParallelism() - 1}`;
}
