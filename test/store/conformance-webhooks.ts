import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { WebhookRecord } from '../../src/core/ports/webhooks.ts';
import { withStore, type OpenStore } from './conformance-kit.ts';

function hook(id: string, createdAt: number, over: Partial<WebhookRecord> = {}): WebhookRecord {
  return {
    id,
    url: `http://127.0.0.1:9/${id}`,
    secret: 'whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0',
    events: ['session.created', 'session.ended'],
    createdAt,
    cursor: 7,
    failures: 0,
    failingSince: null,
    nextAttemptAt: 0,
    lastError: null,
    failed: false,
    ...over,
  };
}

/** Webhook registrations (issue 14): kept with their cursors; one lease holder at a time. */
export function runWebhookConformance(open: OpenStore): void {
  describe('webhooks', () => {
    test('registrations are kept whole, listed oldest first, and deleted once', () =>
      withStore(open, async (f) => {
        const a = hook('wh_a', 1000, { events: ['session.ended'] });
        const b = hook('wh_b', 2000, { cursor: 0, failures: 3, failingSince: 1500, nextAttemptAt: 9000, lastError: 'HTTP 500', failed: true });
        await f.store.webhooks.create(b);
        await f.store.webhooks.create(a);
        assert.deepEqual(await f.store.webhooks.list(), [a, b]);
        assert.equal(await f.store.webhooks.delete('wh_a'), true);
        assert.equal(await f.store.webhooks.delete('wh_a'), false, 'already gone');
        assert.deepEqual((await f.store.webhooks.list()).map((w) => w.id), ['wh_b']);
      }));

    test('one holder at a time: the lease is refused to others until it expires or is settled', () =>
      withStore(open, async (f) => {
        await f.store.webhooks.create(hook('wh_l', 1000));
        const first = await f.store.webhooks.lease('wh_l', 'node-a', 10_000, 40_000);
        assert.equal(first?.cursor, 7, 'the holder reads the cursor');
        assert.equal(await f.store.webhooks.lease('wh_l', 'node-b', 20_000, 50_000), null, 'taken');
        assert.ok(await f.store.webhooks.lease('wh_l', 'node-a', 20_000, 50_000), 'its holder may renew it');
        assert.equal(await f.store.webhooks.lease('wh_missing', 'node-a', 20_000, 50_000), null, 'no such webhook');

        const state = { cursor: 12, failures: 0, failingSince: null, nextAttemptAt: 0, lastError: null, failed: false };
        assert.equal(await f.store.webhooks.settle('wh_l', 'node-b', state), false, 'only the holder settles');
        assert.equal(await f.store.webhooks.settle('wh_l', 'node-a', state), true);
        assert.equal((await f.store.webhooks.list())[0]?.cursor, 12, 'the cursor is stored');

        const again = await f.store.webhooks.lease('wh_l', 'node-b', 21_000, 51_000);
        assert.equal(again?.cursor, 12, 'settling freed the lease');
        assert.equal(await f.store.webhooks.lease('wh_l', 'node-a', 51_000, 81_000), null, 'still held at its last instant');
        assert.ok(await f.store.webhooks.lease('wh_l', 'node-a', 51_001, 81_001), 'expired: another node takes over');
        assert.equal(await f.store.webhooks.settle('wh_l', 'node-b', state), false, 'and the old holder can no longer settle');
      }));

    test('of many nodes asking for the lease at once, exactly one gets it', () =>
      withStore(open, async (f) => {
        await f.store.webhooks.create(hook('wh_race', 1000));
        const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => f.store.webhooks.lease('wh_race', `node-${i}`, 5000, 35_000)));
        assert.equal(answers.filter((a) => a !== null).length, 1);
      }));

    test('a failure is stored with its backoff and error, and a delete ends the webhook under its holder', () =>
      withStore(open, async (f) => {
        await f.store.webhooks.create(hook('wh_f', 1000));
        await f.store.webhooks.lease('wh_f', 'node-a', 2000, 32_000);
        const failing = { cursor: 7, failures: 2, failingSince: 1500, nextAttemptAt: 4000, lastError: 'connection refused', failed: false };
        assert.equal(await f.store.webhooks.settle('wh_f', 'node-a', failing), true);
        const [stored] = await f.store.webhooks.list();
        assert.deepEqual({ ...stored, id: undefined, url: undefined, secret: undefined, events: undefined, createdAt: undefined }, {
          ...failing,
          id: undefined,
          url: undefined,
          secret: undefined,
          events: undefined,
          createdAt: undefined,
        });
        await f.store.webhooks.lease('wh_f', 'node-a', 5000, 35_000);
        assert.equal(await f.store.webhooks.delete('wh_f'), true);
        assert.equal(await f.store.webhooks.settle('wh_f', 'node-a', failing), false, 'a deleted webhook does not come back');
        assert.deepEqual(await f.store.webhooks.list(), []);
      }));
  });
}
