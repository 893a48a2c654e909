import { hash, randomBytes } from 'node:crypto';

/**
 * Secret IDs (server session IDs, web session IDs) and the non-secret handles beside them.
 *
 * A secret ID is 32 bytes from the CSPRNG, base64url, behind a short versioned prefix, so a
 * future format can live beside this one. Only its SHA-256 is ever stored: with 256 bits of
 * entropy a fast hash is enough, and it keeps validation cheap.
 */
export const SESSION_ID_PREFIX = 'sd1_';
export const WEB_SESSION_ID_PREFIX = 'sdw1_';
const HANDLE_PREFIX = 'h_';

/** Input IDs longer than this are refused before any store access. */
export const MAX_ID_INPUT_LENGTH = 256;

const BODY = /^[A-Za-z0-9_-]{43}$/;
const HANDLE = /^h_[A-Za-z0-9_-]{22}$/;

function newSecret(prefix: string): string {
  return prefix + randomBytes(32).toString('base64url');
}

function isWellFormed(prefix: string, value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length === prefix.length + 43 &&
    value.startsWith(prefix) &&
    BODY.test(value.slice(prefix.length))
  );
}

export const newSessionId = (): string => newSecret(SESSION_ID_PREFIX);
export const newWebSessionId = (): string => newSecret(WEB_SESSION_ID_PREFIX);
export const isWellFormedSessionId = (value: unknown): value is string => isWellFormed(SESSION_ID_PREFIX, value);
export const isWellFormedWebSessionId = (value: unknown): value is string => isWellFormed(WEB_SESSION_ID_PREFIX, value);

/** The stored form of a secret ID (one-shot hash: no Hash object on the validation path). */
export function hashSecretId(id: string): string {
  return hash('sha256', id, 'base64url');
}

/** A handle names a session in lists and admin calls; it grants nothing. */
export function newHandle(): string {
  return HANDLE_PREFIX + randomBytes(16).toString('base64url');
}

export function isWellFormedHandle(value: unknown): value is string {
  return typeof value === 'string' && HANDLE.test(value);
}

/** Salesforce-shaped 18-character record IDs (`005…` users), which SOAP clients expect. */
export function newRecordId(keyPrefix: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(15);
  let out = keyPrefix;
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out.slice(0, 18);
}

/**
 * The 18-character form of a 15-character Salesforce ID: three check characters that encode
 * which letters are upper case, so the ID survives case-insensitive systems. The Partner
 * WSDL's ID type is exactly 18 characters; an 18-character ID is returned unchanged.
 */
export function eighteenCharacterId(id: string): string {
  if (id.length !== 15) return id;
  const checks = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) if (/[A-Z]/.test(id[chunk * 5 + i]!)) bits |= 1 << i;
    suffix += checks[bits];
  }
  return id + suffix;
}
