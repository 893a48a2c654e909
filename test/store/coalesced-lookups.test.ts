import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CoalescedLookups } from '../../src/store/coalesced-lookups.ts';

/**
 * The shared stores' lookup coalescing: what goes in which fetch. The stores' own conformance
 * suites prove the answers on PostgreSQL and Redis; this file pins down the batching rules.
 */
interface Fetch {
  keys: string[];
  answer(found: Record<string, number>): void;
  fail(error: Error): void;
}

function recorder(): { fetches: Fetch[]; fetch: (keys: string[]) => Promise<Map<string, number>> } {
  const fetches: Fetch[] = [];
  return {
    fetches,
    fetch: (keys) =>
      new Promise((resolve, reject) => {
        fetches.push({ keys, answer: (found) => resolve(new Map(Object.entries(found))), fail: reject });
      }),
  };
}

/** Lets the event loop finish its turn twice: a fetch that just finished schedules the next send in a turn of its own. */
const settle = () => new Promise((resolve) => setImmediate(() => setImmediate(resolve)));

test('lookups asked in the same turn of the event loop go in one fetch, sent at its end', async () => {
  const r = recorder();
  const lookups = new CoalescedLookups(r.fetch, { maxInFlight: 1, maxBatch: 10 });
  const asked = [lookups.find('a'), lookups.find('b'), lookups.find('a')];
  assert.equal(r.fetches.length, 0, 'nothing is sent before the turn ends');
  await settle();
  assert.deepEqual(r.fetches.map((f) => f.keys), [['a', 'b']]);
  r.fetches[0]!.answer({ a: 1, b: 2 });
  assert.deepEqual(await Promise.all(asked), [1, 2, 1]);
});

test('a lookup on an idle node is sent alone when nothing else is asked', async () => {
  const r = recorder();
  const lookups = new CoalescedLookups(r.fetch, { maxInFlight: 1, maxBatch: 10 });
  const a = lookups.find('a');
  await settle();
  assert.deepEqual(r.fetches.map((f) => f.keys), [['a']]);
  r.fetches[0]!.answer({ a: 1 });
  assert.equal(await a, 1);
});

test('lookups made while every fetch is busy go together in the next one; duplicates share a key; missing keys answer null', async () => {
  const r = recorder();
  const lookups = new CoalescedLookups(r.fetch, { maxInFlight: 1, maxBatch: 10 });
  const first = lookups.find('a');
  await settle();
  const waiting = [lookups.find('b'), lookups.find('c'), lookups.find('b')];
  await settle();
  assert.equal(r.fetches.length, 1, 'nothing more is sent while the one fetch allowed is on its way');
  r.fetches[0]!.answer({ a: 1 });
  assert.equal(await first, 1);
  await settle();
  assert.deepEqual(r.fetches.map((f) => f.keys), [['a'], ['b', 'c']]);
  r.fetches[1]!.answer({ b: 2 });
  assert.deepEqual(await Promise.all(waiting), [2, null, 2]);
});

test('up to maxInFlight fetches run at once, and a batch holds at most maxBatch keys', async () => {
  const r = recorder();
  const lookups = new CoalescedLookups(r.fetch, { maxInFlight: 2, maxBatch: 2 });
  const all = ['a', 'b', 'c', 'd', 'e'].map((k) => lookups.find(k));
  await settle();
  assert.deepEqual(r.fetches.map((f) => f.keys), [['a', 'b'], ['c', 'd']]);
  r.fetches[0]!.answer({ a: 1, b: 2 });
  await settle();
  assert.deepEqual(r.fetches.map((f) => f.keys), [['a', 'b'], ['c', 'd'], ['e']]);
  r.fetches[1]!.answer({ c: 3, d: 4 });
  r.fetches[2]!.answer({ e: 5 });
  assert.deepEqual(await Promise.all(all), [1, 2, 3, 4, 5]);
});

test('a failed fetch fails every lookup in it, and the next lookups are fetched again', async () => {
  const r = recorder();
  const lookups = new CoalescedLookups(r.fetch, { maxInFlight: 1, maxBatch: 10 });
  const batch = [lookups.find('b'), lookups.find('c')];
  await settle();
  r.fetches[0]!.fail(new Error('store down'));
  for (const lookup of batch) await assert.rejects(lookup, /store down/);
  const again = lookups.find('b');
  await settle();
  assert.deepEqual(r.fetches.map((f) => f.keys), [['b', 'c'], ['b']]);
  r.fetches[1]!.answer({ b: 2 });
  assert.equal(await again, 2);
});
