import type { Clock } from './clock.ts';
import { SessiondError } from './errors.ts';
import { assertNewPassword, assertUsername } from './input-rules.ts';
import { DEFAULT_ARGON2ID, dummyPasswordHash, hashPassword, needsRehash, verifyPassword, type PasswordPolicy } from './password.ts';
import { newRecordId } from './secret-id.ts';
import type { SessionEvents } from './session-events.ts';
import type { Users } from './ports/users.ts';
import type { AuditLog } from './ports/audit-log.ts';
import type { AuditEventName, UserRecord, UserSummary } from './types.ts';

/** What one password check found: the user when it may sign in, and the user the name names either way. */
export interface CredentialCheck {
  user: UserRecord | null;
  named: UserRecord | null;
}

/** Why a login failed, as its audit record says it (bounded: the metric of audit events counts by it). */
export type FailedLoginReason = 'invalid-credentials' | 'locked-out' | 'rate-limited';

/** The user directory: who may sign in, with what password, and who is an admin. */
export class UserDirectory {
  constructor(
    private readonly users: Users,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly events: SessionEvents,
    private readonly passwords: PasswordPolicy = DEFAULT_ARGON2ID,
  ) {
    // Made now, so the first unknown username is not slower than the rest.
    dummyPasswordHash(passwords).catch(() => {});
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
      passwordHash: await hashPassword(input.password, this.passwords),
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

  async setActive(username: string, active: boolean, actor: string | null = null): Promise<void> {
    const user = await this.mustFind(username);
    if (!(await this.users.setActive(user.username, active))) throw notFound(username);
    await this.record(active ? 'user.activated' : 'user.deactivated', user, actor, null);
  }

  /** Sets a new password (checked against the password rules), hashed with the configured policy. */
  async setPassword(username: string, password: string, actor: string | null, event: 'user.password-reset' | 'user.password-changed'): Promise<void> {
    assertNewPassword(password);
    const user = await this.mustFind(username);
    if (!(await this.users.setPasswordHash(user.username, await hashPassword(password, this.passwords)))) throw notFound(username);
    await this.record(event, user, actor, null);
  }

  /** Changes the admin flag and/or permissions; answers the user as it is now. */
  async update(username: string, change: { admin?: boolean; permissions?: string[] }, actor: string | null): Promise<UserSummary> {
    const normalized = {
      ...(change.admin !== undefined ? { admin: change.admin } : {}),
      ...(change.permissions !== undefined ? { permissions: [...new Set(change.permissions)].sort() } : {}),
    };
    const user = await this.mustFind(username);
    if (!(await this.users.update(user.username, normalized))) throw notFound(username);
    const reason = [
      ...(normalized.admin !== undefined ? [`admin=${normalized.admin}`] : []),
      ...(normalized.permissions !== undefined ? [`permissions=${normalized.permissions.join(',')}`] : []),
    ].join(' ');
    await this.record('user.updated', user, actor, reason || null);
    const { passwordHash: _hidden, ...summary } = { ...user, ...normalized };
    return summary;
  }

  async delete(username: string, actor: string | null): Promise<void> {
    const user = await this.mustFind(username);
    if (!(await this.users.delete(user.username))) throw notFound(username);
    await this.record('user.deleted', user, actor, null);
  }

  private async mustFind(username: string): Promise<UserRecord> {
    const user = await this.users.find(username);
    if (!user) throw notFound(username);
    return user;
  }

  private async record(event: AuditEventName, user: UserRecord, actor: string | null, reason: string | null): Promise<void> {
    const audit = { at: this.clock.now(), event, handle: null, userId: user.userId, project: null, reason, actor };
    await this.audit.append([audit]);
    this.events.emit(audit);
  }

  /** The user a name names, in any letter case (see the Users port for names that differ only in case). */
  findByUsername(username: string): Promise<UserRecord | null> {
    return this.users.find(username);
  }

  /**
   * Answers the user when the password is right and the user is active, else null. Unknown
   * users are checked against a dummy hash so every wrong answer takes about the same time.
   */
  async verifyCredentials(username: string, password: string): Promise<UserRecord | null> {
    return (await this.checkCredentials(username, password)).user;
  }

  /** As verifyCredentials, also answering the user the name names whether or not the password was right. */
  async checkCredentials(username: string, password: string): Promise<CredentialCheck> {
    const named = await this.users.find(username);
    const ok = await verifyPassword(password, named?.passwordHash ?? (await dummyPasswordHash(this.passwords)));
    if (!named || !ok || !named.active) return { user: null, named };
    if (needsRehash(named.passwordHash, this.passwords)) await this.rehash(named, password);
    return { user: named, named };
  }

  /**
   * Audits a failed login (`login.failed`): the reason, the client's address as actor, and the
   * name as typed only when it names a real user (a mistyped name may be someone's password).
   */
  async recordFailedLogin(input: { username: string; address: string; project: string | null; reason: FailedLoginReason; named: UserRecord | null }): Promise<void> {
    const audit = {
      at: this.clock.now(),
      event: 'login.failed' as const,
      handle: null,
      userId: input.named?.userId ?? null,
      project: input.project,
      reason: input.named ? `${input.reason} username=${input.username}` : input.reason,
      actor: input.address === '' ? null : input.address,
    };
    await this.audit.append([audit]);
    this.events.emit(audit);
  }

  /**
   * Re-hashes a password that was just verified with the configured policy. Only while the stored
   * hash is still the one verified, so a password change in between wins; a store failure here
   * leaves the old hash, which still verifies, and the login goes on.
   */
  private async rehash(user: UserRecord, password: string): Promise<void> {
    try {
      await this.users.setPasswordHash(user.username, await hashPassword(password, this.passwords), user.passwordHash);
    } catch {
      // The next login tries again.
    }
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

function notFound(username: string): SessiondError {
  return new SessiondError('NOT_FOUND', `no user named ${username}`);
}
