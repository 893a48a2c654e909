/**
 * The rate limits around login, as a port: core decides when to ask, an adapter
 * (src/limits/) decides how to count.
 */
export interface LoginThrottle {
  /** Seconds until this username/address pair may try again, or 0 when it may try now. */
  lockedOutFor(username: string, address: string): Promise<number>;
  /** Counts a failed attempt for the pair. */
  recordFailure(username: string, address: string): Promise<void>;
  /** Forgets the pair's failures after a good password. */
  clearFailures(username: string, address: string): Promise<void>;
  /** Counts a successful login for the user; answers seconds to wait when over the limit, else 0. */
  consumeLogin(userId: string): Promise<number>;
}

/** No limits at all: for tools (the CLI) that act as an operator, never for a listening server. */
export const unlimitedLoginThrottle: LoginThrottle = {
  lockedOutFor: async () => 0,
  recordFailure: async () => {},
  clearFailures: async () => {},
  consumeLogin: async () => 0,
};
