import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the checkpointer copies the WAL into the database file. */
const CHECKPOINT_EVERY_MS = 1000;

/**
 * SQLite's WAL is copied back into the database file by a checkpoint, which writes and fsyncs
 * the file. Left to SQLite, the commit that crosses wal_autocheckpoint runs it on the event loop
 * (tens of milliseconds on a busy disk, the p99 of every write). Here a worker thread with its
 * own connection runs PASSIVE checkpoints, which never wait on or block a writer; the store
 * raises wal_autocheckpoint so its own commits checkpoint only if the worker falls far behind.
 * The worker is plain JavaScript (eval), so it runs the same under tsx and from a build.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 0');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const timer = setInterval(() => {
  try { checkpoint.run(); } catch { /* busy or closing: the next round */ }
}, workerData.everyMs);
parentPort.once('message', () => {
  clearInterval(timer);
  try { db.close(); } catch {}
  parentPort.postMessage('closed');
});
`;

export class WalCheckpointer {
  private readonly worker: Worker;

  constructor(path: string) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver, everyMs: CHECKPOINT_EVERY_MS } });
    // Never keeps the process alive; an error only means checkpoints fall back to SQLite's own.
    this.worker.unref();
    this.worker.on('error', () => undefined);
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => {
      this.worker.once('message', () => resolve());
      this.worker.once('exit', () => resolve());
    });
    // Held open until it has closed its connection (it is unref'd the rest of the time).
    this.worker.ref();
    this.worker.postMessage('close');
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([closed, new Promise((resolve) => (timer = setTimeout(resolve, 1000)))]);
    clearTimeout(timer);
    await this.worker.terminate();
  }
}
