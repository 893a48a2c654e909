import { SessiondError } from '../../core/errors.ts';
import type { Users } from '../../core/ports/users.ts';
import type { UserRecord, UserSummary } from '../../core/types.ts';
import { toUser, toUserSummary, type UserRow } from '../sql-rows.ts';
import type { PostgresDb } from './postgres-db.ts';

export class PostgresUsers implements Users {
  constructor(private readonly db: PostgresDb) {}

  async create(user: UserRecord): Promise<void> {
    try {
      await this.db.query(
        'INSERT INTO users (user_id, username, password_hash, admin, active, created_at, permissions) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [user.userId, user.username, user.passwordHash, user.admin, user.active, user.createdAt, user.permissions],
      );
    } catch (error) {
      if ((error as { code?: unknown }).code === '23505') throw new SessiondError('DUPLICATE_USERNAME');
      throw error;
    }
  }

  async find(username: string): Promise<UserRecord | null> {
    const { rows } = await this.db.query<UserRow>('SELECT * FROM users WHERE username = $1', [username]);
    return rows[0] ? toUser(rows[0]) : null;
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
