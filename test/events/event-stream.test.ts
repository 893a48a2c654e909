import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { ADMIN_PASSWORD, addUser, api, login, startTestServer, type TestServer } from '../helpers/server.ts';
import { openSse } from '../helpers/sse-client.ts';

const idHash = (sessionId: string) => createHash('sha256').update(sessionId).digest('base64url');

describe('GET /api/v1/events', () => {
  let t: TestServer;
  let admin: string;
  const clock = new ManualClock(Date.now());

  before(async () => {
    t = await startTestServer({ SESSIOND_SWEEP_INTERVAL_SECONDS: '1', SESSIOND_EVENTS_RETENTION_SECONDS: '3600' }, { clock });
    admin = (await login(t.url, 'admin', ADMIN_PASSWORD)).sessionId;
    await addUser(t.url, admin, 'alice', 'alice-password-1');
    const res = await api(t.url, 'POST', '/api/v1/admin/users', {
      sessionId: admin,
      body: { username: 'validator', password: 'validator-password-1', permissions: ['events'] },
    });
    assert.equal(res.status, 201);
  });
  after(() => t.close());

  const stream = (sessionId: string, headers: Record<string, string> = {}, query = '') =>
    openSse(`${t.url}/api/v1/events${query}`, { authorization: `Bearer ${sessionId}`, ...headers });

  test('only admins and users with the events permission may subscribe; others get the usual error bodies', async () => {
    const none = await fetch(`${t.url}/api/v1/events`);
    assert.equal(none.status, 401);
    assert.equal(((await none.json()) as { errorCode: string }).errorCode, 'INVALID_SESSION_ID');
    const plain = await login(t.url, 'alice', 'alice-password-1');
    const refused = await fetch(`${t.url}/api/v1/events`, { headers: { authorization: `Bearer ${plain.sessionId}` } });
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { errorCode: string }).errorCode, 'INSUFFICIENT_ACCESS');
    const badResume = await fetch(`${t.url}/api/v1/events`, { headers: { authorization: `Bearer ${admin}`, 'last-event-id': 'yesterday' } });
    assert.equal(badResume.status, 400);

    const validator = await login(t.url, 'validator', 'validator-password-1');
    const s = await stream(validator.sessionId);
    try {
      assert.equal(s.status, 200);
      assert.match(s.headers.get('content-type') ?? '', /^text\/event-stream/);
      assert.equal(s.headers.get('cache-control'), 'no-store');
      await s.until('the opening frame', (x) => x.frames.length >= 1);
      assert.equal(s.frames[0]!.comment, 'connected');
      assert.match(s.frames[0]!.id ?? '', /^\d+$/, 'the opening frame sets the resume point');
    } finally {
      s.close();
    }
  });

  test('logins and every kind of end arrive live, in order, with the ID hash and never the ID', async () => {
    const s = await stream(admin);
    try {
      await s.until('connected', (x) => x.frames.length >= 1);
      const a = await login(t.url, 'alice', 'alice-password-1');
      const b = await login(t.url, 'alice', 'alice-password-1', 'crm');
      const c = await login(t.url, 'alice', 'alice-password-1');
      assert.equal((await api(t.url, 'POST', '/api/v1/logout', { sessionId: a.sessionId })).status, 200);
      await api(t.url, 'POST', '/api/v1/sessions/invalidate', { sessionId: b.sessionId, body: { sessionIds: [c.sessionId] } });
      await s.until('five events', (x) => x.events().length >= 5);
      const events = s.events();
      assert.deepEqual(
        events.map((e) => [e.event, e.data.handle, e.data.project, e.data.reason]),
        [
          ['session.created', a.handle, 'default', undefined],
          ['session.created', b.handle, 'crm', undefined],
          ['session.created', c.handle, 'default', undefined],
          ['session.ended', a.handle, 'default', 'logout'],
          ['session.ended', c.handle, 'default', 'invalidated'],
        ],
      );
      for (const e of events) {
        assert.equal(e.id, String(e.data.seq), 'id: is the seq');
        assert.equal(e.data.username, 'alice');
        assert.equal(e.data.type, e.event);
        assert.match(String(e.data.at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      }
      assert.equal(events[0]!.data.idHash, idHash(a.sessionId));
      assert.equal(events[4]!.data.idHash, idHash(c.sessionId));
      const seqs = events.map((e) => Number(e.id));
      assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y));
      const wire = JSON.stringify(s.frames);
      for (const id of [a.sessionId, b.sessionId, c.sessionId]) assert.ok(!wire.includes(id), 'never a session ID');
    } finally {
      s.close();
    }
  });

  test('a subscriber that reconnects with Last-Event-ID (or ?after=) gets exactly what it missed, then live events', async () => {
    const first = await stream(admin);
    const x = await login(t.url, 'alice', 'alice-password-1');
    await first.until('x created', (s) => s.events().some((e) => e.data.handle === x.handle));
    const lastId = first.events().at(-1)!.id;
    first.close();

    const missed = [await login(t.url, 'alice', 'alice-password-1'), await login(t.url, 'alice', 'alice-password-1')];
    await api(t.url, 'POST', '/api/v1/logout', { sessionId: x.sessionId });
    const expected = [
      ['session.created', missed[0]!.handle],
      ['session.created', missed[1]!.handle],
      ['session.ended', x.handle],
    ];
    for (const [headers, query] of [[{ 'last-event-id': lastId }, ''], [{}, `?after=${lastId}`]] as const) {
      const again = await stream(admin, headers, query);
      try {
        await again.until('the missed events', (s) => s.events().length >= expected.length);
        assert.deepEqual(again.events().map((e) => [e.event, e.data.handle]), expected);
        assert.equal(Number(again.events()[0]!.id), Number(lastId) + 1, 'nothing skipped');
        const live = await login(t.url, 'alice', 'alice-password-1');
        await again.until('a live event after the replay', (s) => s.events().some((e) => e.data.handle === live.handle));
        assert.equal(again.events().length, expected.length + 1, 'no event twice across the seam');
        expected.push(['session.created', live.handle]);
      } finally {
        again.close();
      }
    }
  });

  test('resuming from a point older than the retention starts with reset, then goes on live', async () => {
    const early = await stream(admin);
    await early.until('connected', (s) => s.frames.length >= 1);
    const oldPoint = Number(early.frames[0]!.id);
    early.close();
    await login(t.url, 'alice', 'alice-password-1');
    clock.advance(3_600_001);
    const kept = await login(t.url, 'alice', 'alice-password-1');
    // The sweeper (every second) prunes everything older than an hour.
    const deadline = Date.now() + 10_000;
    while ((await t.server.ctx.store.events.bounds()).oldest !== null && (await t.server.ctx.store.events.after(0, 1))[0]?.handle !== kept.handle) {
      assert.ok(Date.now() < deadline, 'pruned within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const { newest } = await t.server.ctx.store.events.bounds();
    const s = await stream(admin, { 'last-event-id': String(oldPoint) });
    try {
      await s.until('reset', (x) => x.events().length >= 1);
      assert.deepEqual(s.events()[0], { id: String(newest), event: 'reset', data: { seq: newest } });
      const live = await login(t.url, 'alice', 'alice-password-1');
      await s.until('live after the reset', (x) => x.events().some((e) => e.data.handle === live.handle));
      assert.equal(s.events().length, 2, 'the pruned events are not sent; the kept one is before the reset point');
    } finally {
      s.close();
    }
  });
});
