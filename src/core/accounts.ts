import { SessiondError } from './errors.ts';
import { LoginGuard } from './login-guard.ts';
import type { LoginThrottle } from './login-throttle.ts';
import type { OwnSessions } from './own-sessions.ts';
import { verifyPassword } from './password.ts';
import type { SessionService } from './session-service.ts';
import type { SessionRecord, UserRecord, UserSummary } from './types.ts';
import type { UserDirectory } from './users.ts';

/**
 * Whole accounts: what admins do to a user (deactivate, activate, reset the password, delete,
 * change role and permissions) and what a user does to their own (change the password). Every
 * action is audited with its actor; each one that takes access away ends the user's sessions.
 */
export class Accounts {
  private readonly guard: LoginGuard;

  constructor(
    private readonly users: UserDirectory,
    private readonly service: SessionService,
    private readonly own: OwnSessions,
    throttle: LoginThrottle,
  ) {
    this.guard = new LoginGuard(throttle, users);
  }

  /** Stops the user from signing in and ends their sessions; answers how many ended. */
  async deactivate(username: string, actor: string): Promise<{ ended: number }> {
    await this.withAnAdminLeft(
      username,
      () => this.users.setActive(username, false, actor),
      () => this.users.setActive(username, true, actor),
    );
    return { ended: await this.service.endSessionsOfUser(username, actor) };
  }

  async activate(username: string, actor: string): Promise<void> {
    await this.users.setActive(username, true, actor);
  }

  /** An admin sets a new password; the user's sessions end. */
  async resetPassword(username: string, newPassword: string, actor: string): Promise<{ ended: number }> {
    await this.users.setPassword(username, newPassword, actor, 'user.password-reset');
    return { ended: await this.service.endSessionsOfUser(username, actor) };
  }

  /** Removes the user and ends their sessions. */
  async delete(username: string, actor: string): Promise<{ ended: number }> {
    const user = await this.keepAnAdmin(username);
    if (user.admin && user.active) {
      // An admin is deactivated first (which can be undone), so the delete never takes the last one.
      await this.withAnAdminLeft(
        username,
        () => this.users.setActive(username, false, actor),
        () => this.users.setActive(username, true, actor),
      );
    }
    await this.users.delete(username, actor);
    return { ended: await this.service.endSessionsOfUserId(user.userId, actor) };
  }

  async update(username: string, change: { admin?: boolean; permissions?: string[] }, actor: string): Promise<UserSummary> {
    if (change.admin !== false) return this.users.update(username, change, actor);
    let updated: UserSummary | undefined;
    await this.withAnAdminLeft(
      username,
      async () => {
        updated = await this.users.update(username, change, actor);
      },
      async () => {
        await this.users.update(username, { admin: true }, actor);
      },
    );
    return updated!;
  }

  /**
   * The caller changes their own password. A wrong current password is INVALID_LOGIN and counts
   * as a failed login for the (username, address) pair, as a wrong login would; the caller's
   * other sessions end, the current one stays.
   */
  async changeOwnPassword(
    caller: { session: SessionRecord; user: UserRecord },
    input: { currentPassword: string; newPassword: string; address: string },
  ): Promise<{ endedOtherSessions: number }> {
    const { username } = caller.user;
    await this.guard.check({ username, address: input.address, project: null }, async () => ({
      user: (await verifyPassword(input.currentPassword, caller.user.passwordHash)) ? caller.user : null,
      named: caller.user,
    }));
    await this.users.setPassword(username, input.newPassword, caller.session.handle, 'user.password-changed');
    return { endedOtherSessions: await this.own.endOthers(caller.session, 'password-changed') };
  }

  /**
   * Takes an active admin's rights away (deactivate, demote, or the first step of delete) without
   * ever leaving no active admin, even when two admins act at once. The first check only reads,
   * so two requests could both pass it; each counts again after its own change and undoes it
   * (LAST_ADMIN) when no active admin is left. Whatever the interleaving, a request succeeds only
   * after seeing an active admin remain after its own change. Answers the user as it was.
   */
  private async withAnAdminLeft(username: string, takeAway: () => Promise<void>, giveBack: () => Promise<void>): Promise<UserRecord> {
    const user = await this.keepAnAdmin(username);
    await takeAway();
    if (user.admin && user.active && !(await this.users.listUsers()).some((u) => u.admin && u.active)) {
      await giveBack();
      throw new SessiondError('LAST_ADMIN');
    }
    return user;
  }

  /** Refuses to take away the last active admin; answers the user. */
  private async keepAnAdmin(username: string): Promise<UserRecord> {
    const user = await this.users.findByUsername(username);
    if (!user) throw new SessiondError('NOT_FOUND', `no user named ${username}`);
    if (user.admin && user.active) {
      const activeAdmins = (await this.users.listUsers()).filter((u) => u.admin && u.active);
      if (activeAdmins.length <= 1) throw new SessiondError('LAST_ADMIN');
    }
    return user;
  }
}
