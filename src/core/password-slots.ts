/**
 * How many password hashes (argon2id or scrypt, hashing or verifying) run at once in this
 * process: at most `limit`, the rest wait their turn in the order they came. A hash is CPU
 * work on one of libuv's threads (4 by default) holding its whole memory cost while it runs
 * (19 MiB for the default argon2id, 16 MiB for scrypt at N=2^14): more hashes at once than
 * cores finish no sooner in all, but hold more memory and take threads that file and DNS work
 * also need. A waiting verify has already been counted by the login limits (LoginGuard admits
 * the attempt before the check), so waiting gives a guesser nothing.
 */
export class PasswordSlots {
  private active = 0;
  private max: number;
  private readonly queue: Array<() => void> = [];

  constructor(limit: number) {
    this.max = checkedLimit(limit);
  }

  /** Hashes allowed to run at once. */
  get limit(): number {
    return this.max;
  }

  /** Changes the limit (the composition root sets SESSIOND_PASSWORD_HASH_CONCURRENCY); a raise starts waiting hashes at once. */
  setLimit(limit: number): void {
    this.max = checkedLimit(limit);
    while (this.active < this.max && this.queue.length > 0) {
      this.active++;
      this.queue.shift()!();
    }
  }

  /** Hashes running now. */
  get running(): number {
    return this.active;
  }

  /** Hashes waiting for a slot. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Runs `hash` once a slot is free, and frees the slot when it settles either way. */
  async run<T>(hash: () => Promise<T>): Promise<T> {
    if (this.active < this.max) this.active++;
    // The slot is handed over by release(), so `active` never drops below the limit while some wait.
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    try {
      return await hash();
    } finally {
      this.release();
    }
  }

  private release(): void {
    // After a lowered limit, a finishing hash hands its slot on only if fewer than the limit would run without it.
    const next = this.active <= this.max ? this.queue.shift() : undefined;
    if (next) next();
    else this.active--;
  }
}

function checkedLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`password hash slots must be a whole number ≥ 1 (got ${limit})`);
  return limit;
}

/**
 * The default: libuv's thread pool, 4 threads, which bounded hashes at once before there were
 * slots. Fewer (the cores) bounds their memory further, but on a machine shared with other work
 * a process with fewer runnable threads gets a smaller share of the cores: in the soak benchmark
 * on a busy 2-core VM, 2 slots answered about 10 % fewer operations than 4, logins queued, and
 * the login limits' in-flight reservations refused some (bench/NOTES.md, "Soak").
 */
export const DEFAULT_PASSWORD_SLOTS = 4;

/** The process's slots, shared by every hash it makes: the threads and the memory are the process's. */
export const passwordSlots = new PasswordSlots(DEFAULT_PASSWORD_SLOTS);
