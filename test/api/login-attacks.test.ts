import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, addUser, api, login, startTestServer, type TestServer } from '../helpers/server.ts';
import { envelope, PARTNER, postSoap, xmlEscape } from '../soap/raw-soap.ts';
import { WebClient } from '../web/web-client.ts';

/**
 * Issue 16's attacks on login, over real HTTP: guesses sent all at once, a right password among
 * them, one address spraying many usernames (REST, SOAP and the web tier), a restart, and
 * usernames in another letter case. Each attack comes from its own address (X-Forwarded-For
 * behind SESSIOND_TRUST_PROXY), so one does not spend another's budget.
 */

function loginFrom(base: string, address: string, username: string, password: string) {
  return api(base, 'POST', '/api/v1/login', { body: { username, password }, headers: { 'x-forwarded-for': address } });
}

async function soapLoginFrom(base: string, address: string, username: string, password: string) {
  const res = await fetch(`${base}/services/Soap/u/60.0`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '""', 'x-forwarded-for': address },
    body: envelope(`<login xmlns="${PARTNER}"><username>${xmlEscape(username)}</username><password>${xmlEscape(password)}</password></login>`),
  });
  const text = await res.text();
  return { status: res.status, text, exceptionCode: /<sf:exceptionCode>([A-Z_]+)</.exec(text)?.[1] ?? null };
}

const statuses = (answers: ReadonlyArray<{ status: number }>) => {
  const counts: Record<number, number> = {};
  for (const a of answers) counts[a.status] = (counts[a.status] ?? 0) + 1;
  return counts;
};

describe('login under attack', () => {
  let t: TestServer;
  let admin: string;

  before(async () => {
    // The shipped limits (10 failures per username and address, 100 per address), and a password
    // hash that costs what a real one does, so guesses sent together are all in flight at once.
    t = await startTestServer({ SESSIOND_TRUST_PROXY: '1', SESSIOND_ARGON2_MEMORY_KIB: '65536', SESSIOND_ARGON2_TIME_COST: '3' });
    admin = (await login(t.url, 'admin', ADMIN_PASSWORD)).sessionId;
    for (const name of ['quinn', 'rhea', 'alice', 'pat']) await addUser(t.url, admin, name, `${name}-password-1`);
  });
  after(() => t.close());

  test('60 wrong passwords at once for one user: at most 10 are checked, the rest answer 429 with Retry-After', async () => {
    const answers = await Promise.all(Array.from({ length: 60 }, () => loginFrom(t.url, '203.0.113.1', 'quinn', 'wrong-password-1')));
    const counts = statuses(answers);
    assert.ok((counts[401] ?? 0) >= 1 && (counts[401] ?? 0) <= 10, `checked: ${JSON.stringify(counts)}`);
    assert.equal((counts[401] ?? 0) + (counts[429] ?? 0), 60, JSON.stringify(counts));
    const refused = answers.find((a) => a.status === 429)!;
    assert.equal((refused.body as { errorCode: string }).errorCode, 'LOGIN_RATE_EXCEEDED');
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
    assert.equal((await loginFrom(t.url, '203.0.113.1', 'quinn', 'quinn-password-1')).status, 429, 'locked out, right password or not');
    assert.equal((await loginFrom(t.url, '203.0.113.99', 'quinn', 'quinn-password-1')).status, 200, 'from another address the user signs in');
  });

  test('99 wrong and 1 right at once: the right one does not reset the count; the right password afterwards answers 429', async () => {
    const attempts = Array.from({ length: 100 }, (_, i) => (i === 50 ? 'rhea-password-1' : 'wrong-password-1'));
    const answers = await Promise.all(attempts.map((password) => loginFrom(t.url, '203.0.113.2', 'rhea', password)));
    const counts = statuses(answers);
    assert.ok((counts[401] ?? 0) + (counts[200] ?? 0) <= 10, `at most 10 passwords checked: ${JSON.stringify(counts)}`);
    assert.ok([200, 429].includes(answers[50]!.status), `the right one: ${answers[50]!.status}`);
    assert.equal((await loginFrom(t.url, '203.0.113.2', 'rhea', 'rhea-password-1')).status, 429);
    assert.equal((await loginFrom(t.url, '203.0.113.2', 'rhea', 'wrong-password-1')).status, 429, 'and no fresh budget for guesses');
  });

  test('30 right passwords at once for one user: those past the budget wait for a place, all sign in, none is locked out after', async () => {
    const answers = await Promise.all(Array.from({ length: 30 }, () => loginFrom(t.url, '203.0.113.5', 'quinn', 'quinn-password-1')));
    assert.deepEqual(statuses(answers), { 200: 30 });
    assert.equal((await loginFrom(t.url, '203.0.113.5', 'quinn', 'quinn-password-1')).status, 200);
  });

  test('usernames in any case: ALICE cannot be added beside alice; ALICE signs in as alice; failures as Alice lock out alice', async () => {
    const duplicate = await api(t.url, 'POST', '/api/v1/admin/users', { sessionId: admin, body: { username: 'ALICE', password: 'alice-password-2' } });
    assert.equal(duplicate.status, 409);
    assert.equal((duplicate.body as { errorCode: string }).errorCode, 'DUPLICATE_USERNAME');
    const signedIn = await loginFrom(t.url, '203.0.113.3', 'ALICE', 'alice-password-1');
    assert.equal(signedIn.status, 200);
    assert.equal((signedIn.body as { username: string }).username, 'alice');
    for (let i = 0; i < 10; i++) assert.equal((await loginFrom(t.url, '203.0.113.3', i % 2 ? 'Alice' : 'aLICE', 'wrong-password-1')).status, 401);
    assert.equal((await loginFrom(t.url, '203.0.113.3', 'alice', 'alice-password-1')).status, 429);
  });

  test('a failed login is audited as login.failed with the address; the name only when it is a user; never the password', async () => {
    assert.equal((await loginFrom(t.url, '203.0.113.4', 'PAT', 'Pat-wrong-Secret-9')).status, 401);
    assert.equal((await loginFrom(t.url, '203.0.113.4', 'Typed-Secret-As-Name-7', 'Other-wrong-Secret-8')).status, 401);
    const audit = await api<{ records: Array<{ event: string; reason: string | null; actor: string | null; userId: string | null }> }>(
      t.url,
      'GET',
      '/api/v1/admin/audit?limit=200',
      { sessionId: admin },
    );
    const failed = audit.body.records.filter((r) => r.event === 'login.failed' && r.actor === '203.0.113.4');
    assert.deepEqual(
      failed.map((r) => [r.reason, r.userId !== null]),
      [
        ['invalid-credentials', false],
        ['invalid-credentials username=PAT', true],
      ],
    );
    const everything = JSON.stringify(audit.body) + t.logText();
    for (const secret of ['Pat-wrong-Secret-9', 'Other-wrong-Secret-8', 'Typed-Secret-As-Name-7']) {
      assert.ok(!everything.includes(secret), `"${secret}" is in the audit trail or the log`);
    }
    // The lockout of the attacks above is audited once, when it started.
    const lockouts = audit.body.records.filter((r) => r.event === 'login.failed' && r.actor === '203.0.113.1' && r.reason?.startsWith('locked-out'));
    assert.equal(lockouts.length, 1);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    assert.match(metrics, /^sessiond_login_failures_total\{api="rest",reason="locked_out"\} \d+$/m);
  });
});

describe('one address spraying one password over many usernames', () => {
  let t: TestServer;

  before(async () => {
    t = await startTestServer({ SESSIOND_TRUST_PROXY: '1', SESSIOND_LOGIN_MAX_FAILURES_PER_ADDRESS: '20' });
    const admin = (await login(t.url, 'admin', ADMIN_PASSWORD)).sessionId;
    await addUser(t.url, admin, 'vera', 'vera-password-1');
  });
  after(() => t.close());

  test('REST: 429 after SESSIOND_LOGIN_MAX_FAILURES_PER_ADDRESS failures, for every username from that address, not from others', async () => {
    const answers = [];
    for (let i = 0; i < 25; i++) answers.push(await loginFrom(t.url, '198.51.100.10', `spray${i}`, 'Summer2024!'));
    assert.deepEqual(
      answers.map((a) => a.status),
      [...Array<number>(20).fill(401), ...Array<number>(5).fill(429)],
    );
    assert.equal((await loginFrom(t.url, '198.51.100.10', 'vera', 'vera-password-1')).status, 429, 'the address waits, whoever it names');
    assert.equal((await loginFrom(t.url, '198.51.100.20', 'vera', 'vera-password-1')).status, 200);
  });

  test('many users behind one address signing in at once, twice the address budget: all sign in', async () => {
    const names = ['vera', 'wade', 'xena', 'yuri', 'zoe'];
    const admin = (await login(t.url, 'admin', ADMIN_PASSWORD)).sessionId;
    for (const name of names.slice(1)) await addUser(t.url, admin, name, `${name}-password-1`);
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => loginFrom(t.url, '198.51.100.30', names[i % 5]!, `${names[i % 5]!}-password-1`)));
    assert.deepEqual(statuses(answers), { 200: 40 });
  });

  test('SOAP: the same limit, as LOGIN_RATE_EXCEEDED faults', async () => {
    const codes = [];
    for (let i = 0; i < 22; i++) codes.push((await soapLoginFrom(t.url, '198.51.100.11', `soapspray${i}`, 'Summer2024!')).exceptionCode);
    assert.deepEqual(codes, [...Array<string>(20).fill('INVALID_LOGIN'), 'LOGIN_RATE_EXCEEDED', 'LOGIN_RATE_EXCEEDED']);
  });

  test('web tier: the same limit, as the sign-in page with 429', async () => {
    const statusesSeen = [];
    for (let i = 0; i < 22; i++) {
      statusesSeen.push((await new WebClient(t.url, { 'x-forwarded-for': '198.51.100.12' }).login(`webspray${i}`, 'Summer2024!')).status);
    }
    assert.deepEqual(statusesSeen, [...Array<number>(20).fill(401), 429, 429]);
  });
});

describe('login limits across a restart', () => {
  test('ten failures, a restart on the same SQLite file, and the right password still answers 429', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sessiond-restart-limits-'));
    const env = { SESSIOND_STORE: `sqlite:${join(dir, 'sessiond.db')}` };
    try {
      const first = await startTestServer(env);
      try {
        const admin = (await login(first.url, 'admin', ADMIN_PASSWORD)).sessionId;
        await addUser(first.url, admin, 'sol', 'sol-password-1');
        for (let i = 0; i < 10; i++) assert.equal((await api(first.url, 'POST', '/api/v1/login', { body: { username: 'sol', password: 'wrong-1' } })).status, 401);
      } finally {
        await first.close();
      }
      const second = await startTestServer(env);
      try {
        const res = await api(second.url, 'POST', '/api/v1/login', { body: { username: 'sol', password: 'sol-password-1' } });
        assert.equal(res.status, 429);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
