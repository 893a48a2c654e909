import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { after, describe, test } from 'node:test';
import { ADMIN_PASSWORD, addUser, api, login, startTestServer, type TestServer } from '../helpers/server.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

interface Registered {
  id: string;
  url: string;
  secret: string;
  events: string[];
}

interface Listed {
  id: string;
  url: string;
  events: string[];
  delivery: { lastDeliveredSeq: number; lag: number; failures: number; lastError: string | null; nextAttemptAt: string | null; failed: boolean };
}

/** Verifies a delivery as a receiver following Standard Webhooks would, with nothing from sessiond's code. */
function verify(secret: string, headers: Record<string, string | string[] | undefined>, body: string): boolean {
  const id = String(headers['webhook-id']);
  const timestamp = String(headers['webhook-timestamp']);
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return String(headers['webhook-signature'])
    .split(' ')
    .some((s) => s === `v1,${expected}`);
}

async function register(server: TestServer, admin: string, body: Record<string, unknown>): Promise<Registered> {
  const res = await api<Registered>(server.url, 'POST', '/api/v1/admin/webhooks', { sessionId: admin, body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

async function listed(server: TestServer, admin: string): Promise<Listed[]> {
  const res = await api<{ webhooks: Listed[] }>(server.url, 'GET', '/api/v1/admin/webhooks', { sessionId: admin });
  assert.equal(res.status, 200);
  return res.body.webhooks;
}

/** Polls until `condition` holds; throws after `limitMs` so a broken run fails instead of hanging. */
async function eventually(condition: () => Promise<boolean>, limitMs = 30_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('webhooks', () => {
  const closers: Array<() => Promise<void>> = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
  });

  async function setup(env: Record<string, string> = {}) {
    const server = await startTestServer(env);
    closers.push(() => server.close());
    const receiver = await startWebhookReceiver();
    closers.push(() => receiver.close());
    const admin = (await login(server.url, 'admin', ADMIN_PASSWORD)).sessionId;
    await addUser(server.url, admin, 'ann', 'ann-password-1');
    return { server, receiver, admin };
  }

  test('logins and ends after registration arrive in order, signed so that a Standard Webhooks receiver verifies them', async () => {
    const { server, receiver, admin } = await setup();
    const before = await login(server.url, 'ann', 'ann-password-1'); // before registration: not delivered
    const hook = await register(server, admin, { url: receiver.url });
    assert.match(hook.secret, /^whsec_[A-Za-z0-9+/]{32}$/, 'a secret of 24 random bytes was made');
    assert.deepEqual(hook.events, ['session.created', 'session.ended']);

    const sessions = [];
    for (let i = 0; i < 5; i++) sessions.push(await login(server.url, 'ann', 'ann-password-1', i % 2 ? 'crm' : undefined));
    await api(server.url, 'POST', '/api/v1/logout', { sessionId: sessions[1]!.sessionId });
    await api(server.url, 'POST', '/api/v1/logout', { sessionId: before.sessionId });
    await receiver.until(() => receiver.accepted().length >= 7);

    const events = receiver.accepted();
    assert.deepEqual(
      events.map((e) => [e.type, e.handle, e.project, e.reason]),
      [
        ...sessions.map((s, i) => ['session.created', s.handle, i % 2 ? 'crm' : 'default', undefined]),
        ['session.ended', sessions[1]!.handle, 'crm', 'logout'],
        ['session.ended', before.handle, 'default', 'logout'],
      ],
    );
    const seqs = events.map((e) => e.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'in seq order');
    assert.equal(new Set(seqs).size, seqs.length, 'each once');
    for (const d of receiver.deliveries) {
      assert.equal(d.headers['content-type'], 'application/json');
      assert.ok(verify(hook.secret, d.headers, d.body), 'the signature verifies with the secret');
      assert.ok(!verify('whsec_' + Buffer.alloc(24).toString('base64'), d.headers, d.body), 'and not with another');
      assert.match(String(d.headers['webhook-timestamp']), /^\d{10}$/, 'unix seconds');
      assert.ok(String(d.headers['webhook-id']).startsWith(`${hook.id}_`));
      assert.ok(!d.body.includes(before.sessionId) && !sessions.some((s) => d.body.includes(s.sessionId)), 'never a session ID');
    }
    const ids = receiver.deliveries.map((d) => d.headers['webhook-id']);
    assert.equal(new Set(ids).size, ids.length, 'each message has its own webhook-id');

    const [state] = await listed(server, admin);
    assert.equal(state?.delivery.lastDeliveredSeq, seqs.at(-1));
    assert.equal(state?.delivery.lag, 0);
    assert.ok(!JSON.stringify(await listed(server, admin)).includes(hook.secret), 'the list never shows the secret');
    assert.ok(!server.logText().includes(hook.secret), 'nor does the log');
  });

  test('a receiver answering 500 is retried with backoff, shown as failing, then gets every event once, in order', async () => {
    const { server, receiver, admin } = await setup();
    const secret = 'whsec_' + Buffer.from('a-secret-the-admin-chose-32-bytes!').toString('base64');
    const hook = await register(server, admin, { url: receiver.url, secret });
    assert.equal(hook.secret, secret);
    receiver.answer(500);
    const a = await login(server.url, 'ann', 'ann-password-1');
    await eventually(async () => (await listed(server, admin))[0]!.delivery.failures >= 1);
    const failing = (await listed(server, admin))[0]!;
    assert.equal(failing.delivery.lastError, 'HTTP 500');
    assert.ok(failing.delivery.nextAttemptAt, 'the next attempt is shown');
    assert.equal(failing.delivery.failed, false);
    assert.ok(failing.delivery.lag >= 1, 'the event waits');

    const b = await login(server.url, 'ann', 'ann-password-1');
    await api(server.url, 'POST', '/api/v1/logout', { sessionId: a.sessionId });
    receiver.answer(200);
    await receiver.until(() => receiver.accepted().length >= 3);
    assert.deepEqual(
      receiver.accepted().map((e) => [e.type, e.handle]),
      [
        ['session.created', a.handle],
        ['session.created', b.handle],
        ['session.ended', a.handle],
      ],
    );
    const retried = receiver.deliveries.filter((d) => d.status === 500);
    assert.ok(retried.length >= 1);
    assert.equal(retried[0]!.events[0]!.handle, a.handle, 'the failed batch started with the first event');
    for (const d of receiver.deliveries) assert.ok(verify(secret, d.headers, d.body));
    await eventually(async () => (await listed(server, admin))[0]!.delivery.failures === 0);
    const healed = (await listed(server, admin))[0]!;
    assert.equal(healed.delivery.lastError, null);
    assert.equal(healed.delivery.nextAttemptAt, null);

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /^sessiond_webhook_deliveries_total\{outcome="failed"\} [1-9]\d*$/m);
    assert.match(metrics, /^sessiond_webhook_deliveries_total\{outcome="delivered"\} [1-9]\d*$/m);
    assert.match(metrics, /^sessiond_webhook_lag_events \d+$/m);
  });

  test('a webhook for ends only gets ends; a deleted webhook is gone from the list', async () => {
    const { server, receiver, admin } = await setup();
    const hook = await register(server, admin, { url: receiver.url, events: ['session.ended'] });
    assert.deepEqual(hook.events, ['session.ended']);
    const s = await login(server.url, 'ann', 'ann-password-1');
    await login(server.url, 'ann', 'ann-password-1');
    await api(server.url, 'POST', '/api/v1/logout', { sessionId: s.sessionId });
    await receiver.until(() => receiver.accepted().length >= 1);
    assert.deepEqual(receiver.accepted().map((e) => [e.type, e.handle, e.reason]), [['session.ended', s.handle, 'logout']]);

    const gone = await api(server.url, 'DELETE', `/api/v1/admin/webhooks/${hook.id}`, { sessionId: admin });
    assert.deepEqual([gone.status, gone.body], [200, { deleted: true }]);
    assert.deepEqual(await listed(server, admin), []);
    const again = await api<{ errorCode: string }>(server.url, 'DELETE', `/api/v1/admin/webhooks/${hook.id}`, { sessionId: admin });
    assert.deepEqual([again.status, again.body.errorCode], [404, 'NOT_FOUND']);
  });

  test('only http(s) URLs, and with SESSIOND_WEBHOOK_ALLOWED_HOSTS only those hosts; nothing is registered on a refusal', async () => {
    const { server, admin } = await setup({ SESSIOND_WEBHOOK_ALLOWED_HOSTS: 'hooks.internal, *.example.com' });
    for (const url of ['http://127.0.0.1:9/hook', 'https://example.org/hook', 'https://evil.com/.example.com', 'ftp://hooks.internal/x', 'not a url']) {
      const res = await api<{ errorCode: string; message: string }>(server.url, 'POST', '/api/v1/admin/webhooks', { sessionId: admin, body: { url } });
      assert.equal(res.status, 400, url);
      assert.equal(res.body.errorCode, 'INVALID_REQUEST');
    }
    const refused = await api<{ message: string }>(server.url, 'POST', '/api/v1/admin/webhooks', { sessionId: admin, body: { url: 'http://127.0.0.1:9/' } });
    assert.match(refused.body.message, /SESSIOND_WEBHOOK_ALLOWED_HOSTS/);
    const badSecret = await api(server.url, 'POST', '/api/v1/admin/webhooks', { sessionId: admin, body: { url: 'https://hooks.internal/', secret: 'hunter2' } });
    assert.equal(badSecret.status, 400);
    assert.deepEqual(await listed(server, admin), []);
    await register(server, admin, { url: 'https://hooks.internal/in' });
    await register(server, admin, { url: 'https://a.b.example.com/in' });
    assert.equal((await listed(server, admin)).length, 2);
  });

  test('registering and deleting are audited with the admin as actor and the webhook by ID and origin, never the secret or the path', async () => {
    const { server, receiver, admin } = await setup();
    const adminHandle = (await api<{ handle: string }>(server.url, 'GET', '/api/v1/session', { sessionId: admin })).body.handle;
    // Another admin deletes what the first registered: each is the actor of their own change.
    await addUser(server.url, admin, 'bea', 'bea-password-1', true);
    const bea = await login(server.url, 'bea', 'bea-password-1');
    const path = '/hook?token=receiver-token-123';
    const hook = await register(server, admin, { url: receiver.url.replace('/hook', path) });
    const made = await register(server, admin, { url: receiver.url, events: ['session.ended'] });
    assert.equal((await api(server.url, 'DELETE', `/api/v1/admin/webhooks/${hook.id}`, { sessionId: bea.sessionId })).status, 200);
    // A refused deletion (no such webhook) and a refused registration write nothing.
    assert.equal((await api(server.url, 'DELETE', `/api/v1/admin/webhooks/${hook.id}`, { sessionId: bea.sessionId })).status, 404);
    assert.equal((await api(server.url, 'POST', '/api/v1/admin/webhooks', { sessionId: admin, body: { url: 'ftp://127.0.0.1/' } })).status, 400);

    const origin = new URL(receiver.url).origin;
    type Audit = { event: string; handle: string | null; userId: string | null; reason: string | null; actor: string | null };
    const trail = async (event: string) =>
      (await api<{ records: Audit[] }>(server.url, 'GET', `/api/v1/admin/audit?event=${event}`, { sessionId: admin })).body.records;
    assert.deepEqual(
      (await trail('webhook.created')).map((r) => [r.reason, r.actor, r.handle, r.userId]),
      [
        [`${made.id} ${origin}`, adminHandle, null, null],
        [`${hook.id} ${origin}`, adminHandle, null, null],
      ],
      'newest first',
    );
    assert.deepEqual(
      (await trail('webhook.deleted')).map((r) => [r.reason, r.actor]),
      [[`${hook.id} ${origin}`, bea.handle]],
    );
    const everything = JSON.stringify((await api(server.url, 'GET', '/api/v1/admin/audit?limit=200', { sessionId: admin })).body);
    for (const secret of [hook.secret, made.secret]) assert.equal(everything.includes(secret), false, 'no secret in the audit trail');
    assert.equal(everything.includes('receiver-token-123'), false, "nor the receiver's path or query");
    const metrics = await fetch(`${server.url}/metrics`).then((r) => r.text());
    assert.match(metrics, /sessiond_session_events_total\{[^}]*event="webhook.created"[^}]*\} 2/);
    assert.match(metrics, /sessiond_session_events_total\{[^}]*event="webhook.deleted"[^}]*\} 1/);
  });

  test('a user who is not an admin, and a caller with no session, can neither register, list nor delete webhooks', async () => {
    const { server, receiver, admin } = await setup();
    const hook = await register(server, admin, { url: receiver.url });
    const ann = (await login(server.url, 'ann', 'ann-password-1')).sessionId;
    for (const [sessionId, status, code] of [
      [ann, 403, 'INSUFFICIENT_ACCESS'],
      [undefined, 401, 'INVALID_SESSION_ID'],
    ] as const) {
      const calls = [
        api<{ errorCode: string }>(server.url, 'POST', '/api/v1/admin/webhooks', { ...(sessionId ? { sessionId } : {}), body: { url: receiver.url } }),
        api<{ errorCode: string }>(server.url, 'GET', '/api/v1/admin/webhooks', sessionId ? { sessionId } : {}),
        api<{ errorCode: string }>(server.url, 'DELETE', `/api/v1/admin/webhooks/${hook.id}`, sessionId ? { sessionId } : {}),
      ];
      for (const res of await Promise.all(calls)) assert.deepEqual([res.status, res.body.errorCode], [status, code]);
    }
    assert.deepEqual((await listed(server, admin)).map((w) => w.id), [hook.id], 'still one, still there');
  });

  test('the cursor is kept in the store: after a restart delivery resumes where it stopped, nothing lost or repeated', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sessiond-webhooks-'));
    closers.push(async () => rmSync(dir, { recursive: true, force: true }));
    const env = { SESSIOND_STORE: `sqlite:${join(dir, 'sessiond.db')}` };
    const receiver: WebhookReceiver = await startWebhookReceiver();
    closers.push(() => receiver.close());
    const first = await startTestServer(env);
    const admin = (await login(first.url, 'admin', ADMIN_PASSWORD)).sessionId;
    await register(first, admin, { url: receiver.url });
    const a = await login(first.url, 'admin', ADMIN_PASSWORD);
    await receiver.until(() => receiver.accepted().length >= 1);
    receiver.answer(503);
    const b = await login(first.url, 'admin', ADMIN_PASSWORD);
    await receiver.until(() => receiver.deliveries.some((d) => d.status === 503));
    await first.close();

    receiver.answer(200);
    const second = await startTestServer(env);
    closers.push(() => second.close());
    const c = await login(second.url, 'admin', ADMIN_PASSWORD);
    await receiver.until(() => receiver.accepted().length >= 3);
    assert.deepEqual(receiver.accepted().map((e) => e.handle), [a.handle, b.handle, c.handle]);
  });
});
