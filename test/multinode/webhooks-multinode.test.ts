import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createThrowawayDatabase } from '../helpers/postgres-db.ts';
import { deleteKeys, rawClient, skipUnlessRedisServerBinary, startRedisCluster, testPrefix } from '../helpers/redis-cluster.ts';
import { ADMIN_PASSWORD, addUser, api, login, startTestServer, type TestServer } from '../helpers/server.ts';
import { REDIS_URL, skipUnlessService } from '../helpers/services.ts';
import { startWebhookReceiver } from '../helpers/webhook-receiver.ts';

/**
 * Several nodes on one store deliver each event to a webhook once between them (the lease in the
 * store), in order, whichever node the changes were made on, also while the receiver fails for a
 * while and every node retries.
 */
const stores: Array<{ name: string; skip: false | string; open(): Promise<{ env: Record<string, string>; cleanup(): Promise<void> }> }> = [
  {
    name: 'PostgreSQL',
    skip: await skipUnlessService('postgres'),
    async open() {
      const db = await createThrowawayDatabase();
      return { env: { SESSIOND_STORE: db.url }, cleanup: () => db.drop() };
    },
  },
  {
    name: 'Redis',
    skip: await skipUnlessService('redis'),
    async open() {
      const prefix = testPrefix('webhooks');
      return {
        env: { SESSIOND_STORE: REDIS_URL, SESSIOND_REDIS_PREFIX: prefix },
        async cleanup() {
          const redis = await rawClient({ kind: 'redis', url: REDIS_URL });
          await deleteKeys(redis, prefix);
          redis.disconnect();
        },
      };
    },
  },
  {
    // A three-master cluster of the test's own: the event stream, the webhooks and their leases
    // live in their own slots, on whichever masters those fall to.
    name: 'Redis Cluster',
    skip: await skipUnlessRedisServerBinary(),
    async open() {
      const cluster = await startRedisCluster(3);
      return { env: { SESSIOND_STORE: cluster.url }, cleanup: () => cluster.stop() };
    },
  },
];

for (const store of stores) {
  describe(`webhooks on three nodes sharing ${store.name}`, { skip: store.skip }, () => {
    const closers: Array<() => Promise<void>> = [];
    after(async () => {
      for (const close of closers.reverse()) await close();
    });

    test('each event reaches the receiver exactly once, in seq order, with the receiver failing for a while', async () => {
      const opened = await store.open();
      closers.push(() => opened.cleanup());
      const nodes: TestServer[] = [];
      for (let i = 0; i < 3; i++) {
        // Logins race each other here; the pending ones count against the failure limit until they settle.
        const node = await startTestServer({ ...opened.env, SESSIOND_LOGIN_MAX_FAILURES: '1000' });
        closers.push(() => node.close());
        nodes.push(node);
      }
      const receiver = await startWebhookReceiver();
      closers.push(() => receiver.close());
      const admin = (await login(nodes[0]!.url, 'admin', ADMIN_PASSWORD)).sessionId;
      await addUser(nodes[0]!.url, admin, 'ann', 'ann-password-1');
      const registered = await api<{ id: string }>(nodes[1]!.url, 'POST', '/api/v1/admin/webhooks', { sessionId: admin, body: { url: receiver.url } });
      assert.equal(registered.status, 201);

      const handles: string[] = [];
      const ends: string[] = [];
      const round = async (count: number) => {
        const made = await Promise.all(
          Array.from({ length: count }, (_, i) => login(nodes[i % 3]!.url, 'ann', 'ann-password-1')),
        );
        handles.push(...made.map((s) => s.handle));
        for (const [i, s] of made.entries()) {
          if (i % 3 !== 0) continue;
          await api(nodes[(i + 1) % 3]!.url, 'POST', '/api/v1/logout', { sessionId: s.sessionId });
          ends.push(s.handle);
        }
      };
      await round(12);
      // A failure makes every node back off (1 s, then 2 s, …); the events made meanwhile wait in the log.
      receiver.answer(500);
      await round(3);
      await receiver.until(() => receiver.deliveries.some((d) => d.status === 500));
      receiver.answer(200);
      await round(15);
      const total = handles.length + ends.length;
      await receiver.until(() => receiver.accepted().length >= total);

      const events = receiver.accepted();
      assert.equal(events.length, total, 'no event twice');
      const seqs = events.map((e) => e.seq);
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in seq order');
      assert.deepEqual(new Set(events.filter((e) => e.type === 'session.created').map((e) => e.handle)), new Set(handles));
      assert.deepEqual(new Set(events.filter((e) => e.type === 'session.ended').map((e) => e.handle)), new Set(ends));
      // Batches never overlapped: each accepted batch starts after the one before ended.
      const batches = receiver.deliveries.filter((d) => d.status < 300).map((d) => [d.events[0]!.seq, d.events.at(-1)!.seq] as const);
      for (let i = 1; i < batches.length; i++) assert.ok(batches[i]![0] > batches[i - 1]![1], 'batches follow one another');

      // The last batch's cursor is stored just after the receiver answered it.
      const listUrl = `${nodes[2]!.url}`;
      let delivery: { lag: number; failures: number } | undefined;
      for (let tries = 0; tries < 200; tries++) {
        const list = await api<{ webhooks: Array<{ delivery: { lag: number; failures: number } }> }>(listUrl, 'GET', '/api/v1/admin/webhooks', { sessionId: admin });
        delivery = list.body.webhooks[0]?.delivery;
        if (delivery?.lag === 0) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(delivery, { ...delivery, lag: 0, failures: 0 }, 'the list shows everything delivered');

      // Each node counts the batches it POSTed: between them, exactly the receiver's, none twice.
      const posted = async (node: TestServer, outcome: string) => {
        const text = await (await fetch(`${node.url}/metrics`)).text();
        return Number(new RegExp(`^sessiond_webhook_deliveries_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
      };
      const delivered = await Promise.all(nodes.map((n) => posted(n, 'delivered')));
      const failed = await Promise.all(nodes.map((n) => posted(n, 'failed')));
      assert.equal(delivered.reduce((a, b) => a + b), receiver.deliveries.filter((d) => d.status < 300).length, `delivered per node: ${delivered.join(', ')}`);
      assert.equal(failed.reduce((a, b) => a + b), receiver.deliveries.filter((d) => d.status >= 300).length, `failed per node: ${failed.join(', ')}`);
      process.stdout.write(`${store.name}: batches delivered per node ${delivered.join(', ')}; failed attempts per node ${failed.join(', ')}\n`);
    });
  });
}
