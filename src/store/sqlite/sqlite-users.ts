import Database from 'better-sqlite3';
import { SessiondError } from '../../core/errors.ts';
import type { Users } from '../../core/ports/users.ts';
import type { UserRecord, UserSummary } from '../../core/types.ts';
import { usernameKey } from '../../core/input-rules.ts';
import { pickUser, toUser, toUserSummary, type UserRow } from '../sql-rows.ts';

export class SqliteUsers implements Users {
  private readonly stmt;

  constructor(db: Database.Database) {
    this.stmt = {
      // One statement, so the check and the insert cannot be split by another writer.
      insert: db.prepare(
        `INSERT INTO users (user_id, username, password_hash, admin, active, created_at, permissions)
         SELECT ?, ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM users WHERE lower(username) = ?)`,
      ),
      byFoldedName: db.prepare<[string], UserRow>('SELECT * FROM users WHERE lower(username) = ?'),
      list: db.prepare<[], UserRow>('SELECT * FROM users ORDER BY username'),
      setActive: db.prepare('UPDATE users SET active = ? WHERE username = ?'),
      setHash: db.prepare('UPDATE users SET password_hash = ? WHERE username = ? AND (? IS NULL OR password_hash = ?)'),
      update: db.prepare(
        'UPDATE users SET admin = coalesce(?, admin), permissions = coalesce(?, permissions) WHERE username = ?',
      ),
      delete: db.prepare('DELETE FROM users WHERE username = ?'),
    };
  }

  async create(user: UserRecord): Promise<void> {
    let inserted: number;
    try {
      inserted = this.stmt.insert.run(
        user.userId,
        user.username,
        user.passwordHash,
        user.admin ? 1 : 0,
        user.active ? 1 : 0,
        user.createdAt,
        JSON.stringify(user.permissions),
        usernameKey(user.username),
      ).changes;
    } catch (error) {
      if (error instanceof Database.SqliteError && error.code.startsWith('SQLITE_CONSTRAINT')) throw new SessiondError('DUPLICATE_USERNAME');
      throw error;
    }
    if (inserted === 0) throw new SessiondError('DUPLICATE_USERNAME');
  }

  async find(username: string): Promise<UserRecord | null> {
    const row = pickUser(this.stmt.byFoldedName.all(usernameKey(username)), username);
    return row ? toUser(row) : null;
  }

  async list(): Promise<UserSummary[]> {
    return this.stmt.list.all().map(toUserSummary);
  }

  async setActive(username: string, active: boolean): Promise<boolean> {
    return this.stmt.setActive.run(active ? 1 : 0, username).changes > 0;
  }

  async setPasswordHash(username: string, passwordHash: string, expected?: string): Promise<boolean> {
    return this.stmt.setHash.run(passwordHash, username, expected ?? null, expected ?? null).changes > 0;
  }

  async update(username: string, change: { admin?: boolean; permissions?: string[] }): Promise<boolean> {
    const admin = change.admin === undefined ? null : change.admin ? 1 : 0;
    const permissions = change.permissions === undefined ? null : JSON.stringify(change.permissions);
    return this.stmt.update.run(admin, permissions, username).changes > 0;
  }

  async delete(username: string): Promise<boolean> {
    return this.stmt.delete.run(username).changes > 0;
  }
}
