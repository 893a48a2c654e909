import assert from 'node:assert/strict';
import { request as httpRequest, Agent } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { STATUS_CODES } from '../../src/core/status-codes.ts';
import { ADMIN_PASSWORD, addUser, api, login, startTestServer, type TestServer } from '../helpers/server.ts';
import { envelope, PARTNER, xmlEscape } from '../soap/raw-soap.ts';

/**
 * Property-based fuzzing of a running server (issue 16): random and mutated-valid JSON bodies
 * on the REST routes, random headers, mutated-valid SOAP envelopes and web sign-in form posts.
 * Whatever arrives: never a 5xx other than 503 (for SOAP, whose faults always travel as HTTP
 * 500: never a fault whose code is a server failure), the server stays up, and a refused
 * request changes nothing in the store. The one change a refusal may make is the one a wrong
 * password must make: a refused login counts in the login limits and is audited (login.failed,
 * and on the web tier pool.missed: the sign-in went to the upstream). Bounded by numRuns, so the file takes seconds; fast-check prints the seed and
 * the shrunk request of any failure.
 */

const USER = 'fuzzuser';
const USER_PASSWORD = 'fuzz-password-1';
const RUNS = 80;
/** fast-check's report names the failed assertion, not only the counterexample. */
const REPORT = { includeErrorInReport: true } as const;

interface RawRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

interface RawAnswer {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

/** A path as it goes on the wire: anything but visible ASCII percent-encoded (as UTF-8). */
function wirePath(path: string): string {
  const bytes = [...Buffer.from(path.startsWith('/') ? path : `/${path}`, 'utf8')];
  return bytes.map((b) => (b > 0x20 && b < 0x7f ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`)).join('');
}

/** node:http, not fetch: headers go out as generated (fetch would add or refuse some). */
function send(base: string, req: RawRequest): Promise<RawAnswer> {
  const url = new URL(base);
  const body = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: wirePath(req.path),
        method: req.method,
        headers: { ...req.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
        res.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

// ---------------------------------------------------------------------------------------------
// Mutations: edits of text, and edits of a JSON value's structure.

/** Text that breaks parsers: markup, escapes, JSON syntax, control and odd Unicode characters. */
const nasty = fc.constantFrom(
  '<', '>', '&', '"', "'", '<!--', '-->', '<![CDATA[', ']]>', '</a>', '<a>', '<?x?>', '<!DOCTYPE x>', '<!ENTITY e "e">',
  '&amp;', '&#0;', '&#x1F600;', '&e;', '\u0000', '\u0007', '\r\n', '\uFFFF', '\uD800', '\u202E', '__proto__', 'constructor',
  '{', '}', '[', ']', ',', ':', 'null', '1e999', '-0', '"\\u0000"', '\\', '%00', '%', '+', '=', '&_csrf=', 'a'.repeat(300),
);

type TextEdit =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'replace'; at: number; length: number; text: string }
  | { kind: 'duplicate'; at: number; length: number };

const someText = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 8 }), nasty);
const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: someText }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }), text: someText }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 200 }) }),
);
const textEdits = fc.array(textEdit, { minLength: 1, maxLength: 3 });

function applyEdits(text: string, edits: readonly TextEdit[]): string {
  let out = text;
  for (const edit of edits) {
    const at = edit.at % (out.length + 1);
    if (edit.kind === 'insert') out = out.slice(0, at) + edit.text + out.slice(at);
    else if (edit.kind === 'delete') out = out.slice(0, at) + out.slice(at + edit.length);
    else if (edit.kind === 'replace') out = out.slice(0, at) + edit.text + out.slice(at + edit.length);
    else out = out.slice(0, at) + out.slice(at, at + edit.length) + out.slice(at);
  }
  return out;
}

/** A mutation of a valid text that always changes it (an edit that changes nothing would not be a mutation). */
const mutatedText = (valid: string) => textEdits.map((edits) => applyEdits(valid, edits)).filter((t) => t !== valid);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

type JsonEdit =
  | { kind: 'drop'; pick: number }
  | { kind: 'set'; pick: number; value: unknown }
  | { kind: 'add'; key: string; value: unknown }
  | { kind: 'string'; pick: number; edits: TextEdit[] }
  | { kind: 'whole'; value: unknown };

const jsonEdit: fc.Arbitrary<JsonEdit> = fc.oneof(
  fc.record({ kind: fc.constant('drop' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('set' as const), pick: fc.nat(), value: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({
    kind: fc.constant('add' as const),
    key: fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('__proto__', 'constructor', 'prototype', 'admin', 'isAdmin', 'userId')),
    value: fc.jsonValue({ maxDepth: 2 }),
  }),
  fc.record({ kind: fc.constant('string' as const), pick: fc.nat(), edits: textEdits }),
  fc.record({ kind: fc.constant('whole' as const), value: fc.jsonValue({ maxDepth: 3 }) }),
);

/** Paths to every value inside a JSON value (objects and arrays), outermost first. */
function pathsOf(value: Json, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (value === null || typeof value !== 'object') return [];
  const keys: Array<string | number> = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return keys.flatMap((k) => [[...prefix, k], ...pathsOf((value as Record<string | number, Json>)[k]!, [...prefix, k])]);
}

function applyJsonEdit(valid: Json, edit: JsonEdit): Json {
  if (edit.kind === 'whole') return edit.value as Json;
  const copy = structuredClone(valid);
  if (edit.kind === 'add') {
    if (copy !== null && typeof copy === 'object' && !Array.isArray(copy)) Object.defineProperty(copy, edit.key, { value: edit.value, enumerable: true, configurable: true, writable: true });
    return copy;
  }
  const paths = pathsOf(copy);
  const candidates = edit.kind === 'string' ? paths.filter((p) => typeof get(copy, p) === 'string') : paths;
  if (candidates.length === 0) return copy;
  const path = candidates[edit.pick % candidates.length]!;
  const parent = get(copy, path.slice(0, -1)) as Record<string | number, Json> | Json[];
  const key = path.at(-1)!;
  if (edit.kind === 'drop') {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete (parent as Record<string, Json>)[key];
  } else if (edit.kind === 'set') {
    (parent as Record<string | number, Json>)[key] = edit.value as Json;
  } else {
    (parent as Record<string | number, Json>)[key] = applyEdits(get(copy, path) as string, edit.edits);
  }
  return copy;
}

function get(value: Json, path: ReadonlyArray<string | number>): Json {
  return path.reduce<Json>((v, k) => (v as Record<string | number, Json>)[k]!, value);
}

/** A valid JSON body mutated in its structure, or in its text (often no longer JSON). */
const mutatedJson = (valid: Json) =>
  fc.oneof(
    fc.array(jsonEdit, { minLength: 1, maxLength: 3 }).map((edits) => JSON.stringify(edits.reduce(applyJsonEdit, valid)) ?? ''),
    mutatedText(JSON.stringify(valid)),
  );

// ---------------------------------------------------------------------------------------------
// Headers: random ones, and the ones that steer parsing and authentication.

const tokenChars = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_.!#$%&\'*+^`|~'.split(''));
const headerName = fc.oneof(
  fc.constantFrom('accept', 'accept-encoding', 'content-encoding', 'cookie', 'origin', 'referer', 'user-agent', 'x-forwarded-for', 'x-request-id', 'soapaction', 'x-http-method-override', 'expect-ct', 'range'),
  fc.string({ unit: tokenChars, minLength: 1, maxLength: 16 }),
).filter((n) => !['host', 'content-length', 'transfer-encoding', 'connection', 'expect', 'upgrade', 'te', 'keep-alive', 'trailer'].includes(n));
/** Header values Node will send: visible ASCII, spaces and tabs. */
const headerValue = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 64 }),
  fc.constantFrom('', ' ', 'gzip', 'deflate, br', 'application/json', 'text/xml; charset=utf-16', 'multipart/form-data; boundary=x', '*/*', 'a'.repeat(2000)),
);
const contentType = fc.constantFrom(
  'application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'text/plain', 'text/xml; charset=utf-8',
  'application/soap+xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', '', ';;;', 'application/json;',
);
/** The content type a client of the route sends, four times in five; otherwise any. */
const mostly = (usual: string, others: fc.Arbitrary<string>) => fc.oneof({ weight: 4, arbitrary: fc.constant(usual) }, { weight: 1, arbitrary: others });
const randomHeaders = fc.dictionary(headerName, headerValue, { maxKeys: 5 });

const bearerOf = (id: string) => `Bearer ${id}`;
/** A mutated text as a header value Node sends: characters outside Latin-1's printable range become '?'. */
const asHeaderValue = (text: string) => text.replace(/[^\t\x20-\x7e\xa0-\xff]/g, '?');

// ---------------------------------------------------------------------------------------------
// The store, read straight from the server's SQLite file: every table, every row.

interface Dump {
  [table: string]: string[];
}

/**
 * What the store says, not how it is laid out at the moment: an end is its session.ended event
 * past the end log's purge mark (or ended_at in files from before it), and the audit lookups
 * (audit_keys) are filled when a lookup asks, so a session is dumped as ended or not, and those
 * tables are left out.
 */
const DERIVED_TABLES = new Set(['session_ends_purged', 'audit_keys', 'audit_keys_upto']);
const TABLE_QUERIES: Record<string, string> = {
  sessions:
    'SELECT id_hash, handle, user_id, username, project, created_at, last_seen_at, idle_expires_at, absolute_expires_at, ip, user_agent, ' +
    "(ended_at IS NOT NULL OR id_hash IN (SELECT id_hash FROM session_events WHERE type = 'session.ended' AND seq > (SELECT upto FROM session_ends_purged))) AS ended FROM sessions",
};

function dumpStore(db: Database.Database): Dump {
  const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all();
  const out: Dump = {};
  for (const { name } of tables) {
    if (DERIVED_TABLES.has(name)) continue;
    out[name] = db
      .prepare(TABLE_QUERIES[name] ?? `SELECT * FROM "${name}"`)
      .all()
      .map((row) => JSON.stringify(row))
      .sort();
  }
  return out;
}

/** Tables a refused login may change, and how: limit counters, and new login.failed audit rows. */
const LOGIN_LIMIT_TABLES = new Set(['login_limits']);
/** Audit events a refused login may add: the failure, and the web tier's record that its pool had no session to reuse. */
const LOGIN_ATTEMPT_EVENTS = new Set(['login.failed', 'pool.missed']);

function assertUnchanged(before: Dump, afterwards: Dump, loginRefusal: boolean, what: string): void {
  assert.deepEqual(Object.keys(afterwards), Object.keys(before), `${what}: tables`);
  for (const table of Object.keys(before)) {
    if (loginRefusal && LOGIN_LIMIT_TABLES.has(table)) continue;
    if (loginRefusal && table === 'audit') {
      const old = new Set(before[table]);
      assert.ok(before[table]!.every((row) => afterwards[table]!.includes(row)), `${what}: an audit row changed or went`);
      for (const row of afterwards[table]!.filter((r) => !old.has(r))) {
        assert.ok(LOGIN_ATTEMPT_EVENTS.has((JSON.parse(row) as { event: string }).event), `${what}: a refused login wrote ${row}`);
      }
      continue;
    }
    assert.deepEqual(afterwards[table], before[table], `${what}: table ${table} changed`);
  }
}

// ---------------------------------------------------------------------------------------------

describe('fuzzing a running server (REST, SOAP, web sign-in)', () => {
  let server: TestServer;
  let base: string;
  let db: Database.Database;
  let admin: string;
  /** Sessions of the fuzz user, whose IDs and handles the mutations start from. */
  const victims: Array<{ sessionId: string; handle: string }> = [];
  let csrf: { cookie: string; token: string };

  before(async () => {
    server = await startTestServer({
      // Failures are what fuzzing sends; the limits would turn most answers into 429s.
      SESSIOND_LOGIN_MAX_FAILURES: '1000000',
      SESSIOND_LOGIN_MAX_FAILURES_PER_ADDRESS: '1000000',
      SESSIOND_LOG_LEVEL: 'warn',
    });
    base = server.url;
    admin = (await login(base, 'admin', ADMIN_PASSWORD)).sessionId;
    await addUser(base, admin, USER, USER_PASSWORD);
    for (let i = 0; i < 6; i++) {
      const s = await login(base, USER, USER_PASSWORD);
      victims.push({ sessionId: s.sessionId, handle: s.handle });
    }
    db = new Database(join(server.dir, 'sessiond.db'), { readonly: true, fileMustExist: true });
    const page = await fetch(`${base}/web/login`);
    const html = await page.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
    assert.ok(token, 'the sign-in page carries a CSRF token');
    csrf = { cookie: page.headers.getSetCookie().map((c) => c.split(';')[0]).join('; '), token };
  });

  after(async () => {
    db?.close();
    agent.destroy();
    await server?.close();
  });

  /** One fuzzed request: the answer is no server failure, and a refusal changes nothing. */
  async function probe(req: RawRequest, options: { loginRoute?: boolean; soap?: boolean } = {}): Promise<RawAnswer> {
    const what = `${req.method} ${req.path} ${JSON.stringify(req.headers)} ${JSON.stringify(req.body?.slice(0, 300))}`;
    const before = dumpStore(db);
    const answer = await send(base, req);
    let refused = answer.status >= 400;
    let loginRefusal = options.loginRoute === true && (answer.status === 401 || answer.status === 429);
    if (options.soap && answer.status === 500) {
      // A SOAP fault: judged by its code's REST status, as the status table maps it.
      const code = /<faultcode>(?:sf:)?([A-Za-z_:]+)<\/faultcode>/.exec(answer.text)?.[1];
      assert.ok(code, `${what}: HTTP 500 without a SOAP fault: ${answer.text.slice(0, 300)}`);
      const rest = code === 'soapenv:VersionMismatch' ? 400 : STATUS_CODES[code as keyof typeof STATUS_CODES]?.http;
      assert.ok(rest !== undefined, `${what}: fault code ${code} is not in the status table`);
      assert.ok(rest < 500 || rest === 503, `${what}: SOAP fault ${code} is a server failure: ${answer.text.slice(0, 500)}`);
      refused = true;
      loginRefusal = options.loginRoute === true && (rest === 401 || rest === 429);
    } else {
      assert.ok(answer.status < 500 || answer.status === 503, `${what}: answered ${answer.status}: ${answer.text.slice(0, 500)}`);
    }
    if (refused) assertUnchanged(before, dumpStore(db), loginRefusal, `${what} → ${answer.status}`);
    return answer;
  }

  async function assertStillServing(): Promise<void> {
    const live = await fetch(`${base}/livez`);
    assert.equal(live.status, 200, 'the server still answers /livez');
    const check = await api(base, 'GET', '/api/v1/session', { sessionId: admin });
    assert.equal(check.status, 200, 'the admin session still works');
  }

  const victimId = fc.nat().map((i) => victims[i % victims.length]!.sessionId);
  const victimHandle = fc.nat().map((i) => victims[i % victims.length]!.handle);
  /** An Authorization header: none, random, a mutated Bearer of a live session, or a bearer of a random token. */
  const authorization = fc.oneof(
    fc.constant(undefined),
    headerValue,
    victimId.chain((id) => mutatedText(bearerOf(id))).map(asHeaderValue),
    fc.string({ maxLength: 60 }).map(bearerOf),
  );

  test('REST: random and mutated-valid JSON bodies on login, session, logout, invalidateSessions and admin routes', async () => {
    const validBodies = {
      login: fc.constant<Json>({ username: USER, password: USER_PASSWORD, project: 'default' }),
      invalidate: fc.array(victimId, { minLength: 1, maxLength: 3 }).map((ids): Json => ({ sessionIds: ids })),
      createUser: fc.constant<Json>({ username: 'fuzz-new', password: 'fuzz-new-password-1', admin: false }),
      invalidateHandles: fc.array(victimHandle, { minLength: 1, maxLength: 3 }).map((handles): Json => ({ handles })),
    };
    const body = (valid: fc.Arbitrary<Json>) => fc.oneof(valid.chain(mutatedJson), fc.json({ maxDepth: 3 }), fc.string({ maxLength: 80 }));
    const route = fc.oneof(
      fc.record({ method: fc.constant('POST' as const), path: fc.constant('/api/v1/login'), body: body(validBodies.login), auth: authorization, login: fc.constant(true) }),
      fc.record({ method: fc.constant('GET' as const), path: fc.constant('/api/v1/session'), body: fc.constant(undefined), auth: authorization, login: fc.constant(false) }),
      fc.record({ method: fc.constant('POST' as const), path: fc.constant('/api/v1/logout'), body: fc.option(body(fc.constant<Json>({})), { nil: undefined }), auth: authorization, login: fc.constant(false) }),
      fc.record({ method: fc.constant('POST' as const), path: fc.constant('/api/v1/sessions/invalidate'), body: body(validBodies.invalidate), auth: fc.oneof(authorization, fc.constant('admin')), login: fc.constant(false) }),
      fc.record({ method: fc.constant('POST' as const), path: fc.constant('/api/v1/admin/users'), body: body(validBodies.createUser), auth: fc.oneof(authorization, fc.constant('admin')), login: fc.constant(false) }),
      fc.record({ method: fc.constant('POST' as const), path: fc.constant('/api/v1/admin/sessions/invalidate'), body: body(validBodies.invalidateHandles), auth: fc.oneof(authorization, fc.constant('admin')), login: fc.constant(false) }),
      fc.record({
        method: fc.constant('GET' as const),
        path: fc.oneof(mutatedText('/api/v1/admin/sessions?username=fuzzuser&limit=10'), fc.string({ maxLength: 30 }).map((q) => `/api/v1/admin/sessions?${encodeURIComponent(q)}=${encodeURIComponent(q)}`)),
        body: fc.constant(undefined),
        auth: fc.oneof(authorization, fc.constant('admin')),
        login: fc.constant(false),
      }),
    );
    await fc.assert(
      fc.asyncProperty(route, mostly('application/json', contentType), async (r, type) => {
        const headers: Record<string, string> = {};
        if (r.auth !== undefined) headers.authorization = r.auth === 'admin' ? bearerOf(admin) : r.auth;
        if (r.body !== undefined) headers['content-type'] = type;
        await probe({ method: r.method, path: r.path, headers, ...(r.body !== undefined ? { body: r.body } : {}) }, { loginRoute: r.login });
      }),
      { ...REPORT, numRuns: RUNS * 3 },
    );
    await assertStillServing();
  });

  test('random headers on login and session checks', async () => {
    const validLogin = JSON.stringify({ username: USER, password: USER_PASSWORD });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/api/v1/login', '/api/v1/session', '/services/Soap/u/60.0', '/web/login'),
        randomHeaders,
        fc.option(contentType, { nil: undefined }),
        fc.option(authorization, { nil: undefined }),
        async (path, headers, type, auth) => {
          const all: Record<string, string> = { ...headers };
          if (type !== undefined) all['content-type'] = type;
          if (auth !== undefined) all.authorization = auth;
          const isGet = path === '/api/v1/session';
          const body = path === '/services/Soap/u/60.0'
            ? envelope(`<login xmlns="${PARTNER}"><username>${USER}</username><password>wrong-${USER_PASSWORD}</password></login>`)
            : path === '/web/login'
              ? new URLSearchParams({ username: USER, password: 'wrong', _csrf: csrf.token }).toString()
              : validLogin.replace(USER_PASSWORD, `wrong-${USER_PASSWORD}`);
          await probe({ method: isGet ? 'GET' : 'POST', path, headers: all, ...(isGet ? {} : { body }) }, { loginRoute: !isGet, soap: path.startsWith('/services') });
        },
      ),
      { ...REPORT, numRuns: RUNS * 2 },
    );
    await assertStillServing();
  });

  test('SOAP: mutated-valid login, invalidateSessions and logout envelopes', async () => {
    const soapLogin = envelope(`<login xmlns="${PARTNER}"><username>${USER}</username><password>${xmlEscape(USER_PASSWORD)}</password></login>`);
    const calls = fc.oneof(
      fc.record({ xml: mutatedText(soapLogin), login: fc.constant(true) }),
      fc.record({
        xml: fc.tuple(victimId, fc.array(victimId, { minLength: 1, maxLength: 3 })).chain(([caller, ids]) =>
          mutatedText(envelope(`<invalidateSessions xmlns="${PARTNER}">${ids.map((id) => `<sessionIds>${id}</sessionIds>`).join('')}</invalidateSessions>`, caller)),
        ),
        login: fc.constant(false),
      }),
      fc.record({ xml: victimId.chain((id) => mutatedText(envelope(`<logout xmlns="${PARTNER}"/>`, id))), login: fc.constant(false) }),
      fc.record({ xml: fc.string({ maxLength: 200 }), login: fc.constant(false) }),
    );
    await fc.assert(
      fc.asyncProperty(calls, mostly('text/xml; charset=utf-8', contentType), async (call, type) => {
        await probe({ method: 'POST', path: '/services/Soap/u/60.0', headers: { 'content-type': type, soapaction: '""' }, body: call.xml }, { loginRoute: call.login, soap: true });
      }),
      { ...REPORT, numRuns: RUNS * 3 },
    );
    await assertStillServing();
  });

  test('web tier: random and mutated-valid sign-in form posts', async () => {
    const valid = { username: USER, password: USER_PASSWORD, project: 'default', next: '/web/', _csrf: csrf.token };
    const form = fc.oneof(
      // Mutated-valid fields, sent with the CSRF cookie the token belongs to.
      fc.array(jsonEdit, { minLength: 1, maxLength: 3 }).map((edits) => {
        const fields = edits.reduce<Json>(applyJsonEdit, valid);
        const flat = fields !== null && typeof fields === 'object' && !Array.isArray(fields) ? Object.entries(fields).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v) ?? '']) : [];
        return { body: new URLSearchParams(flat).toString(), cookie: true };
      }),
      mutatedText(new URLSearchParams(valid).toString()).map((body) => ({ body, cookie: true })),
      // Random fields and cookies.
      fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 40 }), { maxKeys: 6 }).map((d) => ({ body: new URLSearchParams(d).toString(), cookie: false })),
    );
    await fc.assert(
      fc.asyncProperty(form, fc.option(headerValue, { nil: undefined }), mostly('application/x-www-form-urlencoded', contentType), async (f, cookie, type) => {
        const headers: Record<string, string> = { 'content-type': type };
        if (f.cookie) headers.cookie = csrf.cookie;
        else if (cookie !== undefined) headers.cookie = cookie;
        const answer = await probe({ method: 'POST', path: '/web/login', headers, body: f.body }, { loginRoute: true });
        // A sign-in the mutations left valid is a 303 into the web tier; anything else is a page.
        assert.ok(answer.status === 303 || answer.status >= 400 || answer.status === 200, `web sign-in answered ${answer.status}`);
      }),
      { ...REPORT, numRuns: RUNS * 2 },
    );
    await assertStillServing();
    // The fuzz user can still sign in everywhere: nothing the fuzzing sent broke the account.
    assert.equal((await api(base, 'POST', '/api/v1/login', { body: { username: USER, password: USER_PASSWORD } })).status, 200);
  });
});
