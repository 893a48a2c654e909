import { closeSync, fsyncSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { hashPassword, type ScryptParams } from '../src/core/password.ts';
import { newRecordId } from '../src/core/secret-id.ts';
import { makeSessionIds } from './session-ids.ts';
import { seededSessionTimes } from './session-times.ts';
import { openSqliteStore } from '../src/store/sqlite/sqlite-store.ts';

/**
 * Fills a fresh sessiond SQLite file before its server starts: the schema comes from
 * openSqliteStore itself (its migrations), one real user is created through the store, and the
 * sessions are bulk-inserted in ONE transaction with real IDs and their real SHA-256 hashes,
 * exactly the rows a login writes (without the per-login audit row and fsync, which would
 * make 1 M sessions take an hour; the whole file is flushed once at the end). The IDs the bench
 * needs are handed back.
 */
export const BENCH_PASSWORD = 'bench-password-1';

/** Rows made and inserted at a time while seeding. */
const SEED_CHUNK = 1_000_000;

export interface SeedOptions {
  path: string;
  sessions: number;
  /** How many of the session IDs to hand back (the first ones); the rest are only stored. */
  keepIds: number;
  scrypt: ScryptParams;
  /** Sessions are spread over this many (fictional) owners, as real stores are. */
  owners?: number;
}

export interface Seeded {
  username: string;
  ids: string[];
  seedMs: number;
}

export async function seedSqlite(options: SeedOptions): Promise<Seeded> {
  const started = Date.now();
  const username = 'bench-user';
  const store = openSqliteStore(options.path);
  try {
    await store.users.create({
      userId: newRecordId('005'),
      username,
      passwordHash: await hashPassword(BENCH_PASSWORD, options.scrypt),
      admin: false,
      active: true,
      createdAt: Date.now(),
      permissions: [],
    });
  } finally {
    await store.close();
  }

  const db = new Database(options.path);
  const ids: string[] = [];
  try {
    // Only while seeding: a journal in memory (better-sqlite3's defensive mode refuses OFF, and in
    // WAL mode one transaction of 10 M rows would write them all to the WAL first), no fsync per
    // page, a large page cache. The file is put back in WAL mode after, and the server reopens it
    // with its own settings (synchronous=FULL).
    db.pragma('journal_mode = MEMORY');
    db.pragma('cache_size = -1048576');
    db.pragma('synchronous = OFF');
    const insert = db.prepare(
      'INSERT INTO sessions (id_hash, handle, user_id, username, project, created_at, last_seen_at, idle_expires_at, absolute_expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const owners = Array.from({ length: options.owners ?? 1000 }, (_, i) => ({
      userId: newRecordId('005'),
      username: i === 0 ? username : `owner-${i}`,
    }));
    const now = Date.now();
    // Secondary indexes are dropped and rebuilt from their own stored definitions: building an
    // index once from sorted data is far cheaper than a million random insertions into it.
    const indexes = db
      .prepare<[], { name: string; sql: string }>(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'sessions' AND sql IS NOT NULL",
      )
      .all();
    db.transaction(() => {
      for (const index of indexes) db.exec(`DROP INDEX "${index.name}"`);
      // Made and inserted a million at a time (10 M rows at once would not fit in the heap); within
      // a chunk, rows go in ordered by primary key, so the B-tree fills page by page.
      for (let done = 0; done < options.sessions; done += SEED_CHUNK) {
        const rows = makeSessionIds(Math.min(SEED_CHUNK, options.sessions - done)).map((row, i) => ({
          ...row,
          owner: owners[(done + i) % owners.length]!,
        }));
        for (let i = 0; ids.length < options.keepIds && i < rows.length; i++) ids.push(rows[i]!.id);
        rows.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i]!;
          const t = seededSessionTimes(now, options.sessions - done - i);
          insert.run(row.hash, row.handle, row.owner.userId, row.owner.username, 'default', t.createdAt, t.lastSeenAt, t.idleExpiresAt, t.absoluteExpiresAt);
        }
      }
      for (const index of indexes) db.exec(index.sql);
    }).immediate();
    db.pragma('journal_mode = WAL');
  } finally {
    db.close();
  }
  // The rows went in without fsync (synchronous = OFF), so up to gigabytes of the file are still
  // dirty in the OS cache. Flush them here, inside the seeding's time: left to the kernel, that
  // writeback runs during the first measured rounds, beside the servers' own fsyncs.
  const fd = openSync(options.path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { username, ids, seedMs: Date.now() - started };
}

