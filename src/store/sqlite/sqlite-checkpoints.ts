import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints beside the event loop, for a serving process. SQLite checkpoints inside the
 * commit that takes the WAL past 1,000 pages: that request copies the pages into the database
 * file and fsyncs it (about 10 ms here, every ~25 invalidateSessions of 200 IDs: their p99). A
 * worker thread on a connection of its own now runs PASSIVE checkpoints every few milliseconds
 * while the WAL grows; they neither wait for nor block the serving connection. When a commit
 * then reaches SQLite's own checkpoint, the thread has already copied most of the WAL, and the
 * commit copies only the rest; the next write starts the WAL over from its beginning.
 *
 * SQLite's own checkpoint stays on as the backstop: a thread alone would fall behind for good
 * under writes without pauses (a WAL starts over only when a write finds it fully copied), and
 * the WAL would grow without bound. Durability does not change: every commit still fsyncs the
 * WAL (synchronous=FULL); a checkpoint only moves committed pages into the main file.
 */

/** Posted to the thread to end it: it closes its connection and lets the thread exit. */
const STOP_MESSAGE = 'stop';
/** Posted by the thread once its connection is open: from then on it checkpoints. */
const READY_MESSAGE = 'ready';

/** Between checkpoints while the WAL grows. */
const INTERVAL_MS = 20;
/** The longest pause while nothing is written (the pause doubles up to it). */
const IDLE_INTERVAL_MS = 1000;

export interface CheckpointThreadOptions {
  /** The thread failed or ended on its own; commits go on checkpointing as they would without it. */
  onFailure?: (error: Error) => void;
}

export class CheckpointThread {
  /** Settles true once the thread checkpoints, false if it failed or was stopped first. */
  readonly ready: Promise<boolean>;
  private readonly worker: Worker;
  private readonly exited: Promise<unknown>;
  private settleReady: (running: boolean) => void = () => {};
  private stopping = false;

  constructor(path: string, options: CheckpointThreadOptions = {}) {
    this.ready = new Promise((resolve) => (this.settleReady = resolve));
    const workerData = {
      path,
      intervalMs: INTERVAL_MS,
      idleIntervalMs: IDLE_INTERVAL_MS,
      messages: { ready: READY_MESSAGE, stop: STOP_MESSAGE },
    };
    // No flags from the main thread (tsx's --import, the fixed young generation): the thread
    // runs one small plain-JavaScript module and needs neither (with them, ~10 MB more RSS).
    this.worker = new Worker(new URL('./sqlite-checkpoint-thread.mjs', import.meta.url), { workerData, execArgv: [] });
    // The store is closed before a server exits; the thread alone must not keep a process alive.
    this.worker.unref();
    this.exited = new Promise((resolve) => this.worker.once('exit', resolve));
    this.worker.on('message', (message: unknown) => {
      if (message === READY_MESSAGE) this.settleReady(true);
    });
    const fail = (error: Error) => {
      if (this.stopping) return;
      this.stopping = true;
      this.settleReady(false);
      options.onFailure?.(error);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the SQLite checkpoint thread exited (code ${code})`)));
  }

  /** Ends the thread; it closes its connection before it exits. */
  async stop(): Promise<void> {
    if (!this.stopping) {
      this.stopping = true;
      this.settleReady(false);
      this.worker.postMessage(STOP_MESSAGE);
    }
    const deadline = setTimeout(() => void this.worker.terminate(), 5000);
    try {
      await this.exited;
    } finally {
      clearTimeout(deadline);
    }
  }
}
