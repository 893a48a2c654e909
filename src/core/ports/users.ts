import type { UserRecord, UserSummary } from '../types.ts';

/** The user directory's records. Each change answers false when there is no such user. */
export interface Users {
  /** Throws SessiondError DUPLICATE_USERNAME when the username is taken. */
  create(user: UserRecord): Promise<void>;
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
