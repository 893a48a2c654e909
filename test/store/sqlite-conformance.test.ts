import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.ts';
import { runStoreConformance } from './conformance.ts';

/** SQLite runs the shared suite on a throwaway file per test. */
runStoreConformance('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sessiond-conformance-'));
  const path = join(dir, 'sessiond.db');
  const store = openSqliteStore(path);
  return {
    store,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
    reopen: async () => openSqliteStore(path),
    // The bytes on disk, WAL included: what someone who copies the files would hold.
    async rawDump() {
      return [path, `${path}-wal`]
        .filter((p) => existsSync(p))
        .map((p) => readFileSync(p).toString('latin1'))
        .join('\n');
    },
    async failWhenEnding(handle) {
      // A second connection arms a trigger that aborts the end of this one session (an end
      // writes its audit record and its session.ended event, the end log; the row stays).
      const db = new Database(path);
      db.prepare(
        `CREATE TRIGGER conformance_fail BEFORE INSERT ON session_events
         WHEN NEW.type = 'session.ended' AND NEW.handle = '${handle.replace(/'/g, "''")}'
         BEGIN SELECT RAISE(ABORT, 'conformance: armed failure'); END`,
      ).run();
      return async () => {
        db.prepare('DROP TRIGGER conformance_fail').run();
        db.close();
      };
    },
  };
});
