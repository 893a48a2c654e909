import { after, before, describe } from 'node:test';
import { openPostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { createThrowawayDatabase, sql, TEST_POSTGRES_OPTIONS, type ThrowawayDatabase } from '../helpers/postgres-db.ts';
import { skipUnlessService } from '../helpers/services.ts';
import { runStoreConformance } from './conformance.ts';

const skip = await skipUnlessService('postgres');

/** PostgreSQL runs the shared suite on a throwaway database; each test starts from empty tables. */
describe('postgres store', { skip }, () => {
  let db: ThrowawayDatabase;
  before(async () => {
    db = await createThrowawayDatabase();
  });
  after(async () => {
    await db?.drop();
  });

  // Emptied as each test opens the store (a trigger a failed test left armed included), in one
  // statement on one connection: the next test's open does what a cleanup of its own would.
  runStoreConformance('postgres', async () => {
    const store = await openPostgresStore(db.url, TEST_POSTGRES_OPTIONS);
    await sql(
      db.url,
      'DROP TRIGGER IF EXISTS conformance_fail ON sessions; TRUNCATE users, sessions, audit, web_sessions, login_limits, session_events, webhooks; ALTER SEQUENCE session_event_seq RESTART',
    );
    return {
      store,
      cleanup: () => store.close(),
      reopen: () => openPostgresStore(db.url, TEST_POSTGRES_OPTIONS),
      // Every row of every table, as text: what a copy of the database would hold.
      async rawDump() {
        const tables = await sql(db.url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
        const parts: string[] = [];
        for (const { table_name } of tables.rows as Array<{ table_name: string }>) {
          const rows = await sql(db.url, `SELECT row_to_json(t)::text AS j FROM "${table_name}" t`);
          parts.push(...(rows.rows as Array<{ j: string }>).map((r) => r.j));
        }
        return parts.join('\n');
      },
      async failWhenEnding(handle) {
        await sql(
          db.url,
          `CREATE OR REPLACE FUNCTION conformance_fail() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN RAISE EXCEPTION 'conformance: armed failure'; END $$`,
        );
        await sql(
          db.url,
          `CREATE TRIGGER conformance_fail BEFORE DELETE ON sessions FOR EACH ROW
           WHEN (OLD.handle = '${handle.replace(/'/g, "''")}') EXECUTE FUNCTION conformance_fail()`,
        );
        return async () => {
          await sql(db.url, 'DROP TRIGGER IF EXISTS conformance_fail ON sessions');
        };
      },
    };
  });
});
