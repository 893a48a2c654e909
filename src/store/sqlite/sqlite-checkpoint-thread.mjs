// @ts-check
// The body of the checkpoint thread (sqlite-checkpoints.ts starts it): its own connection to
// the file, copying WAL frames into the database with PASSIVE checkpoints. It runs every
// `intervalMs` while the WAL grows and backs off to `idleIntervalMs` while nothing is written,
// so an idle server wakes it rarely.
//
// Plain JavaScript, not TypeScript: a worker thread does not get tsx's hooks on Node 20, and
// loading tsx into the thread to run a .ts file from src/ cost ~17 MB of RSS; as .mjs the same
// file runs from src/ and (copied by scripts/copy-assets.mjs) from dist/.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** @typedef {{ path: string, intervalMs: number, idleIntervalMs: number, messages: { ready: string, stop: string } }} CheckpointThreadData */
/** @typedef {{ busy: number, log: number, checkpointed: number }} CheckpointResult */

if (parentPort === null) throw new Error('sqlite-checkpoint-thread runs only as a worker thread');
const port = parentPort;
const data = /** @type {CheckpointThreadData} */ (workerData);

const db = new Database(data.path, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
// A checkpoint syncs the WAL before it copies and the database file after, as the serving
// connection's own checkpoints do.
db.pragma('synchronous = FULL');
// A checkpoint copies frames from the WAL file to the database file without this connection's
// page cache; keep it small, as the thread's whole cost is RSS beside the server's.
db.pragma('cache_size = -256');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');

let interval = data.intervalMs;
let lastLog = -1;
/** @type {NodeJS.Timeout | undefined} */
let timer;

function runOnce() {
  /** @type {CheckpointResult | undefined} */
  let result;
  try {
    result = /** @type {CheckpointResult} */ (checkpoint.get());
  } catch (error) {
    // Another connection is checkpointing the file at this moment; the next round catches up.
    if (!(error instanceof Database.SqliteError && error.code.startsWith('SQLITE_BUSY'))) throw error;
  }
  // The WAL's frame count moves when something was written since the last round (or it started over).
  const written = result !== undefined && result.log > 0 && result.log !== lastLog;
  lastLog = result?.log ?? lastLog;
  interval = written ? data.intervalMs : Math.min(data.idleIntervalMs, interval * 2);
  timer = setTimeout(runOnce, interval);
}

port.on('message', (message) => {
  if (message !== data.messages.stop) return;
  clearTimeout(timer);
  db.close();
  port.close();
});

timer = setTimeout(runOnce, interval);
port.postMessage(data.messages.ready);
