import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ADMIN_PASSWORD, login } from '../helpers/server.ts';
import { startChildServer } from './child-process.ts';

/**
 * `sessiond serve` runs libuv's worker threads, where password hashes run, below its event loop
 * (SESSIOND_HASH_THREAD_NICE, default 10), so a core busy with checks answers them first. Read
 * from /proc, as an operator would (`ps -L -o tid,ni`).
 */
const notLinux = process.platform !== 'linux' ? 'thread priorities are set and read on Linux only' : false;

/** The nice value of each thread of a process, by thread ID (field 19 of a thread's /proc stat line). */
function threadNiceValues(pid: number): Map<number, number> {
  const values = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`).map(Number)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      // The thread's name, in parentheses, may hold spaces: count fields after its closing one.
      values.set(tid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return values;
}

async function niceOfServer(env: Record<string, string>): Promise<{ lowered: number; others: number[]; main: number; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sessiond-nice-'));
  try {
    // A server refused at start throws here; its directory goes all the same.
    const server = await startChildServer({ SESSIOND_STORE: `sqlite:${join(dir, 's.db')}`, SESSIOND_ADMIN_PASSWORD: ADMIN_PASSWORD, ...env });
    try {
      // A login runs a hash on one of those threads: it still works.
      await login(server.url, 'admin', ADMIN_PASSWORD);
      const byThread = threadNiceValues(server.child.pid!);
      const main = byThread.get(server.child.pid!)!;
      const values = [...byThread.values()];
      return { lowered: values.filter((n) => n === 10).length, others: values.filter((n) => n !== 10), main, output: server.output() };
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('serve runs the four worker threads at nice 10 and every other thread as it was', { skip: notLinux }, async () => {
  const { lowered, others, main, output } = await niceOfServer({});
  assert.equal(lowered, 4);
  assert.deepEqual([...new Set(others)], [main]);
  assert.match(output, /"threads":4,"nice":10,"msg":"password hash threads run below the event loop"/);
});

test('serve lowers as many worker threads as UV_THREADPOOL_SIZE makes', { skip: notLinux }, async () => {
  const { lowered } = await niceOfServer({ UV_THREADPOOL_SIZE: '2' });
  assert.equal(lowered, 2);
});

test('SESSIOND_HASH_THREAD_NICE=0 leaves every thread as it was', { skip: notLinux }, async () => {
  const { lowered, others, main, output } = await niceOfServer({ SESSIOND_HASH_THREAD_NICE: '0' });
  assert.equal(lowered, 0);
  assert.deepEqual([...new Set(others)], [main]);
  assert.doesNotMatch(output, /password hash threads/);
});

test('a nice value outside 0–19 is refused at start with a clear error', async () => {
  await assert.rejects(niceOfServer({ SESSIOND_HASH_THREAD_NICE: '20' }), /SESSIOND_HASH_THREAD_NICE/);
});
