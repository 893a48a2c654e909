import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SERVER_NODE_FLAGS } from '../../bench/server-node-flags.ts';
import { startChildServer } from '../cli/child-process.ts';
import { REPO } from './consumer-project.ts';

interface Proc {
  pid: number;
  argv: string[];
  env: string;
}

/** The processes of one process group, from /proc: their command lines and environments. */
function processGroup(pgid: number): Proc[] {
  const found: Proc[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces): state, ppid, pgrp, …
      const [, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) !== pgid) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      found.push({ pid: Number(entry), argv, env: readFileSync(`/proc/${entry}/environ`, 'utf8') });
    } catch {
      // The process ended while being read.
    }
  }
  return found;
}

const dir = mkdtempSync(join(tmpdir(), 'sessiond-npm-start-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('npm start runs the compiled server (node bin/sessiond.js serve) with no tsx anywhere in its process tree, glibc told to give large blocks back, a young generation of fixed size and no allocation-site pretenuring', async () => {
  const server = await startChildServer({ SESSIOND_STORE: `sqlite:${join(dir, 'sessiond.db')}` }, 60_000, { file: 'npm', args: ['start'], cwd: REPO });
  try {
    const res = await fetch(`${server.url}/healthz`);
    assert.equal(res.status, 200);
    const tree = processGroup(server.child.pid!);
    const serving = tree.filter((p) => p.argv.slice(-2).join(' ') === 'bin/sessiond.js serve');
    assert.equal(serving.length, 1, `one node process runs bin/sessiond.js serve: ${JSON.stringify(tree.map((p) => p.argv))}`);
    assert.match(serving[0]!.argv[0]!, /(^|\/)node$/);
    // The node flags the bench gives every server it measures (bench/server-node-flags.ts): a young generation of fixed size, no allocation-site pretenuring.
    assert.deepEqual(serving[0]!.argv.slice(1, -2), [...SERVER_NODE_FLAGS], 'npm start gives node the flags the benchmarks measured');
    // glibc reads it only at process start: freed 16 MiB scrypt buffers go back to the OS (README, "Memory").
    assert.match(serving[0]!.env, /(^|\0)MALLOC_MMAP_THRESHOLD_=131072(\0|$)/, 'npm start gives the server the allocator setting');
    for (const p of tree) {
      assert.ok(!p.argv.some((arg) => /tsx/.test(arg)), `no tsx on a command line: ${p.argv.join(' ')}`);
      assert.ok(!/(^|\0)NODE_OPTIONS=[^\0]*tsx/.test(p.env), `no tsx in NODE_OPTIONS of ${p.argv.join(' ')}`);
    }
  } finally {
    await server.stop();
  }
});
