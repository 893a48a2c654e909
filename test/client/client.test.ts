import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Connection, SessiondApiError, SessiondUnavailableError } from '@sessiond/client';
import { ADMIN_PASSWORD, addUser, api, login as restLogin, startTestServer, type TestServer } from '../helpers/server.ts';

const TRANSPORTS = ['rest', 'soap'] as const;

/** A local HTTP server with a fixed behaviour, for the failures a real sessiond never shows. */
async function fakeHttp(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; close(): Promise<void> }> {
  const http: Server = createServer(handler);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bound then released. */
async function deadUrl(): Promise<string> {
  const probe = await fakeHttp(() => {});
  await probe.close();
  return probe.url;
}

function isApiError(code: string, extra: (e: SessiondApiError) => void = () => {}) {
  return (error: unknown) => {
    assert.ok(error instanceof SessiondApiError, `expected SessiondApiError, got ${String(error)}`);
    assert.equal(error.statusCode, code, error.message);
    extra(error);
    return true;
  };
}

describe('TypeScript client', () => {
  let server: TestServer;
  let base: string;

  before(async () => {
    server = await startTestServer({ SESSIOND_PROJECTS: '{"crm":{"idleTimeoutSeconds":600}}' });
    base = server.url;
    const admin = await restLogin(base, 'admin', ADMIN_PASSWORD);
    await addUser(base, admin.sessionId, 'kim', 'kim-password-1');
  });
  after(() => server.close());

  const alive = async (sessionId: string) => (await api(base, 'GET', '/api/v1/session', { sessionId })).status === 200;

  for (const transport of TRANSPORTS) {
    describe(`over ${transport}`, () => {
      test('login keeps the session; getConfig().getSessionId() answers it', async () => {
        const connection = new Connection({ serverUrl: base, transport });
        assert.equal(connection.getConfig().hasSession(), false);
        assert.throws(() => connection.getConfig().getSessionId(), isApiError('INVALID_SESSION_ID'));
        const result = await connection.login('kim', 'kim-password-1');
        assert.equal(connection.getConfig().getSessionId(), result.sessionId);
        assert.equal(result.username, 'kim');
        assert.equal(result.organizationId, '00D000000000001AAA');
        assert.equal(result.project, 'default');
        assert.match(result.userId, /^005/);
        assert.ok(result.serverUrl.startsWith(base));
        if (transport === 'rest') {
          assert.match(result.handle ?? '', /^h_/);
          assert.ok(result.expiresAt instanceof Date && result.expiresAt.getTime() > Date.now());
        } else {
          assert.equal(result.passwordExpired, false);
          assert.equal(result.userInfo?.userName, 'kim');
        }
        assert.ok(await alive(result.sessionId));
      });

      test('login into a project; the session belongs to it', async () => {
        const connection = new Connection({ serverUrl: base, transport });
        const result = await connection.login('kim', 'kim-password-1', 'crm');
        assert.equal(result.project, 'crm');
        const view = await api(base, 'GET', '/api/v1/session', { sessionId: result.sessionId });
        assert.equal(view.body.project, 'crm');
        const info = await connection.getUserInfo();
        const secondsValid = info.sessionSecondsValid ?? -1;
        assert.ok(secondsValid <= 600 && secondsValid > 590, 'the project idle timeout applies');
      });

      test("the issue's snippet: invalidate own and another session, read per-ID errors", async () => {
        const connection = new Connection({ serverUrl: base, transport });
        await connection.login('kim', 'kim-password-1');
        const other = (await restLogin(base, 'admin', ADMIN_PASSWORD)).sessionId;
        const own = connection.getConfig().getSessionId();
        const results = await connection.invalidateSessions([connection.getConfig().getSessionId(), other, 'stale-id']);
        const lines: string[] = [];
        for (const r of results) if (!r.success) lines.push(`${r.errors[0]!.statusCode} ${r.errors[0]!.message}`);
        assert.deepEqual(
          results.map((r) => r.success),
          [true, true, false],
        );
        assert.deepEqual(lines, ['INVALID_SESSION_ID Invalid session ID: unknown, expired, already ended or malformed.']);
        assert.deepEqual(results[2]!.errors[0]!.fields, []);
        assert.equal(await alive(own), false);
        assert.equal(await alive(other), false);
      });

      test('a connection can start from an existing session ID', async () => {
        const { sessionId } = await restLogin(base, 'kim', 'kim-password-1');
        const connection = new Connection({ serverUrl: base, transport, sessionId });
        assert.equal((await connection.getUserInfo()).userName, 'kim');
        const ts = await connection.getServerTimestamp();
        assert.ok(ts instanceof Date && Math.abs(ts.getTime() - Date.now()) < 5000);
        await connection.logout();
        assert.equal(connection.getConfig().hasSession(), false);
        assert.equal(await alive(sessionId), false);
      });

      test('more than 200 IDs is refused before any request, with EXCEEDED_ID_LIMIT', async () => {
        const victim = (await restLogin(base, 'admin', ADMIN_PASSWORD)).sessionId;
        const ids = [victim, ...Array.from({ length: 200 }, (_, i) => `x${i}`)];
        // Against a dead address a request would be NETWORK_ERROR: EXCEEDED_ID_LIMIT proves none was sent.
        const offline = new Connection({ serverUrl: await deadUrl(), transport, sessionId: victim });
        await assert.rejects(offline.invalidateSessions(ids), isApiError('EXCEEDED_ID_LIMIT', (e) => assert.equal(e.httpStatus, undefined)));
        const online = new Connection({ serverUrl: base, transport, sessionId: victim });
        await assert.rejects(online.invalidateSessions(ids), isApiError('EXCEEDED_ID_LIMIT'));
        assert.ok(await alive(victim), 'nothing was ended');
        assert.equal((await online.invalidateSessions(ids.slice(1))).length, 200, 'exactly 200 is allowed');
      });

      test('invalidateSessionsAll: 450 IDs in batches of 200, results in input order', async () => {
        const connection = new Connection({ serverUrl: base, transport });
        await connection.login('kim', 'kim-password-1');
        const livePositions = [0, 199, 200, 201, 399, 449];
        const ids = Array.from({ length: 450 }, (_, i) => `unknown-${i}`);
        for (const position of livePositions) ids[position] = (await restLogin(base, 'admin', ADMIN_PASSWORD)).sessionId;
        const results = await connection.invalidateSessionsAll(ids);
        assert.equal(results.length, 450);
        const ended = results.flatMap((r, i) => (r.success ? [i] : []));
        assert.deepEqual(ended, livePositions);
        for (const r of results.filter((x) => !x.success)) assert.equal(r.errors[0]!.statusCode, 'INVALID_SESSION_ID');
        for (const position of livePositions) assert.equal(await alive(ids[position]!), false);
      });

      test("invalidateSessionsAll with the connection's own ID early: it is ended last, the rest still go through", async () => {
        const connection = new Connection({ serverUrl: base, transport });
        await connection.login('kim', 'kim-password-1');
        const own = connection.getConfig().getSessionId();
        const ids = Array.from({ length: 250 }, (_, i) => `unknown-${i}`);
        ids[3] = own;
        ids[240] = (await restLogin(base, 'admin', ADMIN_PASSWORD)).sessionId;
        const results = await connection.invalidateSessionsAll(ids);
        assert.deepEqual(
          results.flatMap((r, i) => (r.success ? [i] : [])),
          [3, 240],
        );
        assert.equal(await alive(own), false);
        assert.equal(await alive(ids[240]!), false);
      });

      test('server errors arrive as typed SessiondApiError with the status code', async () => {
        const connection = new Connection({ serverUrl: base, transport });
        await assert.rejects(
          connection.login('kim', 'wrong-password'),
          isApiError('INVALID_LOGIN', (e) => {
            assert.equal(e.exceptionCode, 'INVALID_LOGIN');
            assert.equal(e.message, 'Invalid username, password, security token; or user locked out.');
            assert.equal(e.httpStatus, transport === 'rest' ? 401 : 500);
            assert.equal(e instanceof SessiondUnavailableError, false);
          }),
        );
        await assert.rejects(connection.login('kim', 'kim-password-1', 'not a project!'), isApiError('INVALID_REQUEST'));

        await connection.login('kim', 'kim-password-1');
        await connection.logout();
        await assert.rejects(connection.getUserInfo(), isApiError('INVALID_SESSION_ID', (e) => assert.equal(e.httpStatus, undefined)));

        const dead = new Connection({ serverUrl: base, transport, sessionId: 'sd1_' + 'A'.repeat(43) });
        for (const call of [() => dead.getUserInfo(), () => dead.getServerTimestamp(), () => dead.invalidateSessions(['x'])]) {
          await assert.rejects(call(), isApiError('INVALID_SESSION_ID', (e) => assert.equal(e.message, 'Invalid Session ID found in SessionHeader: Illegal Session')));
        }
        // A dead session's logout throws, and the connection forgets the session all the same.
        await assert.rejects(dead.logout(), isApiError('INVALID_SESSION_ID'));
        assert.equal(dead.getConfig().hasSession(), false);
      });

      test('an unreachable server is SessiondUnavailableError NETWORK_ERROR', async () => {
        const connection = new Connection({ serverUrl: await deadUrl(), transport, timeoutMs: 2000 });
        await assert.rejects(connection.login('kim', 'kim-password-1'), (error: unknown) => {
          assert.ok(error instanceof SessiondUnavailableError);
          assert.ok(error instanceof SessiondApiError);
          assert.equal(error.statusCode, 'NETWORK_ERROR');
          assert.equal(error.httpStatus, undefined);
          return true;
        });
      });

      test('a server that never answers is SessiondUnavailableError TIMEOUT after timeoutMs', async () => {
        const silent = await fakeHttp(() => {});
        try {
          const connection = new Connection({ serverUrl: silent.url, transport, timeoutMs: 200 });
          const started = Date.now();
          await assert.rejects(connection.login('kim', 'kim-password-1'), (error: unknown) => {
            assert.ok(error instanceof SessiondUnavailableError);
            assert.equal(error.statusCode, 'TIMEOUT');
            return true;
          });
          assert.ok(Date.now() - started < 3000);
        } finally {
          await silent.close();
        }
      });

      test('an answer that is not sessiond (a proxy error page) is INVALID_RESPONSE', async () => {
        const proxy = await fakeHttp((_req, res) => {
          res.writeHead(502, { 'content-type': 'text/html' });
          res.end('<html><body>Bad Gateway</body></html>');
        });
        try {
          const connection = new Connection({ serverUrl: proxy.url, transport });
          await assert.rejects(connection.login('kim', 'kim-password-1'), isApiError('INVALID_RESPONSE', (e) => assert.equal(e.httpStatus, 502)));
        } finally {
          await proxy.close();
        }
      });
    });
  }

  test('invalidateSessionsAll: a failing later batch throws with partialResults for the batches answered', async () => {
    let calls = 0;
    const flaky = await fakeHttp((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        calls++;
        res.setHeader('content-type', 'application/json');
        if (calls === 1) {
          const { sessionIds } = JSON.parse(body) as { sessionIds: string[] };
          res.end(JSON.stringify({ results: sessionIds.map(() => ({ success: true, errors: [] })) }));
        } else {
          res.statusCode = 503;
          res.end(JSON.stringify({ errorCode: 'SERVICE_UNAVAILABLE', message: 'The session store is unavailable; try again shortly.' }));
        }
      });
    });
    try {
      const connection = new Connection({ serverUrl: flaky.url, sessionId: 'sd1_' + 'B'.repeat(43) });
      const ids = Array.from({ length: 300 }, (_, i) => `id-${i}`);
      await assert.rejects(
        connection.invalidateSessionsAll(ids),
        isApiError('SERVICE_UNAVAILABLE', (e) => {
          assert.equal(e.httpStatus, 503);
          assert.equal(e.partialResults?.length, 300);
          assert.equal(e.partialResults!.filter((r) => r?.success).length, 200);
          assert.equal(e.partialResults![199]?.success, true);
          assert.equal(e.partialResults![200], null);
        }),
      );
      assert.equal(calls, 2);
    } finally {
      await flaky.close();
    }
  });

  test('rate-limited logins are LOGIN_RATE_EXCEEDED with retryAfterSeconds on both transports', async () => {
    for (const transport of TRANSPORTS) {
      // A fresh server per transport: the lockout is per user and address.
      const strict = await startTestServer({ SESSIOND_LOGIN_MAX_FAILURES: '2', SESSIOND_LOGIN_LOCKOUT_SECONDS: '120' });
      try {
        const connection = new Connection({ serverUrl: strict.url, transport });
        for (let i = 0; i < 2; i++) await assert.rejects(connection.login('admin', `wrong-${i}`), isApiError('INVALID_LOGIN'));
        await assert.rejects(
          connection.login('admin', ADMIN_PASSWORD),
          isApiError('LOGIN_RATE_EXCEEDED', (e) => {
            assert.ok(e.retryAfterSeconds !== undefined && e.retryAfterSeconds > 0 && e.retryAfterSeconds <= 120, String(e.retryAfterSeconds));
            assert.equal(e.httpStatus, transport === 'rest' ? 429 : 500);
          }),
        );
      } finally {
        await strict.close();
      }
    }
  });

  test('the constructor refuses settings that cannot work', () => {
    assert.throws(() => new Connection({ serverUrl: 'not a url' }), TypeError);
    assert.throws(() => new Connection({ serverUrl: 'ftp://example.com' }), TypeError);
    assert.throws(() => new Connection({ serverUrl: base, timeoutMs: 0 }), TypeError);
    assert.throws(() => new Connection({ serverUrl: base, version: 'v60' }), TypeError);
  });
});
