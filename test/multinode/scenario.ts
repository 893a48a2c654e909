import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  accepts,
  loginOn,
  percentile,
  propagationOf,
  startCluster,
  type NodeCluster,
} from './harness.ts';
import { createHash } from 'node:crypto';
import { openSse } from '../helpers/sse-client.ts';

/** How long a node may keep a validated session: the worst case when an invalidation message is lost. */
export const CACHE_MAX_AGE_MS = 30_000;

export interface MultiNodeStore {
  /** SESSIOND_STORE for every node. */
  storeUrl: string;
  cleanup(): Promise<void>;
}

async function cacheEntries(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = /^sessiond_session_cache_entries\s+(\d+)/m.exec(text);
  return match ? Number(match[1]) : 0;
}

/**
 * Three `sessiond serve` processes on one store, with the session cache on, so only the
 * invalidation bus keeps them honest. Each store's multi-node test file calls this once.
 */
export function runMultiNodeSuite(name: string, setup: () => Promise<MultiNodeStore>, options: { skip?: string | false } = {}): void {
  describe(`${name}: three nodes on one store`, { skip: options.skip ?? false }, () => {
    let store: MultiNodeStore | undefined;
    let cluster: NodeCluster | undefined;
    let urls: string[] = [];

    before(async () => {
      store = await setup();
      cluster = await startCluster(3, {
        SESSIOND_STORE: store.storeUrl,
        SESSIOND_CACHE_MAX_AGE_MS: String(CACHE_MAX_AGE_MS),
        SESSIOND_CACHE_MAX_ENTRIES: '10000',
      });
      urls = cluster.nodes.map((n) => n.url);
    });
    after(async () => {
      await cluster?.stop();
      await store?.cleanup();
    });

    test('a session made on any node validates on every node', async () => {
      for (const origin of urls) {
        const id = await loginOn(origin);
        for (const url of urls) assert.equal(await accepts(url, id), true, `made on ${origin}, checked on ${url}`);
      }
      for (const url of urls) assert.ok((await cacheEntries(url)) > 0, `${url} serves from its cache`);
    });

    test('a batch of 200 ended on one node is refused by every node well within the cache bound', async () => {
      const [first, ...others] = urls as [string, ...string[]];
      const caller = await loginOn(first);
      // Eight at a time: more logins of one user from one address in flight at once than the
      // failure budget (SESSIOND_LOGIN_MAX_FAILURES) are asked to wait (429), as guesses would be.
      const ids: string[] = [];
      for (let i = 0; i < 200; i += 8) {
        ids.push(...(await Promise.all(Array.from({ length: Math.min(8, 200 - i) }, (_, j) => loginOn(urls[(i + j) % urls.length]!)))));
      }
      // Every node checks every session, so each has all 200 in its cache.
      const warm = await Promise.all(ids.flatMap((id) => urls.map((url) => accepts(url, id))));
      assert.ok(warm.every(Boolean));

      const res = await fetch(`${first}/api/v1/sessions/invalidate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${caller}`, 'content-type': 'application/json' },
        body: JSON.stringify({ sessionIds: ids }),
      });
      const body = (await res.json()) as { results: Array<{ success: boolean }> };
      const answeredAt = performance.now();
      assert.equal(res.status, 200);
      assert.ok(body.results.length === 200 && body.results.every((r) => r.success));

      // Time it on the first and the last ID (they travel in different messages), polled tightly…
      const sampled = await Promise.all(
        others.flatMap((url) =>
          [ids[0]!, ids[199]!].map(async (id) => {
            while (await accepts(url, id)) {
              assert.ok(performance.now() - answeredAt < CACHE_MAX_AGE_MS, `${url} still accepts an ended session`);
            }
            return performance.now() - answeredAt;
          }),
        ),
      );
      // …then every ID on every node must be refused, still within the bound.
      let pending = ids.flatMap((id) => urls.map((url) => ({ id, url })));
      while (pending.length > 0) {
        assert.ok(performance.now() - answeredAt < CACHE_MAX_AGE_MS, `${pending.length} checks still accepted an ended session`);
        const still = await Promise.all(pending.map(async (p) => ((await accepts(p.url, p.id)) ? p : null)));
        pending = still.filter((p) => p !== null);
      }
      process.stdout.write(
        `# ${name}: a 200-ID batch: first and last ID refused by every node ${Math.max(...sampled).toFixed(1)} ms after the call answered; ` +
          `all 600 checks refused after ${(performance.now() - answeredAt).toFixed(1)} ms\n`,
      );
    });

    test('propagation per ID, from the end call\'s answer to the last node refusing it, stays within the bound', async () => {
      const [first, ...others] = urls as [string, ...string[]];
      const caller = await loginOn(first);
      const samples: number[] = [];
      for (let i = 0; i < 40; i++) {
        const target = await loginOn(urls[i % urls.length]!);
        for (const url of others) assert.equal(await accepts(url, target), true);
        samples.push(await propagationOf(urls[i % urls.length]!, caller, target, urls.filter((u) => u !== urls[i % urls.length]), CACHE_MAX_AGE_MS));
      }
      const p50 = percentile(samples, 50);
      const p99 = percentile(samples, 99);
      process.stdout.write(`# ${name}: propagation over ${samples.length} IDs: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${Math.max(...samples).toFixed(1)} ms\n`);
      assert.ok(Math.max(...samples) < CACHE_MAX_AGE_MS);
    });

    test('every node streams every node’s session events, in one order', async () => {
      const reader = await loginOn(urls[0]!);
      const streams = await Promise.all(urls.map((url) => openSse(`${url}/api/v1/events`, { authorization: `Bearer ${reader}` })));
      try {
        for (const s of streams) await s.until('connected', (x) => x.frames.length >= 1);
        const made: string[] = [];
        for (const url of urls) made.push(await loginOn(url));
        // Each session is ended on another node than the one that made it.
        for (let i = 0; i < made.length; i++) {
          const res = await fetch(`${urls[(i + 1) % urls.length]}/api/v1/logout`, { method: 'POST', headers: { authorization: `Bearer ${made[i]}` } });
          assert.equal(res.status, 200);
        }
        const hashes = made.map((id) => createHash('sha256').update(id).digest('base64url'));
        const mine = (s: (typeof streams)[number]) => s.events().filter((e) => hashes.includes(String(e.data.idHash)));
        for (const s of streams) await s.until('all six events', (x) => mine(x).length >= 6, 10_000);
        const [first, ...rest] = streams.map((s) => mine(s).map((e) => `${e.id} ${e.event} ${String(e.data.idHash)}`));
        for (const other of rest) assert.deepEqual(other, first, 'every node streams the same events in the same order');
        const events = mine(streams[0]!);
        const seqs = events.map((e) => Number(e.id));
        assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b));
        for (const h of hashes) {
          const kinds = events.filter((e) => e.data.idHash === h).map((e) => e.event);
          assert.deepEqual(kinds, ['session.created', 'session.ended'], 'created before ended, each once');
        }
      } finally {
        for (const s of streams) s.close();
      }
    });

    test('killing one node with SIGKILL loses nothing: its sessions and its ends are there on the others', async () => {
      const victim = cluster!.nodes[2]!;
      const survivors = urls.slice(0, 2);
      const kept = [await loginOn(victim.url), await loginOn(victim.url)];
      const ended = await loginOn(victim.url);
      const res = await fetch(`${victim.url}/api/v1/logout`, { method: 'POST', headers: { authorization: `Bearer ${ended}` } });
      assert.equal(res.status, 200);

      await victim.stop('SIGKILL');
      assert.equal(await victim.exited, 'SIGKILL');
      for (const url of survivors) {
        for (const id of kept) assert.equal(await accepts(url, id), true, 'a session the killed node acknowledged lives on');
        assert.equal(await accepts(url, ended), false, 'a session the killed node ended stays ended');
        assert.equal((await fetch(`${url}/healthz`)).status, 200);
      }
      const again = await loginOn(survivors[0]!);
      assert.equal(await accepts(survivors[1]!, again), true);
    });
  });
}
