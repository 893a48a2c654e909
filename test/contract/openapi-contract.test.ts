import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { ADMIN_PASSWORD, addUser, login, startTestServer, type TestServer } from '../helpers/server.ts';
import { deleteKeys, rawClient, testPrefix } from '../helpers/redis-cluster.ts';
import { REDIS_URL, skipUnlessService } from '../helpers/services.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { WebClient } from '../web/web-client.ts';
import { RECORDING_ESM } from '../web/web-setup.ts';

/**
 * The OpenAPI document against the running server: every documented request, and every
 * documented error status with each of its errorCode values, is sent to a real server, and
 * every actual answer is validated (Ajv, JSON Schema 2020-12) against the document. The run
 * ends by checking that nothing the document promises went unexercised, so a route added
 * without cases here fails.
 *
 * Error cases common to every route of a kind are made once for all (no session, a user's
 * session on an admin route, a body too large or not JSON, a store that does not answer, a
 * store that fails in a way nobody planned for); what is particular to a route is listed.
 */
type Doc = { paths: Record<string, Record<string, Operation>> };
type Operation = {
  operationId: string;
  security?: unknown[];
  parameters?: Array<{ in: string; name: string }>;
  requestBody?: unknown;
  responses: Record<string, { headers?: Record<string, unknown>; content?: Record<string, { schema: { properties?: { errorCode?: { enum?: string[] } } } }> }>;
};

interface Request {
  /** The path as sent, e.g. `/api/v1/admin/users/alice/sessions/invalidate`. */
  path?: string;
  sessionId?: string;
  body?: unknown;
  rawBody?: string;
  contentType?: string;
}

const skipRedis = await skipUnlessService('redis');

describe('OpenAPI contract: documented requests and errors against a running server', { skip: skipRedis }, () => {
  let server: TestServer; // the server most cases run on (SQLite)
  let broken: TestServer; // SQLite whose tables are dropped under it: UNKNOWN_EXCEPTION
  let onRedis: TestServer; // Redis behind a proxy that is cut: SERVICE_UNAVAILABLE
  let proxy: TcpProxy;
  const prefix = testPrefix('openapi');
  let doc: Doc;
  let ajv: Ajv2020;
  let admin: string;
  let user: string;
  let brokenAdmin: string;
  let redisAdmin: string;
  const observed = new Set<string>();

  before(async () => {
    // The recording module keeps sessions on web logout, so the pool has one for an admin to evict.
    server = await startTestServer({ SESSIOND_BODY_LIMIT_BYTES: '4096', SESSIOND_LOGIN_MAX_FAILURES: '3', SESSIOND_ESM: RECORDING_ESM, SESSIOND_ESM_CLOSE: 'false' });
    broken = await startTestServer({ SESSIOND_CACHE_MAX_AGE_MS: '0' });
    proxy = await startTcpProxy(new URL(REDIS_URL).hostname, Number(new URL(REDIS_URL).port || 6379));
    onRedis = await startTestServer({ SESSIOND_STORE: `redis://127.0.0.1:${proxy.port}`, SESSIOND_REDIS_PREFIX: prefix });

    doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as Doc;
    ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema(doc as object, 'openapi.json');

    admin = (await login(server.url, 'admin', ADMIN_PASSWORD)).sessionId;
    await addUser(server.url, admin, 'una', 'una-password-1');
    await addUser(server.url, admin, 'limited', 'limited-password-1');
    user = (await login(server.url, 'una', 'una-password-1')).sessionId;
    brokenAdmin = (await login(broken.url, 'admin', ADMIN_PASSWORD)).sessionId;
    redisAdmin = (await login(onRedis.url, 'admin', ADMIN_PASSWORD)).sessionId;
  });

  after(async () => {
    await server?.close();
    await broken?.close();
    await onRedis?.close();
    await proxy?.close();
    const redis = await rawClient({ kind: 'redis', url: REDIS_URL });
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  const pointer = (...segments: string[]) => segments.map((s) => encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');

  /** Sends one request, checks the answer is documented for the operation, validates it, and records it. */
  async function send(base: string, method: string, template: string, request: Request = {}): Promise<{ status: number; body: unknown }> {
    const operation = doc.paths[template]?.[method.toLowerCase()];
    assert.ok(operation, `${method} ${template} is in the document`);
    const headers: Record<string, string> = {};
    if (request.sessionId) headers.authorization = `Bearer ${request.sessionId}`;
    let body: string | undefined = request.rawBody;
    if (body === undefined && request.body !== undefined) body = JSON.stringify(request.body);
    if (body !== undefined) headers['content-type'] = request.contentType ?? 'application/json';
    const res = await fetch(base + (request.path ?? template), { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    const what = `${method} ${template} → ${res.status}: ${text.slice(0, 300)}`;

    const documented = operation.responses[String(res.status)];
    assert.ok(documented, `${what} (status not documented)`);
    // Every answer carries its request ID, and the document says so.
    assert.ok(documented.headers?.['X-Request-Id'], `${what} (X-Request-Id not documented)`);
    assert.match(res.headers.get('x-request-id') ?? '', /^[A-Za-z0-9._:-]{1,128}$/, `${what} (X-Request-Id)`);
    const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const content = documented.content?.[mediaType];
    assert.ok(content, `${what} (content type ${mediaType} not documented)`);
    const parsed: unknown = mediaType === 'application/json' ? JSON.parse(text) : text;
    const validate = ajv.getSchema(`openapi.json#/${pointer('paths', template, method.toLowerCase(), 'responses', String(res.status), 'content', mediaType, 'schema')}`);
    assert.ok(validate, `${what} (schema found)`);
    assert.ok(validate(parsed), `${what} does not match the document: ${ajv.errorsText(validate.errors)}`);

    const code = (parsed as { errorCode?: string } | null)?.errorCode;
    observed.add(`${method.toUpperCase()} ${template} ${res.status}${typeof code === 'string' ? ` ${code}` : ''}`);
    return { status: res.status, body: parsed };
  }

  /** What the document promises: each operation's statuses, and each errorCode of an error status. */
  function promised(): string[] {
    const out: string[] = [];
    for (const [template, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          const codes = response.content?.['application/json']?.schema.properties?.errorCode?.enum;
          if (codes) for (const code of codes) out.push(`${method.toUpperCase()} ${template} ${status} ${code}`);
          else out.push(`${method.toUpperCase()} ${template} ${status}`);
        }
      }
    }
    return out.sort();
  }

  const operations = () =>
    Object.entries(doc.paths).flatMap(([template, ops]) => Object.entries(ops).map(([method, op]) => ({ template, method: method.toUpperCase(), op })));
  const codesOf = (op: Operation) =>
    Object.values(op.responses).flatMap((r) => r.content?.['application/json']?.schema.properties?.errorCode?.enum ?? []);
  /** A path that matches the template, for the generic cases. */
  const concrete = (template: string) => template.replace('{username}', 'una').replace('{handle}', 'h_none');

  test('each documented request, with its success answer', async () => {
    const handle = (await send(server.url, 'GET', '/api/v1/session', { sessionId: user })).body as { handle: string };
    await send(server.url, 'POST', '/api/v1/login', { body: { username: 'una', password: 'una-password-1', project: 'crm' } });
    await send(server.url, 'GET', '/api/v1/userinfo', { sessionId: user });
    await send(server.url, 'GET', '/api/v1/timestamp', { sessionId: user });
    const victim = (await login(server.url, 'una', 'una-password-1')).sessionId;
    await send(server.url, 'POST', '/api/v1/sessions/invalidate', { sessionId: user, body: { sessionIds: [victim, 'sd1_unknown'] } });
    await send(server.url, 'POST', '/api/v1/logout', { sessionId: (await login(server.url, 'una', 'una-password-1')).sessionId });
    await send(server.url, 'POST', '/api/v1/admin/users', { sessionId: admin, body: { username: 'vera', password: 'vera-password-1', admin: false } });
    await send(server.url, 'GET', '/api/v1/admin/users', { sessionId: admin });
    await send(server.url, 'GET', '/api/v1/admin/sessions', { sessionId: admin, path: '/api/v1/admin/sessions?limit=2&username=una' });
    const counted = await send(server.url, 'GET', '/api/v1/admin/sessions', { sessionId: admin, path: '/api/v1/admin/sessions?limit=1&usernamePrefix=UN&count=true' });
    const { nextCursor } = counted.body as { nextCursor: string };
    const second = await send(server.url, 'GET', '/api/v1/admin/sessions', { sessionId: admin, path: `/api/v1/admin/sessions?limit=1&usernamePrefix=un&cursor=${nextCursor}` });
    const { previousCursor } = second.body as { previousCursor: string };
    await send(server.url, 'GET', '/api/v1/admin/sessions', { sessionId: admin, path: `/api/v1/admin/sessions?limit=1&usernamePrefix=un&before=${previousCursor}` });
    const other = (await login(server.url, 'vera', 'vera-password-1')).handle;
    await send(server.url, 'POST', '/api/v1/admin/sessions/invalidate', { sessionId: admin, body: { handles: [other, 'h_unknown'] } });
    await send(server.url, 'POST', '/api/v1/admin/users/{username}/sessions/invalidate', { sessionId: admin, path: '/api/v1/admin/users/vera/sessions/invalidate' });
    await send(server.url, 'GET', '/api/v1/admin/audit', { sessionId: admin, path: `/api/v1/admin/audit?limit=5&handle=${handle.handle}` });
    const older = await send(server.url, 'GET', '/api/v1/admin/audit', { sessionId: admin, path: '/api/v1/admin/audit?limit=1&username=una&event=session.created' });
    const cursor = (older.body as { nextCursor: string }).nextCursor;
    await send(server.url, 'GET', '/api/v1/admin/audit', { sessionId: admin, path: `/api/v1/admin/audit?limit=1&username=una&event=session.created&cursor=${cursor}` });

    // The pool: a web user signs out and the module keeps the session; an admin evicts it.
    const browser = new WebClient(server.url);
    assert.equal((await browser.login('una', 'una-password-1')).status, 303);
    assert.equal((await browser.logout()).status, 303);
    const pool = (await send(server.url, 'GET', '/api/v1/admin/pool', { sessionId: admin })).body as { entries: Array<{ handle: string }> };
    assert.equal(pool.entries.length, 1);
    const evicted = await send(server.url, 'DELETE', '/api/v1/admin/pool/{handle}', { sessionId: admin, path: `/api/v1/admin/pool/${pool.entries[0]!.handle}` });
    assert.deepEqual(evicted.body, { closed: true });

    // Self-service (issue 17), as a user of their own.
    await addUser(server.url, admin, 'mia', 'mia-password-1');
    const mia = await login(server.url, 'mia', 'mia-password-1');
    const miaElsewhere = await login(server.url, 'mia', 'mia-password-1');
    const mine = (await send(server.url, 'GET', '/api/v1/me/sessions', { sessionId: mia.sessionId })).body as { sessions: unknown[] };
    assert.equal(mine.sessions.length, 2);
    await send(server.url, 'POST', '/api/v1/me/sessions/invalidate', { sessionId: mia.sessionId, body: { handles: [miaElsewhere.handle, other] } });
    await login(server.url, 'mia', 'mia-password-1');
    await send(server.url, 'POST', '/api/v1/me/sessions/invalidate-others', { sessionId: mia.sessionId });
    await send(server.url, 'POST', '/api/v1/me/password', {
      sessionId: mia.sessionId,
      body: { currentPassword: 'mia-password-1', newPassword: 'mia-password-2' },
    });

    // Accounts (issue 17), as an admin.
    await addUser(server.url, admin, 'wendy', 'wendy-password-1');
    await send(server.url, 'POST', '/api/v1/admin/users/{username}/deactivate', { sessionId: admin, path: '/api/v1/admin/users/wendy/deactivate' });
    await send(server.url, 'POST', '/api/v1/admin/users/{username}/activate', { sessionId: admin, path: '/api/v1/admin/users/wendy/activate' });
    await send(server.url, 'POST', '/api/v1/admin/users/{username}/password', {
      sessionId: admin,
      path: '/api/v1/admin/users/wendy/password',
      body: { newPassword: 'wendy-password-2' },
    });
    await send(server.url, 'PATCH', '/api/v1/admin/users/{username}', { sessionId: admin, path: '/api/v1/admin/users/wendy', body: { permissions: ['events'] } });
    await send(server.url, 'DELETE', '/api/v1/admin/users/{username}', { sessionId: admin, path: '/api/v1/admin/users/wendy' });
    await send(server.url, 'GET', '/healthz');
    await send(server.url, 'GET', '/livez');
    await send(server.url, 'GET', '/readyz');
    await send(server.url, 'GET', '/metrics');
  });

  test('the errors particular to a route', async () => {
    await send(server.url, 'POST', '/api/v1/login', { body: { username: 'una', password: 'not-her-password' } });
    for (let i = 0; i < 4; i++) await send(server.url, 'POST', '/api/v1/login', { body: { username: 'limited', password: 'wrong-password' } });
    const limited = await send(server.url, 'POST', '/api/v1/login', { body: { username: 'limited', password: 'limited-password-1' } });
    assert.equal(limited.status, 429);
    const many = Array.from({ length: 201 }, (_, i) => `id-${i}`);
    await send(server.url, 'POST', '/api/v1/sessions/invalidate', { sessionId: user, body: { sessionIds: many } });
    await send(server.url, 'POST', '/api/v1/admin/sessions/invalidate', { sessionId: admin, body: { handles: many } });
    await send(server.url, 'POST', '/api/v1/admin/users', { sessionId: admin, body: { username: 'una', password: 'una-password-2' } });
    await send(server.url, 'POST', '/api/v1/admin/users/{username}/sessions/invalidate', { sessionId: admin, path: '/api/v1/admin/users/nobody/sessions/invalidate' });
    await send(server.url, 'POST', '/api/v1/admin/users/{username}/sessions/invalidate', { sessionId: admin, path: '/api/v1/admin/users/bad%20name!/sessions/invalidate' });
    await send(server.url, 'GET', '/api/v1/admin/sessions', { sessionId: admin, path: '/api/v1/admin/sessions?limit=0' });
    await send(server.url, 'GET', '/api/v1/admin/audit', { sessionId: admin, path: '/api/v1/admin/audit?limit=abc' });
    await send(server.url, 'GET', '/api/v1/admin/audit', { sessionId: admin, path: '/api/v1/admin/audit?username=nobody' });
    await send(server.url, 'DELETE', '/api/v1/admin/pool/{handle}', { sessionId: admin, path: '/api/v1/admin/pool/h_none' });
    await send(server.url, 'DELETE', '/api/v1/admin/pool/{handle}', { sessionId: admin, path: `/api/v1/admin/pool/${'h'.repeat(65)}` });

    // Self-service: too many handles; a wrong current password, then too many of them.
    await send(server.url, 'POST', '/api/v1/me/sessions/invalidate', { sessionId: user, body: { handles: many } });
    await addUser(server.url, admin, 'nell', 'nell-password-1');
    const nell = (await login(server.url, 'nell', 'nell-password-1')).sessionId;
    const wrong = { currentPassword: 'not-nells-password', newPassword: 'nell-password-2' };
    for (let i = 0; i < 3; i++) assert.equal((await send(server.url, 'POST', '/api/v1/me/password', { sessionId: nell, body: wrong })).status, 401);
    assert.equal((await send(server.url, 'POST', '/api/v1/me/password', { sessionId: nell, body: wrong })).status, 429);

    // Accounts: no such user, the last active admin, a malformed username.
    for (const [method, template, suffix, body] of [
      ['POST', '/api/v1/admin/users/{username}/deactivate', '/deactivate', undefined],
      ['POST', '/api/v1/admin/users/{username}/activate', '/activate', undefined],
      ['POST', '/api/v1/admin/users/{username}/password', '/password', { newPassword: 'some-password-9' }],
      ['DELETE', '/api/v1/admin/users/{username}', '', undefined],
      ['PATCH', '/api/v1/admin/users/{username}', '', { admin: true }],
    ] as const) {
      await send(server.url, method, template, { sessionId: admin, path: `/api/v1/admin/users/nobody${suffix}`, ...(body ? { body } : {}) });
      await send(server.url, method, template, { sessionId: admin, path: `/api/v1/admin/users/bad%20name!${suffix}`, ...(body ? { body } : {}) });
    }
    for (const [method, template, suffix, body] of [
      ['POST', '/api/v1/admin/users/{username}/deactivate', '/deactivate', undefined],
      ['DELETE', '/api/v1/admin/users/{username}', '', undefined],
      ['PATCH', '/api/v1/admin/users/{username}', '', { admin: false }],
    ] as const) {
      const refused = await send(server.url, method, template, { sessionId: admin, path: `/api/v1/admin/users/admin${suffix}`, ...(body ? { body } : {}) });
      assert.equal(refused.status, 409);
    }
    assert.equal((await send(server.url, 'GET', '/api/v1/session', { sessionId: admin })).status, 200, 'the last admin is still signed in');

    // The event stream: a resume point that is not a seq.
    await send(server.url, 'GET', '/api/v1/events', { sessionId: admin, path: '/api/v1/events?after=yesterday' });
  });

  test('the event stream answers as documented: 200 text/event-stream with its request ID', async () => {
    const operation = doc.paths['/api/v1/events']!.get!;
    const controller = new AbortController();
    const res = await fetch(`${server.url}/api/v1/events?after=0`, { headers: { authorization: `Bearer ${admin}` }, signal: controller.signal });
    try {
      assert.equal(res.status, 200);
      const documented = operation.responses['200']!;
      assert.ok(documented.headers?.['X-Request-Id']);
      assert.match(res.headers.get('x-request-id') ?? '', /^[A-Za-z0-9._:-]{1,128}$/);
      const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
      assert.equal(mediaType, 'text/event-stream');
      assert.ok(documented.content?.[mediaType], 'the media type is documented');
      const first = await res.body!.getReader().read();
      assert.match(new TextDecoder().decode(first.value), /^: connected\nid: \d+\n\n/);
      observed.add('GET /api/v1/events 200');
    } finally {
      controller.abort();
    }
  });

  test('the errors every route of its kind answers', async () => {
    for (const { template, method, op } of operations()) {
      const codes = new Set(codesOf(op));
      const path = concrete(template);
      if (codes.has('INVALID_SESSION_ID')) await send(server.url, method, template, { path });
      if (codes.has('INSUFFICIENT_ACCESS')) await send(server.url, method, template, { path, sessionId: user });
      if (codes.has('REQUEST_TOO_LARGE')) await send(server.url, method, template, { path, sessionId: admin, body: { pad: 'x'.repeat(8192) } });
      if (codes.has('UNSUPPORTED_MEDIA_TYPE')) {
        await send(server.url, method, template, { path, sessionId: admin, rawBody: '<login/>', contentType: 'application/xml' });
      }
      if (codes.has('INVALID_REQUEST') && method === 'POST') await send(server.url, method, template, { path, sessionId: admin, rawBody: '{"not json' });
    }
  });

  test('a store that fails in a way nobody planned for: 500 UNKNOWN_EXCEPTION on every route that uses it', async () => {
    const db = new Database(join(broken.dir, 'sessiond.db'));
    try {
      db.exec('DROP TABLE sessions; DROP TABLE users;');
    } finally {
      db.close();
    }
    for (const { template, method, op } of operations()) {
      if (!codesOf(op).includes('UNKNOWN_EXCEPTION')) continue;
      const body = template === '/api/v1/login' ? { username: 'admin', password: ADMIN_PASSWORD } : undefined;
      const answer = await send(broken.url, method, template, { path: concrete(template), sessionId: brokenAdmin, ...(body ? { body } : {}) });
      assert.equal(answer.status, 500, `${method} ${template}`);
    }
  });

  test('a store that does not answer: 503 SERVICE_UNAVAILABLE on every route that uses it, and /healthz says so', async () => {
    await proxy.stop();
    for (const { template, method, op } of operations()) {
      if (!codesOf(op).includes('SERVICE_UNAVAILABLE')) continue;
      const body = template === '/api/v1/login' ? { username: 'admin', password: ADMIN_PASSWORD } : undefined;
      const answer = await send(onRedis.url, method, template, { path: concrete(template), sessionId: redisAdmin, ...(body ? { body } : {}) });
      assert.equal(answer.status, 503, `${method} ${template}`);
    }
    assert.equal((await send(onRedis.url, 'GET', '/healthz')).status, 503);
    assert.equal((await send(onRedis.url, 'GET', '/readyz')).status, 503);
    assert.equal((await send(onRedis.url, 'GET', '/livez')).status, 200, 'the process still answers: liveness does not ask the store');
  });

  test('nothing the document promises went unexercised', () => {
    const missing = promised().filter((key) => !observed.has(key));
    assert.deepEqual(missing, [], 'documented answers no case here produced');
    assert.equal(observed.size, promised().length, 'every answer seen was a documented one');
  });
});
