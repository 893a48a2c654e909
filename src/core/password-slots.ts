import { availableParallelism } from 'node:os';

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
  private readonly queue: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`password hash slots must be a whole number ≥ 1 (got ${limit})`);
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
    if (this.active < this.limit) this.active++;
    // The slot is handed over by release(), so `active` never drops below the limit while some wait.
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    try {
      return await hash();
    } finally {
      this.release();
    }
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.active--;
  }
}

/** The process's slots, shared by every hash it makes: the threads and the memory are the process's. */
export const passwordSlots = new PasswordSlots(availableParallelism());
