import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { ADMIN_PASSWORD, api, login, startTestServer } from '../helpers/server.ts';

/** The running server refuses expired sessions at once and its sweeper removes them, audited as expired. */

describe('expiry in the running server', () => {
  test('an idle-expired session is refused at once, then swept from the store and audited as expired', async () => {
    const clock = new ManualClock(Date.now());
    const t = await startTestServer(
      { SESSIOND_IDLE_TIMEOUT_SECONDS: '300', SESSIOND_TOUCH_INTERVAL_SECONDS: '10', SESSIOND_SWEEP_INTERVAL_SECONDS: '1' },
      { clock },
    );
    try {
      const old = await login(t.url, 'admin', ADMIN_PASSWORD);
      clock.advance(300_000);
      assert.equal((await api(t.url, 'GET', '/api/v1/session', { sessionId: old.sessionId })).status, 401, 'refused before any sweep');

      const admin = await login(t.url, 'admin', ADMIN_PASSWORD);
      const deadline = Date.now() + 10_000;
      let records: Array<{ event: string; reason: string | null; actor: string | null }> = [];
      while (Date.now() < deadline) {
        const res = await api(t.url, 'GET', `/api/v1/admin/audit?handle=${old.handle}`, { sessionId: admin.sessionId });
        records = res.body.records;
        if (records.length > 1) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.deepEqual(records.map((r) => [r.event, r.reason, r.actor]), [
        ['session.ended', 'expired', 'sweeper'],
        ['session.created', null, null],
      ]);
      assert.match(t.logText(), new RegExp(`"event":"session.ended","handle":"${old.handle}".*"reason":"expired"`));
      const listed = await api(t.url, 'GET', '/api/v1/admin/sessions', { sessionId: admin.sessionId });
      assert.deepEqual(listed.body.sessions.map((s: { handle: string }) => s.handle), [admin.handle]);
    } finally {
      await t.close();
    }
  });

  test('audit records older than SESSIOND_AUDIT_RETENTION_SECONDS are deleted by the sweeper; newer ones stay', async () => {
    const clock = new ManualClock(Date.now());
    const t = await startTestServer({ SESSIOND_AUDIT_RETENTION_SECONDS: '3600', SESSIOND_SWEEP_INTERVAL_SECONDS: '1' }, { clock });
    try {
      const old = await login(t.url, 'admin', ADMIN_PASSWORD);
      clock.advance(3_600_001);
      const admin = await login(t.url, 'admin', ADMIN_PASSWORD);
      const auditOf = async (handle: string) =>
        (await api(t.url, 'GET', `/api/v1/admin/audit?handle=${handle}`, { sessionId: admin.sessionId })).body.records as unknown[];
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && (await auditOf(old.handle)).length > 0) await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual(await auditOf(old.handle), [], 'the hour-old login record is gone');
      assert.equal((await auditOf(admin.handle)).length, 1, 'the fresh one stays');
      assert.match(t.logText(), /"pruned":\d+.*audit records past their retention deleted/);
    } finally {
      await t.close();
    }
  });
});
