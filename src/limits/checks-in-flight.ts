/**
 * The password checks this process has admitted and not yet settled, per counter key, and the
 * attempts waiting for one of them to settle.
 *
 * Why: the login budgets count an attempt before its password is checked, so a burst of right
 * passwords (many users behind one address, or one slow second while hashes queue) fills a budget
 * with checks in flight, not failures. An attempt that finds its budget full only because of
 * checks this process is still running waits for them instead of being refused: when they settle
 * it either finds room (they were right passwords) or finds the budget full of failures or a
 * lockout, and is refused as before. Checks in flight on other nodes are not known here; an
 * attempt they hold back is refused, as before, and told to retry in a second.
 */
export class ChecksInFlight {
  private readonly counts = new Map<string, number>();
  /** Per key, in arrival order. */
  private readonly waiters = new Map<string, Array<() => void>>();
  private waiting = 0;

  /** @param maxWaiting attempts that may wait at once in this process; past it they are refused at once. */
  constructor(private readonly maxWaiting: number) {}

  /** How many admitted checks on `key` this process is running. */
  count(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  hold(keys: readonly string[]): void {
    for (const key of keys) this.counts.set(key, this.count(key) + 1);
  }

  /**
   * The checks on `keys` settled (their counters already updated). A settle frees at most one
   * place, so it wakes the longest waiter on each key, not all of them (a thousand queued guesses
   * would otherwise each go back to the store on every settle); once a key has no check in flight
   * left, every waiter on it wakes, to be admitted or refused for good.
   */
  settle(keys: readonly string[]): void {
    for (const key of keys) {
      const left = this.count(key) - 1;
      if (left > 0) this.counts.set(key, left);
      else this.counts.delete(key);
      const queue = this.waiters.get(key);
      if (!queue) continue;
      const woken = left > 0 ? queue.splice(0, 1) : queue.splice(0);
      if (queue.length === 0) this.waiters.delete(key);
      for (const wake of woken) wake();
    }
  }

  /**
   * Waits until a check on `key` settles or `deadline` (ms since the epoch) passes. Answers false,
   * at once, when there is nothing of ours to wait for, the time is up or too many already wait.
   */
  async settledOrTimeUp(key: string, deadline: number): Promise<boolean> {
    const left = deadline - Date.now();
    if (this.count(key) === 0 || left <= 0 || this.waiting >= this.maxWaiting) return false;
    this.waiting++;
    try {
      await new Promise<void>((resolve) => {
        let queue = this.waiters.get(key);
        if (!queue) this.waiters.set(key, (queue = []));
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          const waiting = this.waiters.get(key);
          const at = waiting?.indexOf(wake) ?? -1;
          if (waiting && at >= 0) waiting.splice(at, 1);
          if (waiting?.length === 0) this.waiters.delete(key);
          resolve();
        }, left);
        queue.push(wake);
      });
    } finally {
      this.waiting--;
    }
    return true;
  }
}
