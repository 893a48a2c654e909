import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { hashPassword, verifyPassword, type Argon2idPolicy, type ScryptPolicy } from '../../src/core/password.ts';
import { PasswordSlots, passwordSlots } from '../../src/core/password-slots.ts';
import { Metrics } from '../../src/observability/metrics.ts';

// Costly enough that a hash lasts several turns of the event loop, cheap enough for a test.
const argon: Argon2idPolicy = { algorithm: 'argon2id', memoryKiB: 8192, timeCost: 2, parallelism: 1 };
const scrypt: ScryptPolicy = { algorithm: 'scrypt', N: 4096, r: 8, p: 1 };

/** Resolves when `release` is called: a hash whose end the test decides. */
function held(): { promise: Promise<string>; release: (value: string) => void; fail: (error: Error) => void } {
  let release!: (value: string) => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<string>((resolve, reject) => {
    release = resolve;
    fail = reject;
  });
  return { promise, release, fail };
}

describe('password slots: hashes at once bounded by the cores', () => {
  test('the process allows as many hashes at once as libuv has threads, by default', () => {
    assert.equal(passwordSlots.limit, 4);
  });

  test('more verifies than slots, argon2id and scrypt mixed: never more than the limit run, the rest wait, all answer right', async () => {
    const password = 'correct horse battery';
    const [argonHash, scryptHash] = await Promise.all([hashPassword(password, argon), hashPassword(password, scrypt)]);
    assert.equal(passwordSlots.running, 0);

    const total = passwordSlots.limit * 3 + 3;
    const expected = Array.from({ length: total }, (_, i) => i % 3 !== 0);
    const verifies = expected.map((right, i) => verifyPassword(right ? password : `${password}!`, i % 2 === 0 ? argonHash : scryptHash));
    // Each verify takes its slot or its place in line as it is called.
    assert.equal(passwordSlots.running, passwordSlots.limit);
    assert.equal(passwordSlots.waiting, total - passwordSlots.limit);

    let done = false;
    const all = Promise.all(verifies).finally(() => {
      done = true;
    });
    let mostRunning = 0;
    let turns = 0;
    const waitingSeen: number[] = [];
    while (!done) {
      mostRunning = Math.max(mostRunning, passwordSlots.running);
      waitingSeen.push(passwordSlots.waiting);
      turns++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.deepEqual(await all, expected);
    assert.ok(turns > total, `sampled ${turns} turns of the event loop`);
    assert.equal(mostRunning, passwordSlots.limit);
    assert.deepEqual(
      waitingSeen,
      [...waitingSeen].sort((a, b) => b - a),
      'the line only gets shorter',
    );
    assert.equal(passwordSlots.running, 0);
    assert.equal(passwordSlots.waiting, 0);
  });

  test('/metrics shows the hashes running and waiting', async () => {
    const metrics = new Metrics();
    const stored = await hashPassword('pw-pw-pw-pw', argon);
    const verifies = Array.from({ length: passwordSlots.limit + 2 }, () => verifyPassword('pw-pw-pw-pw', stored));
    const text = await metrics.registry.metrics();
    assert.match(text, new RegExp(`^sessiond_password_hashes_running ${passwordSlots.limit}$`, 'm'));
    assert.match(text, /^sessiond_password_hashes_waiting 2$/m);
    assert.deepEqual(await Promise.all(verifies), verifies.map(() => true));
    const after = await metrics.registry.metrics();
    assert.match(after, /^sessiond_password_hashes_running 0$/m);
    assert.match(after, /^sessiond_password_hashes_waiting 0$/m);
  });

  test('waiting hashes start in the order they came, each as a slot frees, a failed hash frees its slot too', async () => {
    const slots = new PasswordSlots(2);
    const hashes = Array.from({ length: 5 }, () => held());
    const started: number[] = [];
    const runs = hashes.map((h, i) =>
      slots.run(() => {
        started.push(i);
        return h.promise;
      }),
    );
    const settle = async () => {
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    };
    assert.deepEqual(started, [0, 1]);
    hashes[1]!.fail(new Error('hash failed'));
    await assert.rejects(runs[1]!, /hash failed/);
    await settle();
    assert.deepEqual(started, [0, 1, 2]);
    assert.equal(slots.running, 2);
    hashes[0]!.release('a');
    hashes[2]!.release('c');
    await settle();
    assert.deepEqual(started, [0, 1, 2, 3, 4]);
    assert.equal(slots.waiting, 0);
    hashes[3]!.release('d');
    hashes[4]!.release('e');
    assert.deepEqual(await Promise.all([runs[0], runs[2], runs[3], runs[4]]), ['a', 'c', 'd', 'e']);
    assert.equal(slots.running, 0);
  });

  test('a hash that throws before it starts frees its slot', async () => {
    const slots = new PasswordSlots(1);
    await assert.rejects(
      slots.run(() => {
        throw new Error('bad input');
      }),
      /bad input/,
    );
    assert.equal(slots.running, 0);
    assert.equal(await slots.run(async () => 'next'), 'next');
  });

  test('the limit follows SESSIOND_PASSWORD_HASH_CONCURRENCY: a raise starts waiting hashes, a cut lets running ones finish', async () => {
    assert.equal(loadConfig({}).passwordHashConcurrency, 4);
    assert.equal(loadConfig({ SESSIOND_PASSWORD_HASH_CONCURRENCY: '3' }).passwordHashConcurrency, 3);
    assert.throws(() => loadConfig({ SESSIOND_PASSWORD_HASH_CONCURRENCY: '0' }), /SESSIOND_PASSWORD_HASH_CONCURRENCY/);
    const slots = new PasswordSlots(1);
    const hashes = Array.from({ length: 4 }, () => held());
    const runs = hashes.map((h) => slots.run(() => h.promise));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual([slots.running, slots.waiting], [1, 3]);
    slots.setLimit(3);
    assert.deepEqual([slots.running, slots.waiting], [3, 1]);
    slots.setLimit(1);
    hashes[0]!.release('a');
    hashes[1]!.release('b');
    await Promise.all([runs[0], runs[1]]);
    assert.deepEqual([slots.running, slots.waiting], [1, 1], 'two finished, none started: one still runs, at the new limit');
    hashes[2]!.release('c');
    await runs[2];
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual([slots.running, slots.waiting], [1, 0]);
    hashes[3]!.release('d');
    assert.equal(await runs[3], 'd');
    assert.equal(slots.running, 0);
  });

  test('a limit below one is refused', () => {
    assert.throws(() => new PasswordSlots(0), RangeError);
    assert.throws(() => new PasswordSlots(1.5), RangeError);
  });
});
