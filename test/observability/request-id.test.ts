import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, test } from 'node:test';
import { Connection, SessiondApiError } from '@sessiond/client';
import { ADMIN_PASSWORD, api, login, startTestServer } from '../helpers/server.ts';
import { envelope, PARTNER, soapLogin } from '../soap/raw-soap.ts';
import { WebClient } from '../web/web-client.ts';

/**
 * X-Request-Id ties an answer to its log lines: kept from the caller when well formed, made
 * otherwise, sent back on every answer, carried by every log line of the request, and repeated
 * in every 5xx body.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const linesWith = (log: string, text: string) => log.split('\n').filter((line) => line.includes(text));

describe('X-Request-Id', () => {
  test('a well-formed ID is kept, anything else replaced; every answer carries one: REST, SOAP, web pages, 404s, /metrics, /livez', async () => {
    const t = await startTestServer();
    try {
      const kept = await api(t.url, 'GET', '/api/v1/session', { headers: { 'x-request-id': 'trace-1.a:B_c' } });
      assert.equal(kept.status, 401);
      assert.equal(kept.headers.get('x-request-id'), 'trace-1.a:B_c');
      for (const bad of ['has space', 'x'.repeat(129), 'semi;colon', '']) {
        const res = await api(t.url, 'GET', '/livez', { headers: { 'x-request-id': bad } });
        assert.match(res.headers.get('x-request-id') ?? '', UUID, `"${bad.slice(0, 20)}" is replaced`);
      }
      const answers = [
        await fetch(`${t.url}/api/v1/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"not json' }),
        await fetch(`${t.url}/no/such/path`),
        await fetch(`${t.url}/metrics`),
        await fetch(`${t.url}/readyz`),
        await fetch(`${t.url}/web/login`),
        await fetch(`${t.url}/web/no-such-page`),
        await fetch(`${t.url}/openapi.json`),
        await fetch(`${t.url}/services/Soap/u/60.0?wsdl`),
      ];
      const ids = new Set<string>();
      for (const res of answers) {
        const id = res.headers.get('x-request-id') ?? '';
        assert.match(id, UUID, `${res.url} → ${res.status}`);
        ids.add(id);
      }
      assert.equal(ids.size, answers.length, 'each request its own ID');
      const soap = await fetch(`${t.url}/services/Soap/u/60.0`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '""', 'x-request-id': 'soap-call-7' },
        body: envelope(`<login xmlns="${PARTNER}"><username>admin</username><password>wrong-password-1</password></login>`),
      });
      assert.equal(soap.status, 500, 'a SOAP fault');
      assert.equal(soap.headers.get('x-request-id'), 'soap-call-7');
    } finally {
      await t.close();
    }
  });

  test("every log line of a request carries its ID, including core's session events", async () => {
    const t = await startTestServer();
    try {
      const res = await fetch(`${t.url}/api/v1/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'login-req-42' },
        body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
      });
      const { handle } = (await res.json()) as { handle: string };
      const lines = linesWith(t.logText(), handle);
      assert.ok(lines.length > 0, 'the login is logged');
      for (const line of lines) assert.equal(JSON.parse(line).reqId, 'login-req-42', line);
      assert.ok(lines.some((line) => JSON.parse(line).msg === 'session event'), "core's event line, written through the root logger");
    } finally {
      await t.close();
    }
  });

  test('invalidateSessions logs one session event line per session it ended, each with the call\'s ID and no session ID; the metric counts each', async () => {
    const t = await startTestServer();
    try {
      const caller = await login(t.url, 'admin', ADMIN_PASSWORD);
      const targets = [await login(t.url, 'admin', ADMIN_PASSWORD), await login(t.url, 'admin', ADMIN_PASSWORD), await login(t.url, 'admin', ADMIN_PASSWORD)];
      const res = await api(t.url, 'POST', '/api/v1/sessions/invalidate', {
        sessionId: caller.sessionId,
        headers: { 'x-request-id': 'batch-end-9' },
        body: { sessionIds: [...targets.map((s) => s.sessionId), 'sd1_not-a-session'] },
      });
      assert.equal(res.status, 200);
      const lines = t.logText().split('\n').filter((line) => line.includes('"session.ended"') && line.includes('batch-end-9'));
      assert.deepEqual(lines.map((line) => JSON.parse(line).handle).sort(), targets.map((s) => s.handle).sort());
      for (const line of lines) {
        assert.equal(JSON.parse(line).msg, 'session event');
        assert.equal(JSON.parse(line).reason, 'invalidated');
        for (const s of targets) assert.ok(!line.includes(s.sessionId), 'no session ID in a line');
      }
      const text = await (await fetch(`${t.url}/metrics`)).text();
      assert.match(text, /^sessiond_session_events_total\{event="session.ended",reason="invalidated"\} 3$/m);
    } finally {
      await t.close();
    }
  });

  test('root-logger lines keep the ID after session checks answered from the cache (which open no request scope)', async () => {
    const t = await startTestServer();
    try {
      const first = await login(t.url, 'admin', ADMIN_PASSWORD);
      for (let i = 0; i < 5; i++) assert.equal((await api(t.url, 'GET', '/api/v1/session', { sessionId: first.sessionId })).status, 200);
      const res = await fetch(`${t.url}/api/v1/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'after-checks-7' },
        body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
      });
      const { handle } = (await res.json()) as { handle: string };
      const events = linesWith(t.logText(), handle).filter((line) => JSON.parse(line).msg === 'session event');
      assert.equal(events.length, 1);
      assert.equal(JSON.parse(events[0]!).reqId, 'after-checks-7');
      // A check the cache cannot answer (an ended session) takes the full check: same headers.
      const ended = await api(t.url, 'POST', '/api/v1/logout', { sessionId: first.sessionId });
      assert.equal(ended.status, 200);
      const refused = await api(t.url, 'GET', '/api/v1/session', { sessionId: first.sessionId, headers: { 'x-request-id': 'ended-check-8' } });
      assert.equal(refused.status, 401);
      assert.equal(refused.headers.get('x-request-id'), 'ended-check-8');
      assert.equal(refused.headers.get('cache-control'), 'no-store');
    } finally {
      await t.close();
    }
  });

  test('5xx answers repeat the ID in the body (REST requestId, SOAP faultstring, web error page) and the failure is logged under it', async () => {
    const t = await startTestServer({ SESSIOND_CACHE_MAX_AGE_MS: '0' });
    try {
      const admin = await login(t.url, 'admin', ADMIN_PASSWORD);
      const db = new Database(join(t.dir, 'sessiond.db'));
      db.exec('DROP TABLE sessions; DROP TABLE users;');
      db.close();

      const rest = await api<{ errorCode: string; requestId: string }>(t.url, 'GET', '/api/v1/session', {
        sessionId: admin.sessionId,
        headers: { 'x-request-id': 'rest-500' },
      });
      assert.equal(rest.status, 500);
      assert.equal(rest.body.errorCode, 'UNKNOWN_EXCEPTION');
      assert.equal(rest.body.requestId, 'rest-500');
      assert.ok(linesWith(t.logText(), '"reqId":"rest-500"').some((l) => /"level":50.*request failed/.test(l)), 'the cause is logged under the ID');

      const soap = await soapLogin(t.url, 'admin', ADMIN_PASSWORD);
      assert.equal(soap.fault?.faultcode, 'sf:UNKNOWN_EXCEPTION');
      assert.match(soap.fault?.faultstring ?? '', /^UNKNOWN_EXCEPTION: An unexpected error occurred\. \(request ID [0-9a-f-]{36}\)$/);
      const soapRequestId = /\(request ID ([0-9a-f-]{36})\)/.exec(soap.fault!.faultstring)![1]!;
      assert.ok(linesWith(t.logText(), `"reqId":"${soapRequestId}"`).some((l) => /SOAP call failed/.test(l)));

      // A 4xx body has no requestId (the header still carries it).
      const refused = await api<Record<string, unknown>>(t.url, 'GET', '/api/v1/session');
      assert.equal(refused.status, 401);
      assert.equal('requestId' in refused.body, false);
    } finally {
      await t.close();
    }
  });

  test('a web page answering 5xx shows the request ID as its error ID', async () => {
    // An upstream nobody listens on: sign-in answers 503 "not available".
    const t = await startTestServer({ SESSIOND_UPSTREAM: 'http://127.0.0.1:9' });
    try {
      const browser = new WebClient(t.url, { 'x-request-id': 'web-503' });
      const page = await browser.login('alice', 'alice-password-1');
      assert.equal(page.status, 503);
      assert.match(page.html, /id="error-id">web-503</);
      assert.ok(linesWith(t.logText(), '"reqId":"web-503"').some((l) => /upstream is unavailable/.test(l)));
    } finally {
      await t.close();
    }
  });

  test('the client exposes the request ID of a failed call, over REST and SOAP', async () => {
    const t = await startTestServer();
    try {
      for (const transport of ['rest', 'soap'] as const) {
        const connection = new Connection({ serverUrl: t.url, transport });
        const error = await connection.login('admin', 'wrong-password-1').then(
          () => assert.fail('login should fail'),
          (e: unknown) => e,
        );
        assert.ok(error instanceof SessiondApiError);
        assert.equal(error.statusCode, 'INVALID_LOGIN');
        assert.match(error.requestId ?? '', UUID, transport);
      }
    } finally {
      await t.close();
    }
  });
});
