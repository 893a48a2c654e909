import type { Clock } from './clock.ts';
import { SessiondError } from './errors.ts';
import { assertNewPassword, assertUsername } from './input-rules.ts';
import { DEFAULT_SCRYPT, dummyPasswordHash, hashPassword, verifyPassword, type ScryptParams } from './password.ts';
import { newRecordId } from './secret-id.ts';
import type { SessionEvents } from './session-events.ts';
import type { Users } from './ports/users.ts';
import type { AuditLog } from './ports/audit-log.ts';
import type { UserRecord, UserSummary } from './types.ts';

/** The user directory: who may sign in, with what password, and who is an admin. */
export class UserDirectory {
  constructor(
    private readonly users: Users,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly events: SessionEvents,
    private readonly scrypt: ScryptParams = DEFAULT_SCRYPT,
  ) {
    // Made now, so the first unknown username is not slower than the rest.
    dummyPasswordHash(scrypt).catch(() => {});
  }

  async createUser(input: {
    username: string;
    password: string;
    admin?: boolean;
    permissions?: string[];
    actor?: string | null;
  }): Promise<UserSummary> {
    assertUsername(input.username);
    assertNewPassword(input.password);
    const user: UserRecord = {
      userId: newRecordId('005'),
      username: input.username,
      passwordHash: await hashPassword(input.password, this.scrypt),
      admin: input.admin ?? false,
      active: true,
      createdAt: this.clock.now(),
      permissions: [...new Set(input.permissions ?? [])].sort(),
    };
    await this.users.create(user);
    const audit = {
      at: user.createdAt,
      event: 'user.created' as const,
      handle: null,
      userId: user.userId,
      project: null,
      reason: user.admin ? 'admin' : null,
      actor: input.actor ?? null,
    };
    await this.audit.append([audit]);
    this.events.emit(audit);
    const { passwordHash: _hidden, ...summary } = user;
    return summary;
  }

  listUsers(): Promise<UserSummary[]> {
    return this.users.list();
  }

  async setActive(username: string, active: boolean): Promise<void> {
    if (!(await this.users.setActive(username, active))) throw new SessiondError('NOT_FOUND', `no user named ${username}`);
  }

  findByUsername(username: string): Promise<UserRecord | null> {
    return this.users.find(username);
  }

  /**
   * Answers the user when the password is right and the user is active, else null. Unknown
   * users are checked against a dummy hash so every wrong answer takes about the same time.
   */
  async verifyCredentials(username: string, password: string): Promise<UserRecord | null> {
    const user = await this.users.find(username);
    const ok = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash(this.scrypt)));
    return user && ok && user.active ? user : null;
  }

  /** Creates the first admin from configuration when no user `admin` exists yet; answers whether it did. */
  async ensureAdmin(password: string): Promise<boolean> {
    if (await this.users.find('admin')) return false;
    try {
      await this.createUser({ username: 'admin', password, admin: true, actor: 'system' });
      return true;
    } catch (error) {
      // Another node created it first.
      if (error instanceof SessiondError && error.code === 'DUPLICATE_USERNAME') return false;
      throw error;
    }
  }
}
