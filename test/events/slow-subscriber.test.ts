import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { ADMIN_PASSWORD, api, login, startTestServer } from '../helpers/server.ts';

const idHash = (sessionId: string) => createHash('sha256').update(sessionId).digest('base64url');

/** Memory stays bounded: an event-stream subscriber that does not keep up is cut off. */
describe('a slow event-stream subscriber', () => {
  test('a subscriber that stops reading is disconnected once its backlog passes the bound; the server keeps serving', async () => {
    // An in-memory SQLite database, so tens of thousands of events are written in seconds: enough
    // to fill the loopback connection's kernel buffers before the server's own backlog grows.
    const slow = await startTestServer({ SESSIOND_EVENTS_MAX_PENDING_BYTES: '4096', SESSIOND_STORE: 'sqlite::memory:' });
    try {
      const adminId = (await login(slow.url, 'admin', ADMIN_PASSWORD)).sessionId;
      const { port } = new URL(slow.url);
      const socket = connect(Number(port), '127.0.0.1');
      let closed = false;
      socket.on('close', () => (closed = true));
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(`GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${adminId}\r\n\r\n`);
      socket.pause(); // never reads: the kernel's buffers fill, then the server's backlog grows
      const { store, events } = slow.server.ctx;
      const user = (await store.users.find('admin'))!;
      const subscribers = async () => Number(/^sessiond_event_subscribers (\d+)$/m.exec(await (await fetch(`${slow.url}/metrics`)).text())?.[1]);
      const dropped = async () => Number(/^sessiond_event_subscribers_dropped_total (\d+)$/m.exec(await (await fetch(`${slow.url}/metrics`)).text())?.[1]);
      const deadlineOpen = Date.now() + 5000;
      while ((await subscribers()) !== 1 && Date.now() < deadlineOpen) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(await subscribers(), 1, 'subscribed');
      let cutOff = false;
      for (let i = 0; i < 200_000 && !cutOff; i++) {
        const now = Date.now();
        const session = {
          idHash: idHash(`slow-${i}`),
          handle: `h_slow${i}`,
          userId: user.userId,
          username: 'admin',
          project: 'default',
          createdAt: now,
          lastSeenAt: now,
          idleExpiresAt: now + 60_000,
          absoluteExpiresAt: now + 60_000,
          ip: null,
          userAgent: null,
        };
        await store.sessions.insert(session);
        events.emit({ at: now, event: 'session.created', handle: session.handle, userId: user.userId, project: 'default', reason: null, actor: null });
        if (i % 1000 === 999) cutOff = (await subscribers()) === 0;
      }
      assert.ok(cutOff, 'the server dropped the subscriber');
      assert.equal(await dropped(), 1);
      // A paused socket notices the close only once it reads what the kernel holds.
      socket.resume();
      const deadline = Date.now() + 5000;
      while (!closed && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.ok(closed, 'the server closed the slow subscriber’s connection');
      assert.equal((await api(slow.url, 'GET', '/api/v1/session', { sessionId: adminId })).status, 200, 'and still serves');
      socket.destroy();
    } finally {
      await slow.close();
    }
  });
});
