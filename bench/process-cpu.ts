import { readFileSync } from 'node:fs';

/**
 * CPU time (user + system) a process has used so far, in milliseconds, from /proc/<pid>/stat.
 * CPU time per request is steadier than requests/s on a shared machine: it does not count the
 * time the server waited for a core. Linux only; elsewhere it is undefined.
 */
const TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux architecture Node supports

/**
 * How long the process's main thread (the event loop) has been runnable but waiting for a core,
 * in milliseconds, from /proc/<pid>/task/<pid>/schedstat (its second field, in ns). A loop delay
 * that is mostly this is the machine's load, not the server's code. Linux only (and needs
 * schedstats in the kernel); elsewhere undefined.
 */
export function readRunQueueWaitMs(pid: number): number | undefined {
  try {
    const waitNs = Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[1]);
    return Number.isFinite(waitNs) ? waitNs / 1e6 : undefined;
  } catch {
    return undefined;
  }
}

export function readCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
    return ((utime + stime) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
