import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { READY_MESSAGE, STOP_MESSAGE, type CheckpointThreadData } from './sqlite-checkpoints.ts';

/**
 * The body of the checkpoint thread (sqlite-checkpoints.ts): its own connection to the file,
 * copying WAL frames into the database with PASSIVE checkpoints. Runs every `intervalMs` while
 * the WAL grows and backs off to `idleIntervalMs` while nothing is written, so an idle server
 * wakes it rarely.
 */
interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

if (parentPort === null) throw new Error('sqlite-checkpoint-thread runs only as a worker thread');
const port = parentPort;
const data = workerData as CheckpointThreadData;

const db = new Database(data.path, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
// A checkpoint syncs the WAL before it copies and the database file after, as the serving
// connection's own checkpoints do.
db.pragma('synchronous = FULL');
const checkpoint = db.prepare<[], CheckpointResult>('PRAGMA wal_checkpoint(PASSIVE)');

let interval = data.intervalMs;
let lastLog = -1;
let timer: NodeJS.Timeout | undefined;

function runOnce(): void {
  let result: CheckpointResult | undefined;
  try {
    result = checkpoint.get();
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

port.on('message', (message: unknown) => {
  if (message !== STOP_MESSAGE) return;
  clearTimeout(timer);
  db.close();
  port.close();
});

timer = setTimeout(runOnce, interval);
port.postMessage(READY_MESSAGE);
