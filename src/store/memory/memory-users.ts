import { SessiondError } from '../../core/errors.ts';
import { usernameKey } from '../../core/input-rules.ts';
import type { Users } from '../../core/ports/users.ts';
import type { UserRecord, UserSummary } from '../../core/types.ts';

export class MemoryUsers implements Users {
  private readonly byName = new Map<string, UserRecord>();

  /** Everything held, as plain data. */
  snapshot(): unknown {
    return [...this.byName.values()];
  }

  async create(user: UserRecord): Promise<void> {
    if (this.sameName(user.username).length > 0) throw new SessiondError('DUPLICATE_USERNAME');
    this.byName.set(user.username, { ...user });
  }

  async find(username: string): Promise<UserRecord | null> {
    const exact = this.byName.get(username);
    if (exact) return { ...exact };
    const folded = this.sameName(username);
    return folded.length === 1 ? { ...folded[0]! } : null;
  }

  /** Users whose name is this one in any letter case. */
  private sameName(username: string): UserRecord[] {
    const key = usernameKey(username);
    return [...this.byName.values()].filter((u) => usernameKey(u.username) === key);
  }

  async list(): Promise<UserSummary[]> {
    return [...this.byName.values()]
      .sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0))
      .map(({ passwordHash: _hidden, ...summary }) => summary);
  }

  async setActive(username: string, active: boolean): Promise<boolean> {
    const user = this.byName.get(username);
    if (!user) return false;
    user.active = active;
    return true;
  }

  async setPasswordHash(username: string, passwordHash: string, expected?: string): Promise<boolean> {
    const user = this.byName.get(username);
    if (!user || (expected !== undefined && user.passwordHash !== expected)) return false;
    user.passwordHash = passwordHash;
    return true;
  }

  async update(username: string, change: { admin?: boolean; permissions?: string[] }): Promise<boolean> {
    const user = this.byName.get(username);
    if (!user) return false;
    if (change.admin !== undefined) user.admin = change.admin;
    if (change.permissions !== undefined) user.permissions = [...change.permissions];
    return true;
  }

  async delete(username: string): Promise<boolean> {
    return this.byName.delete(username);
  }
}
