import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, addUser, login } from '../helpers/server.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { startUpstreamProcess, type UpstreamProcess } from '../web/upstream-process.ts';
import { WebClient } from '../web/web-client.ts';
import { PASSWORD } from '../web/web-setup.ts';
import { startChildServer } from './child-process.ts';

/**
 * `sessiond serve` stopped by SIGTERM, as a process manager stops it: a clean stop exits 0; a
 * stop that cannot finish (pooled sessions to close at an upstream that never answers) exits
 * non-zero at SESSIOND_SHUTDOWN_TIMEOUT_SECONDS and logs what was left undone.
 */
const exitOf = (child: import('node:child_process').ChildProcess) =>
  new Promise<{ code: number | null; at: number }>((resolve) => {
    if (child.exitCode !== null) return resolve({ code: child.exitCode, at: Date.now() });
    child.once('exit', (code) => resolve({ code, at: Date.now() }));
  });

describe('shutdown', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sessiond-shutdown-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('SIGTERM with nothing pending: exits 0 and says it shut down', async () => {
    const server = await startChildServer({ SESSIOND_STORE: `sqlite:${join(dir, 'clean.db')}`, SESSIOND_ADMIN_PASSWORD: ADMIN_PASSWORD });
    await login(server.url, 'admin', ADMIN_PASSWORD);
    const exited = exitOf(server.child);
    server.child.kill('SIGTERM');
    const { code } = await exited;
    assert.equal(code, 0, server.output());
    assert.match(server.output(), /"msg":"shut down"/);
    assert.doesNotMatch(server.output(), /left undone/);
  });

  describe('with pooled sessions at an upstream that stops answering', () => {
    let upstream: UpstreamProcess;
    let proxy: TcpProxy;
    before(async () => {
      upstream = await startUpstreamProcess();
      const admin = (await login(upstream.url, 'admin', ADMIN_PASSWORD)).sessionId;
      await addUser(upstream.url, admin, 'alice', PASSWORD);
      const port = Number(new URL(upstream.url).port);
      proxy = await startTcpProxy('127.0.0.1', port);
    });
    after(async () => {
      await proxy?.close();
      await upstream?.close();
    });

    test('SIGTERM: exits non-zero at the deadline, well before the closes could time out, logging the sessions not closed', async () => {
      const esm = join(dir, 'release-all.mjs');
      writeFileSync(esm, 'export default { closeSessionOnLogout() { return false; } };\n');
      const deadlineSeconds = 1;
      const web = await startChildServer({
        SESSIOND_STORE: `sqlite:${join(dir, 'web.db')}`,
        SESSIOND_UPSTREAM: `http://127.0.0.1:${proxy.port}`,
        SESSIOND_ESM: esm,
        SESSIOND_SHUTDOWN_TIMEOUT_SECONDS: String(deadlineSeconds),
      });
      try {
        // Three web sessions at once, each with its own server session; all three go to the pool.
        const browsers = [new WebClient(web.url), new WebClient(web.url), new WebClient(web.url)];
        for (const b of browsers) assert.equal((await b.login('alice', PASSWORD)).status, 303);
        for (const b of browsers) assert.equal((await b.logout()).status, 303);

        proxy.hold();
        const exited = exitOf(web.child);
        const sentAt = Date.now();
        web.child.kill('SIGTERM');
        const { code, at } = await exited;

        assert.equal(code, 1, web.output());
        const line = web
          .output()
          .split('\n')
          .find((l) => l.includes('left undone'));
        assert.ok(line, web.output());
        const logged = JSON.parse(line) as { level: number; timeoutSeconds: number; leftUndone: string[] };
        assert.equal(logged.level, 50);
        assert.equal(logged.timeoutSeconds, deadlineSeconds);
        assert.deepEqual(logged.leftUndone, [
          '3 pooled server session(s) not closed at the upstream',
          'the HTTP server was not closed',
          'the invalidation bus was not closed',
          'the store was not closed',
        ]);
        // Each close waits up to the client's 5 s timeout; the deadline ends the process first.
        assert.ok(at - sentAt < (deadlineSeconds + 3) * 1000, `exited ${at - sentAt} ms after SIGTERM`);
      } finally {
        await web.stop('SIGKILL');
      }
    });
  });
});
