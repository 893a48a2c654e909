import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Connection, SessiondApiError } from '@sessiond/client';
import { ADMIN_PASSWORD, addUser, api, login as restLogin, startTestServer, type TestServer } from '../helpers/server.ts';
import { callSoap, faultOf, soapLogin, xmlEscape, type SoapAnswer } from '../soap/raw-soap.ts';

/**
 * The same scenarios through raw REST, raw SOAP, the client over REST and the client over
 * SOAP: every channel must give the same answer (codes, messages, per-ID results, user info).
 */
type Outcome<T> = { ok: true; value: T } | { ok: false; code: string; message: string };

interface Result {
  success: boolean;
  errors: Array<{ statusCode: string; message: string; fields: string[] }>;
}

interface Channel {
  name: string;
  login(username: string, password: string, project?: string): Promise<Outcome<{ sessionId: string; userId: string; username: string; organizationId: string }>>;
  logout(sessionId: string): Promise<Outcome<null>>;
  invalidate(sessionId: string, ids: string[]): Promise<Outcome<Result[]>>;
  userInfo(sessionId: string): Promise<Outcome<Record<string, unknown>>>;
  timestamp(sessionId: string): Promise<Outcome<number>>;
}

const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });

function restChannel(base: string): Channel {
  const wrap = async <T>(res: Promise<{ status: number; body: any }>, pick: (body: any) => T): Promise<Outcome<T>> => {
    const { status, body } = await res;
    return status === 200 ? ok(pick(body)) : { ok: false, code: body.errorCode, message: body.message };
  };
  return {
    name: 'raw REST',
    login: (username, password, project) =>
      wrap(api(base, 'POST', '/api/v1/login', { body: { username, password, ...(project ? { project } : {}) } }), (b) => ({
        sessionId: b.sessionId,
        userId: b.userId,
        username: b.username,
        organizationId: b.organizationId,
      })),
    logout: (sessionId) => wrap(api(base, 'POST', '/api/v1/logout', { sessionId }), () => null),
    invalidate: (sessionId, ids) => wrap(api(base, 'POST', '/api/v1/sessions/invalidate', { sessionId, body: { sessionIds: ids } }), (b) => b.results),
    userInfo: (sessionId) => wrap(api(base, 'GET', '/api/v1/userinfo', { sessionId }), (b) => b),
    timestamp: (sessionId) => wrap(api(base, 'GET', '/api/v1/timestamp', { sessionId }), (b) => Date.parse(b.timestamp)),
  };
}

/** Plain values from the raw SOAP tree: xsi:nil is null, xsd:boolean and xsd:int become JS values. */
function soapValue(value: any, key = ''): unknown {
  if (value && typeof value === 'object' && value['@_nil'] === 'true') return null;
  if (key === 'success') return value === 'true';
  if (key === 'sessionSecondsValid') return Number(value);
  return value;
}

function rawSoapChannel(base: string): Channel {
  const wrap = async <T>(res: Promise<SoapAnswer>, pick: (body: any) => T): Promise<Outcome<T>> => {
    const answer = await res;
    if (answer.fault) {
      const fault = faultOf(answer);
      return { ok: false, code: fault.code, message: fault.exceptionMessage };
    }
    return ok(pick(answer.body));
  };
  // sessiond's own fields (REST's answer); the Partner-only ones that fill the schema (currencies,
  // profile, skin) are checked per API version in test/soap/partner-versions.test.ts.
  const SESSIOND_FIELDS = ['organizationId', 'organizationName', 'sessionSecondsValid', 'userEmail', 'userFullName', 'userId', 'userLanguage', 'userLocale', 'userName', 'userTimeZone', 'userType'];
  const plainInfo = (info: Record<string, any>) => Object.fromEntries(SESSIOND_FIELDS.map((k) => [k, soapValue(info[k], k)]));
  return {
    name: 'raw SOAP',
    login: (username, password, project) =>
      wrap(
        project === undefined
          ? soapLogin(base, username, password)
          : callSoap(base, 'login', `<username>${xmlEscape(username)}</username><password>${xmlEscape(password)}</password><project>${xmlEscape(project)}</project>`),
        (b) => {
          const r = b.loginResponse.result[0];
          return { sessionId: r.sessionId, userId: r.userId, username: r.userInfo.userName, organizationId: r.userInfo.organizationId };
        },
      ),
    logout: (sessionId) => wrap(callSoap(base, 'logout', '', sessionId), () => null),
    invalidate: (sessionId, ids) =>
      wrap(
        callSoap(base, 'invalidateSessions', ids.map((id) => `<sessionIds>${xmlEscape(id)}</sessionIds>`).join(''), sessionId),
        (b) =>
          (b.invalidateSessionsResponse.result ?? []).map((r: any) => ({
            success: soapValue(r.success, 'success'),
            errors: (r.errors ?? []).map((e: any) => ({ statusCode: e.statusCode, message: e.message, fields: e.fields ?? [] })),
          })),
      ),
    userInfo: (sessionId) => wrap(callSoap(base, 'getUserInfo', '', sessionId), (b) => plainInfo(b.getUserInfoResponse.result[0])),
    timestamp: (sessionId) => wrap(callSoap(base, 'getServerTimestamp', '', sessionId), (b) => Date.parse(b.getServerTimestampResponse.result[0].timestamp)),
  };
}

function clientChannel(base: string, transport: 'rest' | 'soap'): Channel {
  const wrap = async <T>(call: () => Promise<T>): Promise<Outcome<T>> => {
    try {
      return ok(await call());
    } catch (error) {
      if (!(error instanceof SessiondApiError)) throw error;
      return { ok: false, code: error.statusCode, message: error.message };
    }
  };
  const connection = (sessionId?: string) => new Connection({ serverUrl: base, transport, ...(sessionId ? { sessionId } : {}) });
  return {
    name: `client over ${transport}`,
    login: (username, password, project) =>
      wrap(async () => {
        const r = await connection().login(username, password, project);
        return { sessionId: r.sessionId, userId: r.userId, username: r.username, organizationId: r.organizationId };
      }),
    logout: (sessionId) => wrap(async () => (await connection(sessionId).logout(), null)),
    invalidate: (sessionId, ids) => wrap(() => connection(sessionId).invalidateSessions(ids)),
    userInfo: (sessionId) => wrap(async () => ({ ...(await connection(sessionId).getUserInfo()) })),
    timestamp: (sessionId) => wrap(async () => (await connection(sessionId).getServerTimestamp()).getTime()),
  };
}

describe('contract: REST, SOAP and the client (both transports) answer alike', () => {
  let server: TestServer;
  let base: string;
  let channels: Channel[];

  before(async () => {
    server = await startTestServer({ SESSIOND_PROJECTS: '{"crm":{"idleTimeoutSeconds":900}}' });
    base = server.url;
    const admin = await restLogin(base, 'admin', ADMIN_PASSWORD);
    await addUser(base, admin.sessionId, 'sam@example.com', 'sam-password-1');
    channels = [restChannel(base), rawSoapChannel(base), clientChannel(base, 'rest'), clientChannel(base, 'soap')];
  });
  after(() => server.close());

  const freshSession = async () => (await restLogin(base, 'sam@example.com', 'sam-password-1')).sessionId;
  const alive = async (sessionId: string) => (await api(base, 'GET', '/api/v1/session', { sessionId })).status === 200;

  /** Runs one scenario on every channel and asserts every answer equals the first channel's. */
  async function sameOnAll<T>(scenario: (channel: Channel) => Promise<T>): Promise<T> {
    const answers: Array<{ name: string; answer: T }> = [];
    for (const channel of channels) answers.push({ name: channel.name, answer: await scenario(channel) });
    for (const { name, answer } of answers.slice(1)) assert.deepEqual(answer, answers[0]!.answer, `${name} differs from ${answers[0]!.name}`);
    return answers[0]!.answer;
  }

  test('login: the same identity; the session ID works on every other channel', async () => {
    const identity = await sameOnAll(async (channel) => {
      const outcome = await channel.login('sam@example.com', 'sam-password-1');
      assert.ok(outcome.ok, channel.name);
      assert.match(outcome.value.sessionId, /^sd1_[A-Za-z0-9_-]{43}$/);
      for (const other of channels) assert.ok((await other.timestamp(outcome.value.sessionId)).ok, `${channel.name} session on ${other.name}`);
      const { sessionId: _secret, ...rest } = outcome.value;
      return rest;
    });
    assert.equal(identity.username, 'sam@example.com');
  });

  test('login into a project: the session is in that project on every channel', async () => {
    await sameOnAll(async (channel) => {
      const outcome = await channel.login('sam@example.com', 'sam-password-1', 'crm');
      assert.ok(outcome.ok);
      const view = await api(base, 'GET', '/api/v1/session', { sessionId: outcome.value.sessionId });
      return view.body.project;
    });
  });

  test('login refused: the same code and message, whatever the cause', async () => {
    const refused = await sameOnAll((channel) => channel.login('sam@example.com', 'not-sams-password'));
    assert.deepEqual(refused, { ok: false, code: 'INVALID_LOGIN', message: 'Invalid username, password, security token; or user locked out.' });
    await sameOnAll((channel) => channel.login('nobody-at-all', 'whatever-password'));
    // A malformed project names the field (JSON path vs XML element), so only the code is compared.
    await sameOnAll(async (channel) => {
      const outcome = await channel.login('sam@example.com', 'sam-password-1', '../etc');
      return outcome.ok ? 'accepted' : outcome.code;
    });
  });

  test('getUserInfo: the same fields and values', async () => {
    const info = await sameOnAll(async (channel) => {
      const outcome = await channel.userInfo(await freshSession());
      assert.ok(outcome.ok, channel.name);
      const { sessionSecondsValid, ...rest } = outcome.value;
      assert.ok(typeof sessionSecondsValid === 'number' && sessionSecondsValid > 7190 && sessionSecondsValid <= 7200, `${channel.name}: ${sessionSecondsValid}`);
      return rest;
    });
    assert.equal(info.userName, 'sam@example.com');
    assert.equal(info.userEmail, 'sam@example.com');
  });

  test('getServerTimestamp: the server clock on every channel', async () => {
    await sameOnAll(async (channel) => {
      const outcome = await channel.timestamp(await freshSession());
      assert.ok(outcome.ok);
      return Math.abs(outcome.value - Date.now()) < 5000;
    });
  });

  test('invalidateSessions: per-ID results in input order, own session included', async () => {
    await sameOnAll(async (channel) => {
      const caller = await freshSession();
      const other = await freshSession();
      const ended = await freshSession();
      await api(base, 'POST', '/api/v1/logout', { sessionId: ended });
      const ids = [other, 'sd1_unknown', '', 'x'.repeat(300), ended, caller, other];
      const outcome = await channel.invalidate(caller, ids);
      assert.ok(outcome.ok, channel.name);
      assert.equal(await alive(other), false);
      assert.equal(await alive(caller), false);
      return outcome.value;
    }).then((results) => {
      assert.deepEqual(
        results.map((r) => r.success),
        [true, false, false, false, false, true, false],
      );
    });
  });

  test('an empty list answers an empty list', async () => {
    const results = await sameOnAll(async (channel) => channel.invalidate(await freshSession(), []));
    assert.deepEqual(results, { ok: true, value: [] });
  });

  test('201 IDs: EXCEEDED_ID_LIMIT everywhere and nothing ended (exactly 200 is fine)', async () => {
    await sameOnAll(async (channel) => {
      const caller = await freshSession();
      const victim = await freshSession();
      const ids = [victim, ...Array.from({ length: 200 }, (_, i) => `gone-${i}`)];
      const outcome = await channel.invalidate(caller, ids);
      assert.ok(await alive(victim), `${channel.name} ended nothing`);
      const fine = await channel.invalidate(caller, ids.slice(1));
      assert.ok(fine.ok && fine.value.length === 200);
      // The client refuses before sending, with the table's message; the server adds the count.
      return outcome.ok ? 'accepted' : outcome.code;
    }).then((code) => assert.equal(code, 'EXCEEDED_ID_LIMIT'));
  });

  test('a dead session: INVALID_SESSION_ID with the same message on every call', async () => {
    const dead = await freshSession();
    await api(base, 'POST', '/api/v1/logout', { sessionId: dead });
    const expected = { ok: false, code: 'INVALID_SESSION_ID', message: 'Invalid Session ID found in SessionHeader: Illegal Session' };
    for (const id of [dead, 'garbage']) {
      assert.deepEqual(await sameOnAll((c) => c.logout(id)), expected);
      assert.deepEqual(await sameOnAll((c) => c.userInfo(id)), expected);
      assert.deepEqual(await sameOnAll((c) => c.timestamp(id)), expected);
      assert.deepEqual(await sameOnAll((c) => c.invalidate(id, [id])), expected);
    }
  });

  test('logout ends the session; the next call is INVALID_SESSION_ID', async () => {
    await sameOnAll(async (channel) => {
      const sessionId = await freshSession();
      const out = await channel.logout(sessionId);
      assert.deepEqual(out, { ok: true, value: null });
      return channel.userInfo(sessionId);
    });
  });
});

describe('contract: a store failure is the same whole-call error on every channel', () => {
  test('SERVICE_UNAVAILABLE on every channel, no internals, and the server still answers', async () => {
    const server = await startTestServer({ SESSIOND_LOG_LEVEL: 'silent' });
    try {
      const base = server.url;
      const caller = (await restLogin(base, 'admin', ADMIN_PASSWORD)).sessionId;
      await server.server.ctx.store.close();
      const channels = [restChannel(base), rawSoapChannel(base), clientChannel(base, 'rest'), clientChannel(base, 'soap')];
      for (const channel of channels) {
        for (const outcome of [await channel.invalidate(caller, ['sd1_x']), await channel.login('admin', ADMIN_PASSWORD)]) {
          // A closed SQLite store is unavailable, as an unreachable PostgreSQL or Redis is.
          assert.deepEqual(
            outcome,
            { ok: false, code: 'SERVICE_UNAVAILABLE', message: 'The session store is unavailable; try again shortly.' },
            channel.name,
          );
        }
      }
      const raw = await callSoap(base, 'getUserInfo', '', caller);
      assert.doesNotMatch(raw.text, /database|sqlite|at .*\.ts/i);
      assert.equal((await fetch(`${base}/services/Soap/u/60.0?wsdl`)).status, 200);
    } finally {
      await server.close().catch(() => {});
    }
  });
});
