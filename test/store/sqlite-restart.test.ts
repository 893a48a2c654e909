import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { api, login } from '../helpers/server.ts';
import { startChildServer, type ChildServer } from '../cli/child-process.ts';

/**
 * Crash safety of the SQLite store with the real server process: a session ended and
 * acknowledged (200) is never valid again, even after `kill -9` right after the answer and a
 * restart on the same file; live sessions survive the crash too.
 */

const ADMIN_PASSWORD = 'restart-admin-password-1';

describe('sqlite: restart after kill -9', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sessiond-restart-'));
  const env = { SESSIOND_STORE: `sqlite:${join(dir, 'sessiond.db')}`, SESSIOND_ADMIN_PASSWORD: ADMIN_PASSWORD };
  const running: ChildServer[] = [];
  after(async () => {
    for (const server of running) await server.stop('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => {
    const server = await startChildServer(env);
    running.push(server);
    return server;
  };
  const status = async (url: string, sessionId: string) => (await api(url, 'GET', '/api/v1/session', { sessionId })).status;

  test('ended sessions stay ended and live ones stay live across kill -9 and restart', async () => {
    const first = await start();
    const live = await login(first.url, 'admin', ADMIN_PASSWORD);
    const caller = await login(first.url, 'admin', ADMIN_PASSWORD);
    const victims = [await login(first.url, 'admin', ADMIN_PASSWORD), await login(first.url, 'admin', ADMIN_PASSWORD)];
    const loggedOut = await login(first.url, 'admin', ADMIN_PASSWORD);

    assert.equal((await api(first.url, 'POST', '/api/v1/logout', { sessionId: loggedOut.sessionId })).status, 200);
    const res = await api(first.url, 'POST', '/api/v1/sessions/invalidate', {
      sessionId: caller.sessionId,
      body: { sessionIds: victims.map((v) => v.sessionId) },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.results.map((r: { success: boolean }) => r.success), [true, true]);
    await first.stop('SIGKILL'); // right after the 200: no graceful shutdown, no checkpoint
    assert.equal(first.child.signalCode, 'SIGKILL');

    const second = await start();
    for (const v of [...victims, loggedOut]) assert.equal(await status(second.url, v.sessionId), 401);
    assert.equal(await status(second.url, live.sessionId), 200);
    assert.equal(await status(second.url, caller.sessionId), 200);

    // And once more, ending the last live ones right before another crash.
    const again = await api(second.url, 'POST', '/api/v1/sessions/invalidate', {
      sessionId: caller.sessionId,
      body: { sessionIds: [live.sessionId, caller.sessionId] },
    });
    assert.deepEqual(again.body.results.map((r: { success: boolean }) => r.success), [true, true]);
    await second.stop('SIGKILL');

    const third = await start();
    assert.equal(await status(third.url, live.sessionId), 401);
    assert.equal(await status(third.url, caller.sessionId), 401);
    // The admin created on the first start was kept, and not created twice.
    const fresh = await login(third.url, 'admin', ADMIN_PASSWORD);
    const users = await api(third.url, 'GET', '/api/v1/admin/users', { sessionId: fresh.sessionId });
    assert.deepEqual(users.body.users.map((u: { username: string }) => u.username), ['admin']);
    await third.stop('SIGTERM');
    assert.equal(third.child.exitCode, 0, 'SIGTERM shuts down cleanly');
  });
});
