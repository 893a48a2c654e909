import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { api, login, startTestServer, type TestServer } from '../helpers/server.ts';
import { runCli } from './child-process.ts';

/** The `sessiond` command run as a child process against a throwaway SQLite store. */

describe('sessiond command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sessiond-cli-'));
  const env = { SESSIOND_STORE: `sqlite:${join(dir, 'sessiond.db')}` };
  let server: TestServer | undefined;

  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('users add reads the password from stdin; --admin makes an admin; users list shows both', async () => {
    const alice = await runCli(['users', 'add', 'alice'], env, 'alice-password-1\n');
    assert.equal(alice.code, 0, alice.stderr);
    assert.match(alice.stdout, /^added alice \(005[A-Za-z0-9]{15}\)\n$/);
    const root = await runCli(['users', 'add', 'root', '--admin'], env, 'root-password-1\n');
    assert.equal(root.code, 0, root.stderr);
    assert.match(root.stdout, /^added root \(005[A-Za-z0-9]{15}\) as an admin\n$/);

    const list = await runCli(['users', 'list'], env);
    assert.equal(list.code, 0, list.stderr);
    const rows = list.stdout.trim().split('\n').map((line) => line.split('\t'));
    assert.deepEqual(rows.map((r) => [r[0], r[2], r[3]]), [
      ['alice', 'user', 'active'],
      ['root', 'admin', 'active'],
    ]);
    assert.ok(!list.stdout.includes('scrypt'), 'no hash is shown');
  });

  test('users add refuses duplicates, weak passwords and bad names with a clear message and exit code 1', async () => {
    const dup = await runCli(['users', 'add', 'alice'], env, 'another-password-2\n');
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /^sessiond: A user with that username already exists\.\n$/);
    const weak = await runCli(['users', 'add', 'bob'], env, 'short\n');
    assert.equal(weak.code, 1);
    assert.match(weak.stderr, /password must be at least 8 characters/);
    const badName = await runCli(['users', 'add', 'bad name'], env, 'bob-password-1\n');
    assert.equal(badName.code, 1);
    assert.match(badName.stderr, /username must be/);
    const list = await runCli(['users', 'list'], env);
    assert.ok(!/^bob|^bad/m.test(list.stdout), 'nothing was added');
  });

  test('users made by the command log in to the server on the same store', async () => {
    server = await startTestServer(env);
    const s = await login(server.url, 'alice', 'alice-password-1');
    assert.match(s.sessionId, /^sd1_/);
    const root = await login(server.url, 'root', 'root-password-1');
    assert.equal((await api(server.url, 'GET', '/api/v1/admin/users', { sessionId: root.sessionId })).status, 200);
  });

  test('sessions list shows live sessions by handle, filtered by --user, never an ID', async () => {
    assert.ok(server);
    const a = [await login(server.url, 'alice', 'alice-password-1'), await login(server.url, 'alice', 'alice-password-1', 'crm')];
    const r = await login(server.url, 'root', 'root-password-1');
    const all = await runCli(['sessions', 'list'], env);
    assert.equal(all.code, 0, all.stderr);
    for (const s of [...a, r]) assert.match(all.stdout, new RegExp(`^${s.handle}\\t`, 'm'));
    assert.ok(!all.stdout.includes('sd1_'), 'no session ID is listed');

    const mine = await runCli(['sessions', 'list', '--user', 'alice'], env);
    const rows = mine.stdout.trim().split('\n').map((line) => line.split('\t'));
    assert.ok(rows.length >= 2);
    assert.ok(rows.every((row) => row[1] === 'alice'));
    for (const s of a) assert.ok(rows.some((row) => row[0] === s.handle));
    assert.ok(!rows.some((row) => row[0] === r.handle));
    const crm = rows.find((row) => row[0] === a[1]!.handle);
    assert.equal(crm?.[2], 'crm');
  });

  test('sessions invalidate --handles-file ends any number of handles in batches of 200 and sums up', async () => {
    assert.ok(server);
    const real = [];
    for (let i = 0; i < 5; i++) real.push(await login(server.url, 'alice', 'alice-password-1'));
    const keep = await login(server.url, 'alice', 'alice-password-1');
    // 450 handles; the real ones sit in the first, second and third batch of 200.
    const handles = Array.from({ length: 450 }, (_, i) => `h_${String(i).padStart(22, 'x')}`);
    for (const [i, position] of [0, 199, 200, 399, 449].entries()) handles[position] = real[i]!.handle;
    handles[300] = real[0]!.handle; // a duplicate: already ended by then, so not found
    const file = join(dir, 'handles.txt');
    writeFileSync(file, `# handles to end\n${handles.join('\n')}\n\n  \n`);

    // The running server has validated (and, on SQLite, cached) them: the command runs in another
    // process, and the server must still refuse them the moment it has answered.
    for (const s of real) assert.equal((await api(server.url, 'GET', '/api/v1/session', { sessionId: s.sessionId })).status, 200);

    const res = await runCli(['sessions', 'invalidate', '--handles-file', file], env);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, 'ended 5, not found 445 (of 450 handles)\n');
    for (const s of real) assert.equal((await api(server.url, 'GET', '/api/v1/session', { sessionId: s.sessionId })).status, 401);
    assert.equal((await api(server.url, 'GET', '/api/v1/session', { sessionId: keep.sessionId })).status, 200);

    const audit = await api(server.url, 'GET', `/api/v1/admin/audit?handle=${real[2]!.handle}`, {
      sessionId: (await login(server.url, 'root', 'root-password-1')).sessionId,
    });
    assert.deepEqual([audit.body.records[0].reason, audit.body.records[0].actor], ['admin', 'cli']);

    const missing = await runCli(['sessions', 'invalidate', '--handles-file', join(dir, 'no-such-file')], env);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no-such-file/);
  });

  test('users deactivate ends the user’s sessions and stops logins; activate lets them back in', async () => {
    assert.ok(server);
    const s = await login(server.url, 'alice', 'alice-password-1');
    const off = await runCli(['users', 'deactivate', 'alice'], env);
    assert.equal(off.code, 0, off.stderr);
    assert.match(off.stdout, /^deactivated alice; ended [1-9]\d* sessions?\n$/);
    assert.equal((await api(server.url, 'GET', '/api/v1/session', { sessionId: s.sessionId })).status, 401);
    const refused = await api(server.url, 'POST', '/api/v1/login', { body: { username: 'alice', password: 'alice-password-1' } });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.errorCode, 'INVALID_LOGIN');
    const on = await runCli(['users', 'activate', 'alice'], env);
    assert.equal(on.code, 0, on.stderr);
    assert.equal(on.stdout, 'activated alice\n');
    await login(server.url, 'alice', 'alice-password-1');
  });

  test('sessions list shows where each session came from: address and user agent, tabs made spaces', async () => {
    assert.ok(server);
    const res = await fetch(`${server.url}/api/v1/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Probe/1.0\t(cli test)' },
      body: JSON.stringify({ username: 'alice', password: 'alice-password-1' }),
    });
    const { handle } = (await res.json()) as { handle: string };
    const list = await runCli(['sessions', 'list', '--user', 'alice'], env);
    const row = list.stdout.trim().split('\n').map((line) => line.split('\t')).find((r) => r[0] === handle);
    assert.deepEqual(row?.slice(5), ['127.0.0.1', 'Probe/1.0 (cli test)']);
  });

  test('users password, set and delete: sessions end, roles change, and the last active admin is kept', async () => {
    assert.ok(server);
    const s = await login(server.url, 'alice', 'alice-password-1');
    const reset = await runCli(['users', 'password', 'alice'], env, 'alice-password-2\n');
    assert.equal(reset.code, 0, reset.stderr);
    assert.match(reset.stdout, /^set the password of alice; ended [1-9]\d* sessions?\n$/);
    assert.equal((await api(server.url, 'GET', '/api/v1/session', { sessionId: s.sessionId })).status, 401);
    await login(server.url, 'alice', 'alice-password-2');

    const set = await runCli(['users', 'set', 'alice', '--permissions', 'events,audit'], env);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(set.stdout, 'alice: user; permissions: audit,events\n');
    const nothing = await runCli(['users', 'set', 'alice'], env);
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /say what to change/);

    // Two admins (root, and admin from SESSIOND_ADMIN_PASSWORD): demote one, then the other is the last.
    assert.equal((await runCli(['users', 'set', 'root', '--no-admin'], env)).stdout, 'root: user; permissions: none\n');
    for (const args of [['users', 'deactivate', 'admin'], ['users', 'delete', 'admin'], ['users', 'set', 'admin', '--no-admin']]) {
      const refused = await runCli(args, env);
      assert.equal(refused.code, 1, args.join(' '));
      assert.match(refused.stderr, /^sessiond: The last active administrator cannot be deactivated, deleted or demoted/);
    }
    assert.equal((await runCli(['users', 'set', 'root', '--admin'], env)).code, 0);

    const gone = await runCli(['users', 'delete', 'alice'], env);
    assert.equal(gone.code, 0, gone.stderr);
    assert.match(gone.stdout, /^deleted alice; ended \d+ sessions?\n$/);
    const refused = await api(server.url, 'POST', '/api/v1/login', { body: { username: 'alice', password: 'alice-password-2' } });
    assert.equal(refused.status, 401);
    const list = await runCli(['users', 'list'], env);
    assert.ok(!/^alice\t/m.test(list.stdout));
  });

  test('bench runs the benchmark harness and passes its options on (a wrong one gets its usage)', async () => {
    const res = await runCli(['bench', '--no-such-option'], env);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /usage: npm run bench .*unknown: --no-such-option/);
  });

  test('an unknown store scheme is refused with a clear message', async () => {
    const res = await runCli(['users', 'list'], { SESSIOND_STORE: 'mysql://db.example/sessions' });
    assert.equal(res.code, 78);
    assert.match(res.stderr, /SESSIOND_STORE: unknown store "mysql"; use sqlite:<path>/);
  });
});
