import type { LoginLimit } from './errors.ts';

/** One password check: who it is for (as typed) and where it comes from. */
export interface LoginAttempt {
  username: string;
  address: string;
}

/** What `admit` hands back for the settling call: opaque to core, meaningful to the throttle that made it. */
export type LoginTicket = Readonly<Record<string, number>>;

/**
 * The throttle's answer before a password is checked. A refusal says which limit refused it and
 * whether it is the refusal that reached that limit (audited once; later ones are only counted).
 */
export type LoginAdmission =
  | { admitted: true; ticket: LoginTicket }
  | { admitted: false; limit: LoginLimit; retryAfterSeconds: number; reachedLimit: boolean };

/**
 * The rate limits around login, as a port: core decides when to ask, an adapter (src/limits/)
 * decides how and where to count. Reserve, then settle: `admit` counts the attempt before the
 * password is checked, so N guesses at once use N of the budget; every admitted attempt is then
 * settled by exactly one of `failed`, `succeeded` or `release`.
 */
export interface LoginThrottle {
  /** Counts the attempt against its (username, address) pair and its address, or refuses it. */
  admit(attempt: LoginAttempt): Promise<LoginAdmission>;
  /** The password was wrong: the attempt stays counted; answers whether it started a lockout (audited). */
  failed(attempt: LoginAttempt, ticket: LoginTicket): Promise<{ lockoutStarted: boolean }>;
  /**
   * The password was right: the attempt is given back and the pair's earlier failures are
   * forgotten. A lockout that other attempts started meanwhile stays.
   */
  succeeded(attempt: LoginAttempt, ticket: LoginTicket): Promise<void>;
  /** The check could not be made (the store failed): the attempt is given back uncounted. */
  release(attempt: LoginAttempt, ticket: LoginTicket): Promise<void>;
  /** Counts a successful login for the user; answers seconds to wait when over the limit, else 0. */
  consumeLogin(userId: string): Promise<number>;
}

/** No limits at all: for tools (the CLI) that act as an operator, never for a listening server. */
export const unlimitedLoginThrottle: LoginThrottle = {
  admit: async () => ({ admitted: true, ticket: {} }),
  failed: async () => ({ lockoutStarted: false }),
  succeeded: async () => {},
  release: async () => {},
  consumeLogin: async () => 0,
};
