import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { startChildServer, type ChildServer } from '../cli/child-process.ts';
import { MixedLoad } from '../helpers/mixed-load.ts';
import { createThrowawayDatabase } from '../helpers/postgres-db.ts';
import { deleteKeys, testPrefix } from '../helpers/redis-cluster.ts';
import { addUser, api, login } from '../helpers/server.ts';
import { REDIS_URL, skipUnlessService } from '../helpers/services.ts';

/**
 * `kill -9` of a real `sessiond serve` in the middle of a mixed load (logins, session checks,
 * invalidateSessions, logouts from twelve clients at once), then a restart on the same store:
 * every end the server answered stays ended, and every login it answered is still valid. What
 * the crash cut off before an answer may have gone either way and is not judged.
 */

const ADMIN_PASSWORD = 'crash-admin-password-1';
const PASSWORD = 'crash-user-password-1';
const USERS = ['ada', 'bob', 'cyd', 'dee', 'eve', 'fay'];

interface StoreUnderTest {
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

const stores: Array<{ name: string; skip: () => Promise<false | string>; open: () => Promise<StoreUnderTest> }> = [
  {
    name: 'sqlite',
    skip: async () => false,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'sessiond-crash-'));
      return { env: { SESSIOND_STORE: `sqlite:${join(dir, 'sessiond.db')}` }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    skip: () => skipUnlessService('postgres'),
    async open() {
      const db = await createThrowawayDatabase();
      return { env: { SESSIOND_STORE: db.url }, cleanup: () => db.drop() };
    },
  },
  {
    name: 'redis',
    skip: () => skipUnlessService('redis'),
    async open() {
      const prefix = testPrefix('crash');
      return {
        env: { SESSIOND_STORE: REDIS_URL, SESSIOND_REDIS_PREFIX: prefix },
        async cleanup() {
          const raw = new Redis(REDIS_URL);
          try {
            await deleteKeys(raw, prefix);
          } finally {
            raw.disconnect();
          }
        },
      };
    },
  },
];

/** The status of a session check for each ID, a few at a time. */
async function statuses(url: string, ids: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < ids.length; i += 20) {
    const batch = ids.slice(i, i + 20);
    const answers = await Promise.all(batch.map((id) => api(url, 'GET', '/api/v1/session', { sessionId: id })));
    batch.forEach((id, j) => out.set(id, answers[j]!.status));
  }
  return out;
}

for (const store of stores) {
  const skip = await store.skip();
  describe(`${store.name}: kill -9 under mixed load`, { skip }, () => {
    test('after a restart on the same store, every answered end stays ended and every answered login is valid', async () => {
      const target = await store.open();
      // Cheap password hashes: the logins are there to write sessions, not to hash.
      const env = { ...target.env, SESSIOND_ADMIN_PASSWORD: ADMIN_PASSWORD, SESSIOND_ARGON2_MEMORY_KIB: '1024', SESSIOND_ARGON2_TIME_COST: '1' };
      const running: ChildServer[] = [];
      try {
        const first = await startChildServer(env);
        running.push(first);
        const admin = await login(first.url, 'admin', ADMIN_PASSWORD);
        for (const name of USERS) await addUser(first.url, admin.sessionId, name, PASSWORD);

        const load = new MixedLoad({
          url: first.url,
          usernames: USERS,
          password: PASSWORD,
          workers: 12,
          // More logins than ends, so the pool of live sessions grows while ends go on.
          mix: { check: 45, login: 35, invalidate: 10, logout: 10 },
        });
        await load.start(8);
        // Enough answered of each kind that a lost write would show, then the crash, mid-request.
        await load.until((l) => l.ended.size >= 150 && l.live.size >= 60 && l.counts.check >= 250);
        const inFlightAtKill = load.inFlight;
        load.halt();
        await first.stop('SIGKILL');
        await load.finished();

        const { ledger } = load;
        assert.equal(first.child.signalCode, 'SIGKILL');
        assert.ok(inFlightAtKill > 0, 'requests were in flight when the process was killed');
        assert.deepEqual(ledger.anomalies, [], 'every answer before the crash was right');

        const second = await startChildServer(env);
        running.push(second);
        const ended = [...ledger.ended];
        const valid = [...ledger.stable, ...ledger.live];
        const after = await statuses(second.url, [...ended, ...valid]);
        const resurrected = ended.filter((id) => after.get(id) !== 401);
        const lost = valid.filter((id) => after.get(id) !== 200);
        process.stdout.write(
          `# ${store.name}: ${ended.length} answered ends, ${valid.length} answered logins still unended, ` +
            `${ledger.unknown.size} ends cut off by the crash (${inFlightAtKill} requests in flight); ` +
            `${resurrected.length} resurrected, ${lost.length} lost\n`,
        );
        assert.equal(resurrected.length, 0, `${resurrected.length} of ${ended.length} answered ends were valid again after the restart`);
        assert.equal(lost.length, 0, `${lost.length} of ${valid.length} answered logins were gone after the restart`);

        // The restarted server goes on as usual: a new login, and an end that sticks.
        const fresh = await login(second.url, 'ada', PASSWORD);
        assert.equal((await api(second.url, 'POST', '/api/v1/logout', { sessionId: fresh.sessionId })).status, 200);
        assert.equal((await api(second.url, 'GET', '/api/v1/session', { sessionId: fresh.sessionId })).status, 401);
      } finally {
        for (const server of running) await server.stop('SIGKILL');
        await target.cleanup();
      }
    });
  });
}
