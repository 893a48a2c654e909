import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { SessiondApiError, SessiondUnavailableError, SessionValidator, type SessionValidatorOptions } from '@sessiond/client';
import { startFakeSessiond, type FakeSessiond } from './fake-sessiond.ts';

/**
 * The validator's own rules, against a stand-in server the test drives event by event (gaps,
 * resets, dropped streams, an answer held back while an end is sent). The same behaviour
 * against a real sessiond: validator.test.ts.
 */
const newId = () => `sd1_${randomBytes(32).toString('base64url')}`;
const VALIDATOR_ID = newId();

/** Waits for a state the validator reaches on its own (an event read, a reconnect). */
async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('SessionValidator rules (against a stand-in server)', () => {
  let fake: FakeSessiond;
  let validator: SessionValidator | undefined;
  let subscriptions = 0;

  before(async () => {
    fake = await startFakeSessiond();
  });
  after(() => fake.close());
  afterEach(() => {
    validator?.close();
    validator = undefined;
    fake.refuseEvents = undefined;
    fake.holdChecks = undefined;
    fake.expiresInMs = 3_600_000;
    fake.openingFrame = ': connected\n\n';
    fake.dropSubscribers();
  });

  async function started(options: Partial<SessionValidatorOptions> = {}): Promise<SessionValidator> {
    const v = new SessionValidator({ serverUrl: fake.url, sessionId: VALIDATOR_ID, reconnectDelayMs: 20, ...options });
    validator = v;
    await v.start();
    subscriptions = fake.subscriptions.length;
    return v;
  }

  function liveSession(): string {
    const id = newId();
    fake.live.add(id);
    return id;
  }

  const checksOf = (id: string) => fake.sessionChecks.filter((t) => t === id).length;

  test('start() opens the stream with the validator session as Bearer; a second check of a session answers from the cache', async () => {
    const v = await started();
    assert.equal(fake.subscriptions.at(-1), undefined, 'a first subscription starts from now');
    const id = liveSession();
    const first = await v.check(id);
    assert.equal(first?.username, 'kim');
    assert.ok(first?.expiresAt instanceof Date);
    for (let i = 0; i < 100; i++) assert.deepEqual(await v.check(id), first);
    assert.equal(checksOf(id), 1, 'the server was asked once');
    assert.deepEqual(
      { ...v.stats(), serverChecks: undefined },
      { connected: true, cacheActive: true, lastSeq: null, cachedSessions: 1, cacheHits: 100, serverChecks: undefined, cacheDrops: 0 },
    );
  });

  test('an end event drops the session: the next check answers null without asking the server, which still says live', async () => {
    const v = await started();
    const id = liveSession();
    const other = liveSession();
    assert.ok(await v.check(id));
    assert.ok(await v.check(other));
    fake.send(fake.created(1, newId()) + fake.ended(2, id));
    await until('seq 2 read', () => v.stats().lastSeq === 2);
    assert.equal(await v.check(id), null);
    assert.equal(checksOf(id), 1);
    assert.ok(await v.check(other), 'other sessions stay cached');
    assert.equal(checksOf(other), 1);
  });

  test('an end that arrives while the server check of that session is in flight wins: null, and nothing cached', async () => {
    const v = await started();
    const id = liveSession();
    let release!: () => void;
    fake.holdChecks = new Promise((resolve) => (release = resolve));
    const answer = v.check(id);
    await until('the check reached the server', () => checksOf(id) === 1);
    fake.send(fake.ended(1, id));
    await until('the end read', () => v.stats().lastSeq === 1);
    release();
    assert.equal(await answer, null, 'the stale "live" answer is not believed');
    fake.holdChecks = undefined;
    assert.equal(await v.check(id), null);
    assert.equal(v.stats().cachedSessions, 0);
  });

  test('a cached session in use is checked at the server again each touch interval, in the background; one the server refuses then is dropped', async () => {
    const v = await started({ touchIntervalMs: 50 });
    const id = liveSession();
    await v.check(id);
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.ok(await v.check(id), 'answered from the cache while the server is asked');
    await until('asked again', () => checksOf(id) === 2);
    fake.live.delete(id);
    await until('refused at a later touch', async () => (await v.check(id)) === null, 10_000);
    assert.equal(v.stats().cachedSessions, 0);
  });

  test('a session past its expiry is not answered from the cache', async () => {
    fake.expiresInMs = 2000;
    const v = await started({ touchIntervalMs: 3_600_000 });
    const id = liveSession();
    const sentAt = Date.now();
    await v.check(id);
    fake.live.delete(id); // what the server says once it has expired
    let release!: () => void;
    fake.holdChecks = new Promise((resolve) => (release = resolve)); // no background check gets through
    assert.ok(await v.check(id), 'before expiry: from the cache');
    // Measured against the answer's Date header (whole seconds), the local expiry is 1 to 2 s after the request.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, sentAt + 2100 - Date.now())));
    const answer = v.check(id);
    release();
    assert.equal(await answer, null, 'the server was asked, not the cache');
  });

  test('concurrent checks of one uncached session make one server request', async () => {
    const v = await started();
    const id = liveSession();
    const answers = await Promise.all(Array.from({ length: 20 }, () => v.check(id)));
    assert.ok(answers.every((a) => a?.username === 'kim'));
    assert.equal(checksOf(id), 1);
  });

  test('a session the server refused is refused again without asking; a malformed token is refused without asking', async () => {
    const v = await started();
    const unknown = newId();
    assert.equal(await v.check(unknown), null);
    assert.equal(await v.check(unknown), null);
    assert.equal(checksOf(unknown), 1);
    const before = fake.sessionChecks.length;
    for (const bad of ['', 'has space', 'x'.repeat(257), 'line\nbreak', undefined as unknown as string, 42 as unknown as string]) {
      assert.equal(await v.check(bad), null);
    }
    assert.equal(fake.sessionChecks.length, before);
  });

  test('a reset drops the whole cache and sets the resume point', async () => {
    const v = await started();
    const ids = [liveSession(), liveSession()];
    for (const id of ids) await v.check(id);
    fake.send(fake.ended(7, newId()));
    await until('seq 7 read', () => v.stats().lastSeq === 7);
    assert.equal(v.stats().cachedSessions, 2);
    fake.send('event: reset\ndata: {"seq":50}\n\n');
    await until('the reset read', () => v.stats().lastSeq === 50);
    assert.equal(v.stats().cachedSessions, 0);
    for (const id of ids) assert.ok(await v.check(id));
    assert.deepEqual(ids.map(checksOf), [2, 2], 'each asked at the server again');
    fake.dropSubscribers();
    await fake.waitForSubscription(subscriptions + 1);
    assert.equal(fake.subscriptions.at(-1), '50', 'resumes after the reset point');
  });

  test('a gap in the seqs drops the cache; a repeated seq is ignored', async () => {
    const v = await started();
    const id = liveSession();
    fake.send(fake.created(1, newId()));
    await until('seq 1', () => v.stats().lastSeq === 1);
    await v.check(id);
    fake.send(fake.created(1, newId()) + fake.created(2, newId()));
    await until('seq 2', () => v.stats().lastSeq === 2);
    assert.equal(v.stats().cachedSessions, 1, 'no drop for a seq seen before');
    fake.send(fake.created(4, newId()));
    await until('seq 4', () => v.stats().lastSeq === 4);
    assert.equal(v.stats().cachedSessions, 0);
    assert.equal(v.stats().cacheDrops, 1);
  });

  test("the stream's opening frame sets the resume point: a reconnect resumes after it, and a later skipped seq drops the cache", async () => {
    fake.openingFrame = ': connected\nid: 5\n\n';
    const v = await started();
    await until('position read', () => v.stats().lastSeq === 5);
    await v.check(liveSession());
    fake.dropSubscribers();
    await fake.waitForSubscription(subscriptions + 1);
    assert.equal(fake.subscriptions.at(-1), '5');
    await until('reconnected', () => v.stats().connected);
    assert.equal(v.stats().cachedSessions, 1, 'resumed where it was: nothing dropped');
    fake.send(fake.created(7, newId()));
    await until('seq 7', () => v.stats().lastSeq === 7);
    assert.equal(v.stats().cachedSessions, 0);
  });

  test('an end event without its seq or its ID hash drops the cache (it may name any session)', async () => {
    const v = await started();
    await v.check(liveSession());
    fake.send('event: session.ended\ndata: {"idHash":"x"}\n\n');
    await until('dropped', () => v.stats().cacheDrops === 1);
    await v.check(liveSession());
    fake.send('id: 1\nevent: session.ended\ndata: {"seq":1}\n\n');
    await until('dropped again', () => v.stats().cacheDrops === 2);
    assert.equal(v.stats().cachedSessions, 0);
  });

  test('a stream the server closes is resumed after the last seq seen, and the cache keeps answering meanwhile', async () => {
    const v = await started({ maxStalenessMs: 60_000 });
    const id = liveSession();
    await v.check(id);
    fake.send(fake.created(1, newId()) + fake.created(2, newId()) + fake.created(3, newId()));
    await until('seq 3', () => v.stats().lastSeq === 3);
    fake.dropSubscribers();
    await until('the loss noticed', () => !v.stats().connected);
    assert.ok(await v.check(id));
    await fake.waitForSubscription(subscriptions + 1);
    assert.equal(fake.subscriptions.at(-1), '3');
    await until('reconnected', () => v.stats().connected);
    fake.send(fake.ended(4, id));
    await until('seq 4', () => v.stats().lastSeq === 4);
    assert.equal(await v.check(id), null);
    assert.equal(checksOf(id), 1, 'answered from the cache throughout');
    assert.equal(v.stats().cacheDrops, 0);
  });

  test('fail safe: with the stream down longer than maxStalenessMs every check goes to the server; caching resumes with the stream', async () => {
    const errors: SessiondApiError[] = [];
    const v = await started({ maxStalenessMs: 30, onError: (e) => errors.push(e) });
    const id = liveSession();
    await v.check(id);
    fake.refuseEvents = 503;
    fake.dropSubscribers();
    await until('the cache off', () => !v.stats().cacheActive);
    assert.equal(v.stats().cachedSessions, 0);
    for (let i = 0; i < 3; i++) assert.ok(await v.check(id));
    assert.equal(checksOf(id), 4, 'every check asked the server');
    fake.live.delete(id);
    assert.equal(await v.check(id), null, 'and the server’s answer is the answer');
    assert.ok(errors.some((e) => e.httpStatus === 503), 'the failed reconnects were reported');

    fake.refuseEvents = undefined;
    await until('reconnected', () => v.stats().cacheActive);
    const next = liveSession();
    await v.check(next);
    await v.check(next);
    assert.equal(checksOf(next), 1);
  });

  test('start() rejects when the session may not read events, and the validator stops trying', async () => {
    fake.refuseEvents = 403;
    const before = fake.subscriptions.length;
    const v = new SessionValidator({ serverUrl: fake.url, sessionId: VALIDATOR_ID, reconnectDelayMs: 20 });
    validator = v;
    await assert.rejects(v.start(), (e: unknown) => e instanceof SessiondApiError && e.statusCode === 'INSUFFICIENT_ACCESS' && e.httpStatus === 403);
    assert.equal(v.stats().connected, false);
    fake.refuseEvents = undefined;
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(fake.subscriptions.length, before, 'no further subscription');
    const id = liveSession();
    assert.ok(await v.check(id), 'checks still answer, from the server');
    assert.ok(await v.check(id));
    assert.equal(checksOf(id), 2);
  });

  test('a check that must ask an unreachable server throws SessiondUnavailableError (never a pass)', async () => {
    const v = new SessionValidator({ serverUrl: 'http://127.0.0.1:1', sessionId: VALIDATOR_ID, timeoutMs: 2000 });
    validator = v;
    await assert.rejects(v.check(newId()), (e: unknown) => e instanceof SessiondUnavailableError && e.statusCode === 'NETWORK_ERROR');
  });

  test('the cache holds at most maxEntries sessions, dropping the least recently used', async () => {
    const v = await started({ maxEntries: 4 });
    const ids = Array.from({ length: 6 }, liveSession);
    for (const id of ids.slice(0, 4)) await v.check(id);
    await v.check(ids[0]!); // used again: stays
    for (let round = 0; round < 3; round++) await v.check(ids[0]!);
    await v.check(ids[4]!);
    await v.check(ids[5]!);
    assert.equal(v.stats().cachedSessions, 4);
    const serverAsked = fake.sessionChecks.length;
    await v.check(ids[0]!);
    assert.equal(fake.sessionChecks.length, serverAsked, 'the session in use is still cached');
  });

  test('options are checked when the validator is made', () => {
    assert.throws(() => new SessionValidator({ serverUrl: 'not a url', sessionId: VALIDATOR_ID }), /serverUrl/);
    assert.throws(() => new SessionValidator({ serverUrl: 'ftp://x', sessionId: VALIDATOR_ID }), /serverUrl/);
    assert.throws(() => new SessionValidator({ serverUrl: fake.url, sessionId: '' }), /sessionId/);
    assert.throws(() => new SessionValidator({ serverUrl: fake.url, sessionId: VALIDATOR_ID, maxEntries: 0 }), /maxEntries/);
    assert.throws(() => new SessionValidator({ serverUrl: fake.url, sessionId: VALIDATOR_ID, maxStalenessMs: -1 }), /maxStalenessMs/);
  });
});
