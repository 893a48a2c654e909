import type { UserRecord, UserSummary } from '../types.ts';

/** The user directory's records. */
export interface Users {
  /** Throws SessiondError DUPLICATE_USERNAME when the username is taken. */
  create(user: UserRecord): Promise<void>;
  find(username: string): Promise<UserRecord | null>;
  /** Ordered by username; never the password hash. */
  list(): Promise<UserSummary[]>;
  /** Answers false when there is no such user. */
  setActive(username: string, active: boolean): Promise<boolean>;
}
