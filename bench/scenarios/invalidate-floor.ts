import { closeSync, fdatasyncSync, fstatSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { launch } from '../launcher.ts';
import type { MeasuredRow } from '../results.ts';
import { percentile, timeSequentialCalls, type CallSpec } from '../sequential.ts';
import type { BenchContext } from './context.ts';
import { peer } from './peers.ts';

/**
 * What a durable invalidateSessions of 200 IDs cannot do without on this machine, measured in
 * the same run as the call itself, so the 3 ms target can be read against this hour's machine:
 * - the HTTP exchange of the same request and answer bodies with a bare Fastify route (it parses
 *   the IDs and answers 200 results of sessiond's shape, and does nothing else);
 * - the commit's durable append: a call's WAL frames written and fdatasync'd, as SQLite does with
 *   synchronous=FULL (37 frames of a 4 KB page, what strace counted per call; bench/NOTES.md);
 * - 200 reads of random 4 KB pages of the store's file, one system call each, as the 200 lookups
 *   of a store larger than its page cache make (the file is in the OS cache after the run).
 * Each is a floor, not a model: the call also parses, hashes, inserts two rows per end, logs and
 * answers. Their p50s add up to what the call would take if it did nothing else.
 */
export const FLOOR_IDS = {
  http: 'invalidate-floor-http',
  append: 'invalidate-floor-append',
  reads: 'invalidate-floor-reads',
} as const;

const WAL_FRAMES_PER_CALL = 37;
/** A WAL frame: its 24-byte header and one 4 KB page. */
const FRAME_BYTES = 24 + 4096;
/** The WAL starts over after a checkpoint and its frames are written again into the same file. */
const APPEND_SLOTS = 25;
const PAGE_BYTES = 4096;
const READS_PER_CALL = 200;

export async function invalidateFloorRows(ctx: BenchContext, storeFile: string, restBodies: readonly string[]): Promise<MeasuredRow[]> {
  const rounds = restBodies.length;
  return [await bareExchange(ctx, restBodies), durableAppends(ctx.workDir, rounds), pageReads(storeFile, rounds)];
}

function floorRow(id: string, label: string, latenciesMs: number[], note: string): MeasuredRow {
  return {
    status: 'ok',
    group: 'invalidate',
    id,
    label,
    p50Ms: percentile(latenciesMs, 50),
    p99Ms: percentile(latenciesMs, 99),
    note: `${latenciesMs.length} rounds; ${note}`,
  };
}

async function bareExchange(ctx: BenchContext, bodies: readonly string[]): Promise<MeasuredRow> {
  const server = await launch({ name: 'bare-fastify-invalidate', args: peer('bare-fastify.mjs'), logDir: ctx.workDir, readyPath: '/session' });
  try {
    const call = (i: number): CallSpec => ({
      method: 'POST',
      path: '/sessions/invalidate',
      headers: { authorization: 'Bearer floor', 'content-type': 'application/json' },
      body: bodies[i]!,
    });
    const run = await timeSequentialCalls(server.url, bodies.length, call, (answer) => {
      if (answer.status !== 200) throw new Error(`the bare invalidate route answered ${answer.status}`);
    });
    return floorRow(
      FLOOR_IDS.http,
      'floor: the same REST bodies exchanged with a bare Fastify route',
      run.latenciesMs,
      'one connection, calls in sequence; the route parses the 200 IDs and answers 200 results of sessiond\'s shape, nothing else',
    );
  } finally {
    await server.stop();
  }
}

function durableAppends(dir: string, rounds: number): MeasuredRow {
  const path = join(dir, 'floor-append.wal');
  const frames = Buffer.alloc(WAL_FRAMES_PER_CALL * FRAME_BYTES, 0x5a);
  const fd = openSync(path, 'w+');
  try {
    // The slots exist before the timed writes, as a WAL's do after its first round.
    for (let slot = 0; slot < APPEND_SLOTS; slot++) writeSync(fd, frames, 0, frames.length, slot * frames.length);
    fdatasyncSync(fd);
    const times: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t0 = process.hrtime.bigint();
      writeSync(fd, frames, 0, frames.length, (i % APPEND_SLOTS) * frames.length);
      fdatasyncSync(fd);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return floorRow(
      FLOOR_IDS.append,
      `floor: a call's durable append (${WAL_FRAMES_PER_CALL} WAL frames, write + fdatasync)`,
      times,
      `${Math.round(frames.length / 1024)} KB a round on the store's filesystem, as a commit with synchronous=FULL`,
    );
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
}

function pageReads(storeFile: string, rounds: number): MeasuredRow {
  const fd = openSync(storeFile, 'r');
  try {
    const pages = Math.floor(fstatSync(fd).size / PAGE_BYTES);
    const page = Buffer.alloc(PAGE_BYTES);
    const times: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t0 = process.hrtime.bigint();
      for (let r = 0; r < READS_PER_CALL; r++) readSync(fd, page, 0, PAGE_BYTES, Math.floor(Math.random() * pages) * PAGE_BYTES);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return floorRow(
      FLOOR_IDS.reads,
      `floor: ${READS_PER_CALL} random page reads of the store's file`,
      times,
      `${READS_PER_CALL} reads of 4 KB a round, one system call each, of a ${Math.round((pages * PAGE_BYTES) / 2 ** 20)} MB file in the OS cache`,
    );
  } finally {
    closeSync(fd);
  }
}
