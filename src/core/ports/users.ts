import type { UserRecord, UserSummary } from '../types.ts';

/**
 * The user directory's records. Usernames are one name in any letter case (core's usernameKey):
 * `alice` and `ALICE` cannot both be created. Changes take the stored name exactly (core passes
 * the one `find` answered) and answer false when there is no such user.
 */
export interface Users {
  /** Throws SessiondError DUPLICATE_USERNAME when the name is taken, in any letter case. */
  create(user: UserRecord): Promise<void>;
  /**
   * The user of exactly this name, else the one user whose name differs only in letter case.
   * Null when there is none, or when several older users (from before names were compared
   * without case) differ only in case and none matches exactly: an ambiguous name finds nobody.
   */
  find(username: string): Promise<UserRecord | null>;
  /** Ordered by username; never the password hash. */
  list(): Promise<UserSummary[]>;
  setActive(username: string, active: boolean): Promise<boolean>;
  /**
   * Replaces the password hash. With `expected`, only while the stored hash is still that one
   * (a re-hash at login must not undo a password change that happened meanwhile).
   */
  setPasswordHash(username: string, passwordHash: string, expected?: string): Promise<boolean>;
  /** Changes the admin flag and/or the permissions; fields left out stay as they are. */
  update(username: string, change: { admin?: boolean; permissions?: string[] }): Promise<boolean>;
  delete(username: string): Promise<boolean>;
}
