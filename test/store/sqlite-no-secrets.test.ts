import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ADMIN_PASSWORD, addUser, api, login, startTestServer } from '../helpers/server.ts';

/**
 * No session ID (nor a password) reaches the SQLite files or the log: not as text, not as its
 * base64url body, not as its raw 32 bytes or their hex.
 */

function forms(sessionId: string): Array<[string, Buffer]> {
  const body = sessionId.slice('sd1_'.length);
  const raw = Buffer.from(body, 'base64url');
  assert.equal(raw.length, 32);
  return [
    ['session ID', Buffer.from(sessionId)],
    ['base64url body', Buffer.from(body)],
    ['standard base64 body', Buffer.from(raw.toString('base64').replace(/=+$/, ''))],
    ['raw bytes', raw],
    ['hex', Buffer.from(raw.toString('hex'))],
  ];
}

function dbFiles(dir: string): Array<[string, Buffer]> {
  return ['sessiond.db', 'sessiond.db-wal', 'sessiond.db-shm']
    .map((name) => join(dir, name))
    .filter((path) => existsSync(path))
    .map((path) => [path, readFileSync(path)]);
}

describe('sqlite: no secrets at rest or in the log', () => {
  test('session IDs and passwords appear in no database file and no log line', async () => {
    const t = await startTestServer();
    const ids: string[] = [];
    const password = 'uma-secret-password-1';
    try {
      const admin = await login(t.url, 'admin', ADMIN_PASSWORD);
      ids.push(admin.sessionId);
      await addUser(t.url, admin.sessionId, 'uma', password);
      const sessions = [];
      for (let i = 0; i < 4; i++) sessions.push(await login(t.url, 'uma', password));
      ids.push(...sessions.map((s) => s.sessionId));
      // Exercise every path that writes: validation (touch), invalidate, logout, admin ends, failed logins.
      await api(t.url, 'GET', '/api/v1/session', { sessionId: sessions[0]!.sessionId });
      await api(t.url, 'POST', '/api/v1/sessions/invalidate', {
        sessionId: sessions[0]!.sessionId,
        body: { sessionIds: [sessions[1]!.sessionId, 'sd1_' + 'Z'.repeat(43)] },
      });
      await api(t.url, 'POST', '/api/v1/logout', { sessionId: sessions[2]!.sessionId });
      await api(t.url, 'POST', '/api/v1/admin/sessions/invalidate', { sessionId: admin.sessionId, body: { handles: [sessions[3]!.handle] } });
      await api(t.url, 'POST', '/api/v1/login', { body: { username: 'uma', password: `${password}-wrong` } });
      await api(t.url, 'GET', '/api/v1/session', { sessionId: sessions[1]!.sessionId }); // an ended one: refused

      const whileOpen = dbFiles(t.dir);
      assert.ok(whileOpen.length >= 2, 'the database and its WAL exist');
      const log = Buffer.from(t.logText());
      assert.ok(log.length > 0 && t.logText().includes(sessions[0]!.handle), 'the log names sessions by handle');

      for (const id of ids) {
        for (const [what, needle] of forms(id)) {
          for (const [path, bytes] of whileOpen) assert.equal(bytes.indexOf(needle), -1, `${what} found in ${path}`);
          assert.equal(log.indexOf(needle), -1, `${what} found in the log`);
        }
      }
      for (const secret of [password, ADMIN_PASSWORD]) {
        for (const [path, bytes] of whileOpen) assert.equal(bytes.indexOf(Buffer.from(secret)), -1, `a password found in ${path}`);
        assert.equal(log.indexOf(Buffer.from(secret)), -1, 'a password found in the log');
      }
    } finally {
      await t.server.close();
    }
    // After a clean close the WAL is checkpointed into the main file: look again.
    try {
      for (const id of ids) {
        for (const [what, needle] of forms(id)) {
          for (const [path, bytes] of dbFiles(t.dir)) assert.equal(bytes.indexOf(needle), -1, `${what} found in ${path} after close`);
        }
      }
    } finally {
      await t.close();
    }
  });
});
