import { SessiondError } from './errors.ts';

/** Shapes of names and secrets that come from outside; edges use them in their schemas. */
export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;
export const PROJECT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 1024;
export const DEFAULT_PROJECT = 'default';
/** A session keeps at most this much of the client's User-Agent. */
export const USER_AGENT_MAX_LENGTH = 256;
/** A permission's name, such as `events`. */
export const PERMISSION_PATTERN = /^[a-z][a-z0-9._-]{0,63}$/;

/** The User-Agent a session records: cut to USER_AGENT_MAX_LENGTH, null when absent or blank. */
export function recordedUserAgent(header: unknown): string | null {
  const text = Array.isArray(header) ? header[0] : header;
  if (typeof text !== 'string' || text.trim() === '') return null;
  return [...text].slice(0, USER_AGENT_MAX_LENGTH).join('');
}

/**
 * The form usernames are compared in: `alice` and `ALICE` are one name, for uniqueness, lookup
 * and the login limits. Only ASCII letters fold (usernames are ASCII), so every store's SQL
 * `lower()` and this agree, and no other character (such as the Kelvin sign) folds into a name.
 */
export function usernameKey(username: string): string {
  return username.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

export function assertUsername(username: string): void {
  if (!USERNAME_PATTERN.test(username)) {
    throw new SessiondError(
      'INVALID_REQUEST',
      'username must be 1-128 characters: letters, digits and . _ @ + - (starting with a letter or digit)',
    );
  }
}

export function assertNewPassword(password: string): void {
  if (password.length < PASSWORD_MIN_LENGTH) {
    throw new SessiondError('INVALID_REQUEST', `password must be at least ${PASSWORD_MIN_LENGTH} characters`);
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    throw new SessiondError('INVALID_REQUEST', `password must be at most ${PASSWORD_MAX_LENGTH} characters`);
  }
  if (new Set(password).size < 4) {
    throw new SessiondError('INVALID_REQUEST', 'password is too weak: use at least 4 different characters');
  }
}

export function assertProject(project: string): void {
  if (!PROJECT_PATTERN.test(project)) {
    throw new SessiondError('INVALID_REQUEST', 'project must be 1-64 characters: letters, digits, _ and - (starting with a letter or digit)');
  }
}
