import { SessiondError } from '../../core/errors.ts';
import type { Users } from '../../core/ports/users.ts';
import type { UserRecord, UserSummary } from '../../core/types.ts';
import { usernameKey } from '../../core/input-rules.ts';
import { pickUser, toUser, toUserSummary, type UserRow } from '../sql-rows.ts';
import type { PostgresDb } from './postgres-db.ts';

export class PostgresUsers implements Users {
  constructor(private readonly db: PostgresDb) {}

  async create(user: UserRecord): Promise<void> {
    let inserted: number;
    try {
      // The unique index on lower(username) refuses a second name in another case; the NOT EXISTS
      // also covers names that older users share only in case (left out of that index by migration 5).
      const result = await this.db.query(
        `INSERT INTO users (user_id, username, password_hash, admin, active, created_at, permissions)
         SELECT $1::text, $2::text, $3::text, $4::boolean, $5::boolean, $6::bigint, $7::text[]
         WHERE NOT EXISTS (SELECT 1 FROM users WHERE lower(username) = $8)`,
        [user.userId, user.username, user.passwordHash, user.admin, user.active, user.createdAt, user.permissions, usernameKey(user.username)],
      );
      inserted = result.rowCount ?? 0;
    } catch (error) {
      if ((error as { code?: unknown }).code === '23505') throw new SessiondError('DUPLICATE_USERNAME');
      throw error;
    }
    if (inserted === 0) throw new SessiondError('DUPLICATE_USERNAME');
  }

  async find(username: string): Promise<UserRecord | null> {
    const { rows } = await this.db.query<UserRow>('SELECT * FROM users WHERE lower(username) = $1', [usernameKey(username)]);
    const row = pickUser(rows, username);
    return row ? toUser(row) : null;
  }

  async list(): Promise<UserSummary[]> {
    const { rows } = await this.db.query<UserRow>('SELECT * FROM users ORDER BY username');
    return rows.map(toUserSummary);
  }

  async setActive(username: string, active: boolean): Promise<boolean> {
    const { rowCount } = await this.db.query('UPDATE users SET active = $1 WHERE username = $2', [active, username]);
    return (rowCount ?? 0) > 0;
  }

  async setPasswordHash(username: string, passwordHash: string, expected?: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      'UPDATE users SET password_hash = $1 WHERE username = $2 AND ($3::text IS NULL OR password_hash = $3)',
      [passwordHash, username, expected ?? null],
    );
    return (rowCount ?? 0) > 0;
  }

  async update(username: string, change: { admin?: boolean; permissions?: string[] }): Promise<boolean> {
    const { rowCount } = await this.db.query(
      'UPDATE users SET admin = coalesce($1, admin), permissions = coalesce($2::text[], permissions) WHERE username = $3',
      [change.admin ?? null, change.permissions ?? null, username],
    );
    return (rowCount ?? 0) > 0;
  }

  async delete(username: string): Promise<boolean> {
    const { rowCount } = await this.db.query('DELETE FROM users WHERE username = $1', [username]);
    return (rowCount ?? 0) > 0;
  }
}
