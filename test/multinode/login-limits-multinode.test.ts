import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createThrowawayDatabase } from '../helpers/postgres-db.ts';
import { deleteKeys, rawClient } from '../helpers/redis-cluster.ts';
import { REDIS_URL, skipUnlessService } from '../helpers/services.ts';
import { loginOn, startCluster, startNode, type NodeCluster } from './harness.ts';

/**
 * Issue 16: the login limits live in the store, so two `sessiond serve` processes on one store
 * (a shared SQLite file, one Redis, one PostgreSQL database) share one budget, and a restart of
 * every node keeps it.
 */

interface SharedStore {
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

const stores: Array<{ name: string; skip: () => Promise<false | string>; open: () => Promise<SharedStore> }> = [
  {
    name: 'sqlite',
    skip: async () => false,
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sessiond-limits-'));
      return { env: { SESSIOND_STORE: `sqlite:${join(dir, 'shared.db')}` }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'redis',
    skip: () => skipUnlessService('redis'),
    open: async () => {
      const prefix = `test-limits-${randomBytes(4).toString('hex')}:`;
      return {
        env: { SESSIOND_STORE: REDIS_URL, SESSIOND_REDIS_PREFIX: prefix },
        async cleanup() {
          const raw = await rawClient({ kind: 'redis', url: REDIS_URL });
          await deleteKeys(raw, prefix);
          await raw.quit();
        },
      };
    },
  },
  {
    name: 'postgres',
    skip: () => skipUnlessService('postgres'),
    open: async () => {
      const db = await createThrowawayDatabase();
      return { env: { SESSIOND_STORE: db.url }, cleanup: () => db.drop() };
    },
  },
];

async function tryLogin(url: string, username: string, password: string): Promise<number> {
  const res = await fetch(`${url}/api/v1/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  await res.arrayBuffer();
  return res.status;
}

for (const { name, skip, open } of stores) {
  const skipped = await skip();
  describe(`${name}: two nodes share the login limits`, { skip: skipped }, () => {
    let store: SharedStore | undefined;
    let cluster: NodeCluster | undefined;
    let a = '';
    let b = '';

    before(async () => {
      store = await open();
      cluster = await startCluster(2, store.env);
      [a, b] = cluster.nodes.map((n) => n.url) as [string, string];
      const admin = await loginOn(a);
      for (const username of ['uma', 'vic']) {
        const res = await fetch(`${a}/api/v1/admin/users`, {
          method: 'POST',
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          body: JSON.stringify({ username, password: `${username}-password-1` }),
        });
        assert.equal(res.status, 201);
      }
    });
    after(async () => {
      await cluster?.stop();
      await store?.cleanup();
    });

    test('10 failures on node A, then the right password on node B: 429', async () => {
      for (let i = 0; i < 10; i++) assert.equal(await tryLogin(a, 'uma', 'wrong-password-1'), 401);
      assert.equal(await tryLogin(b, 'uma', 'uma-password-1'), 429);
    });

    test('failures spread over both nodes count in one budget: the 11th is refused', async () => {
      for (let i = 0; i < 10; i++) assert.equal(await tryLogin(i % 2 ? a : b, 'vic', 'wrong-password-1'), 401);
      assert.equal(await tryLogin(a, 'vic', 'wrong-password-1'), 429);
      assert.equal(await tryLogin(b, 'vic', 'vic-password-1'), 429);
    });

    test('after every node restarts, the lockout is still there', async () => {
      await cluster?.stop();
      cluster = undefined;
      const node = await startNode('restarted', store!.env);
      cluster = { nodes: [node], stop: () => node.stop() };
      assert.equal(await tryLogin(node.url, 'uma', 'uma-password-1'), 429);
    });
  });
}
