/**
 * Lookups by key, coalesced (the validation hot path on the shared stores). At most
 * `maxInFlight` fetches are on their way from one node; keys asked for while they are all busy
 * wait and go together in the next fetch. Under load one round trip (one write, one read, one
 * statement or pipeline on the server) then answers many checks. Every waiter's fetch is sent
 * after it asked, so it sees every change committed before the check began: coalescing keeps a
 * check exactly as fresh as a fetch of its own.
 *
 * A fetch is sent from `setImmediate`, not from the call that asked: the requests Node reads in
 * one pass over its sockets (the event loop's poll phase) each ask in their own callback, and
 * sending at the first ask put that one alone in its fetch, the rest in the next. Waiting for
 * the end of the pass costs an idle node microseconds and, under load, took the mean batch from
 * about 10 keys to 17 and single-key fetches from a quarter of them to 6 % (bench/NOTES.md).
 */
export interface CoalescingOptions {
  maxInFlight: number;
  /** Bounds one fetch; what is left waits for the next. */
  maxBatch: number;
}

interface Waiter<V> {
  resolve(value: V | null): void;
  reject(error: unknown): void;
}

export class CoalescedLookups<V> {
  private waiting = new Map<string, Array<Waiter<V>>>();
  private inFlight = 0;
  private sendScheduled = false;

  /** `fetch` answers the values found, by key; a key it leaves out answers null. */
  constructor(
    private readonly fetch: (keys: string[]) => Promise<Map<string, V>>,
    private readonly options: CoalescingOptions,
  ) {}

  find(key: string): Promise<V | null> {
    return new Promise((resolve, reject) => {
      const waiters = this.waiting.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.waiting.set(key, [{ resolve, reject }]);
      this.scheduleSend();
    });
  }

  private scheduleSend(): void {
    if (this.sendScheduled) return;
    this.sendScheduled = true;
    setImmediate(() => {
      this.sendScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.waiting.size > 0) {
      this.inFlight++;
      void this.send(this.take()).finally(() => {
        this.inFlight--;
        this.scheduleSend();
      });
    }
  }

  /** Answers every waiter of the batch; never rejects. */
  private async send(batch: Map<string, Array<Waiter<V>>>): Promise<void> {
    try {
      const found = await this.fetch([...batch.keys()]);
      for (const [key, waiters] of batch) {
        const value = found.get(key) ?? null;
        for (const waiter of waiters) waiter.resolve(value);
      }
    } catch (error) {
      for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
    }
  }

  private take(): Map<string, Array<Waiter<V>>> {
    if (this.waiting.size <= this.options.maxBatch) {
      const all = this.waiting;
      this.waiting = new Map();
      return all;
    }
    const batch = new Map<string, Array<Waiter<V>>>();
    for (const [key, waiters] of this.waiting) {
      batch.set(key, waiters);
      this.waiting.delete(key);
      if (batch.size === this.options.maxBatch) break;
    }
    return batch;
  }
}
