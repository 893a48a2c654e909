import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, api, login, startTestServer, startTestServerAsAdmin, type TestServer } from '../helpers/server.ts';

/**
 * A session check that succeeds is answered before the request enters Fastify
 * (src/api/rest/session-check-shortcut.ts): from the cache when it holds the session, else from
 * the store (always, with the cache off, as PostgreSQL and Redis ship); a check that fails goes
 * to the route with its outcome. What a caller sees must not depend on which way it went: a
 * check with a query string always goes through Fastify's route, so it is the reference the
 * other answers are held to.
 */
describeChecks('answered from the cache', {});
describeChecks('with the cache off (every check asks the store)', { SESSIOND_CACHE_MAX_AGE_MS: '0' });

function describeChecks(name: string, env: Record<string, string>): void {
  describe(`GET /api/v1/session ${name}`, () => {
    let t: TestServer;
    let admin: string;

    before(async () => {
      ({ t, admin } = await startTestServerAsAdmin(env));
    });
    after(() => t.close());

    const headersOf = (res: { headers: Headers }) =>
      Object.fromEntries([...res.headers].filter(([name]) => name !== 'date' && name !== 'x-request-id'));

    test('answers the same status, headers and body as the route', async () => {
      const check = (path: string) => fetch(t.url + path, { headers: { authorization: `Bearer ${admin}` } });
      const viaRoute = await check('/api/v1/session?via=route');
      const cached = await check('/api/v1/session');
      assert.equal(cached.status, 200);
      assert.equal(viaRoute.status, 200);
      assert.deepEqual(headersOf(cached), headersOf(viaRoute));
      assert.equal(cached.headers.get('cache-control'), 'no-store');
      assert.equal(cached.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.deepEqual(await cached.json(), await viaRoute.json());
    });

    test("echoes the caller's X-Request-Id when well formed and makes one otherwise", async () => {
      const check = (requestId?: string) =>
        api(t.url, 'GET', '/api/v1/session', { sessionId: admin, headers: requestId === undefined ? {} : { 'x-request-id': requestId } });
      assert.equal((await check('trace-42.a:b')).headers.get('x-request-id'), 'trace-42.a:b');
      for (const res of [await check(), await check('not a valid id')]) {
        assert.equal(res.status, 200);
        assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      }
    });

    test('is timed in the route’s request-duration series', async () => {
      const count = async () => {
        const text = await (await fetch(`${t.url}/metrics`)).text();
        const line = /^sessiond_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/session",status_class="2xx"\} (\d+)$/m.exec(text);
        return Number(line?.[1] ?? 0);
      };
      const before = await count();
      for (let i = 0; i < 25; i++) assert.equal((await api(t.url, 'GET', '/api/v1/session', { sessionId: admin })).status, 200);
      assert.equal(await count(), before + 25);
    });

    test('a session ended after it was cached is refused, and so is an unknown one', async () => {
      const { sessionId } = await login(t.url, 'admin', ADMIN_PASSWORD);
      assert.equal((await api(t.url, 'GET', '/api/v1/session', { sessionId })).status, 200);
      assert.equal((await api(t.url, 'GET', '/api/v1/session', { sessionId })).status, 200);
      assert.equal((await api(t.url, 'POST', '/api/v1/logout', { sessionId })).status, 200);
      const ended = await api(t.url, 'GET', '/api/v1/session', { sessionId });
      assert.equal(ended.status, 401);
      assert.deepEqual(ended.body, { errorCode: 'INVALID_SESSION_ID', message: 'Invalid Session ID found in SessionHeader: Illegal Session' });
      const unknown = await api(t.url, 'GET', '/api/v1/session', { sessionId: `${sessionId.slice(0, -2)}xx` });
      assert.equal(unknown.status, 401);
      assert.deepEqual(unknown.body, ended.body);
      assert.deepEqual(headersOf(unknown), headersOf(await api(t.url, 'GET', '/api/v1/session?via=route', { sessionId })));
      for (const authorization of [undefined, 'Bearer', `Basic ${sessionId}`]) {
        const res = await fetch(`${t.url}/api/v1/session`, { headers: authorization === undefined ? {} : { authorization } });
        assert.equal(res.status, 401, `Authorization: ${authorization}`);
      }
    });
  });
}

describe('GET /api/v1/session while the server shuts down', () => {
  test('a cached session is not answered once shutdown has begun: Fastify answers 503 and closes the connection', async () => {
    const t = await startTestServer();
    try {
      const { sessionId } = await login(t.url, 'admin', ADMIN_PASSWORD);
      const { port } = new URL(t.url);
      const socket = connect(Number(port), '127.0.0.1');
      const reader = answers(socket);
      const check = `GET /api/v1/session HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${sessionId}\r\n\r\n`;
      socket.write(check);
      assert.match(await reader.next(), /^HTTP\/1\.1 200 /);
      // A login whose body has not all arrived keeps the connection busy, so shutdown does not close it.
      const body = JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD });
      socket.write(`POST /api/v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const closing = t.server.close();
      await new Promise((resolve) => setTimeout(resolve, 100));
      socket.write(body.slice(5) + check);
      assert.match(await reader.next(), /^HTTP\/1\.1 200 /, 'the login that had begun is answered');
      const refused = await reader.next();
      assert.match(refused, /^HTTP\/1\.1 503 /);
      assert.match(refused, /\r\nConnection: close\r\n/i);
      socket.destroy();
      await closing;
    } finally {
      await t.close();
    }
  });
});

/** The answers arriving on a socket, one HTTP/1.1 answer (with Content-Length) at a time. */
function answers(socket: Socket): { next(): Promise<string> } {
  let buffered = '';
  let waiting: (() => void) | undefined;
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    waiting?.();
  });
  const take = (): string | undefined => {
    const headEnd = buffered.indexOf('\r\n\r\n');
    if (headEnd < 0) return undefined;
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(buffered.slice(0, headEnd))?.[1] ?? 0);
    if (buffered.length < headEnd + 4 + length) return undefined;
    const answer = buffered.slice(0, headEnd + 4 + length);
    buffered = buffered.slice(answer.length);
    return answer;
  };
  return {
    async next() {
      for (;;) {
        const answer = take();
        if (answer !== undefined) return answer;
        await new Promise<void>((resolve, reject) => {
          waiting = resolve;
          socket.once('close', () => reject(new Error(`connection closed; received: ${JSON.stringify(buffered)}`)));
        });
      }
    },
  };
}
