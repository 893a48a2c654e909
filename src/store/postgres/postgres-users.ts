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
}
