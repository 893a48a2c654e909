import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { hash as argon2Hash, verify as argon2Verify, type Algorithm } from '@node-rs/argon2';
import { passwordSlots } from './password-slots.ts';

/**
 * Password hashing: argon2id (through @node-rs/argon2) or scrypt (node:crypto). Hashes are
 * PHC strings (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`, `$scrypt$ln=…,r=…,p=…$salt$hash`) that
 * carry their own algorithm, parameters and salt, so the configured policy can change without
 * breaking a stored hash; `needsRehash` tells the login path to re-hash with the current policy.
 * Hashes from before the PHC format (`scrypt$N$r$p$salt$hash`) still verify. Every hash, made or
 * checked, takes one of the process's password slots (password-slots.ts) while it runs.
 */
export interface ScryptPolicy {
  algorithm: 'scrypt';
  N: number;
  r: number;
  p: number;
}

export interface Argon2idPolicy {
  algorithm: 'argon2id';
  /** KiB of memory per hash. */
  memoryKiB: number;
  timeCost: number;
  parallelism: number;
}

export type PasswordPolicy = ScryptPolicy | Argon2idPolicy;
/** Kept for the benchmarks' seeding, which hash with scrypt. */
export type ScryptParams = ScryptPolicy;

export const DEFAULT_SCRYPT: ScryptPolicy = { algorithm: 'scrypt', N: 16384, r: 8, p: 1 };
/** OWASP's first argon2id recommendation (and the library's default): 19 MiB, 2 passes, 1 lane. */
export const DEFAULT_ARGON2ID: Argon2idPolicy = { algorithm: 'argon2id', memoryKiB: 19456, timeCost: 2, parallelism: 1 };

const KEY_LENGTH = 32;
const ARGON2ID = 2 as Algorithm;

function scryptAsync(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return passwordSlots.run(
    () =>
      new Promise((resolve, reject) => {
        scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key)));
      }),
  );
}

/** PHC strings use standard base64 without padding. */
const b64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '');

export async function hashPassword(password: string, policy: PasswordPolicy = DEFAULT_ARGON2ID): Promise<string> {
  if (policy.algorithm === 'argon2id') {
    return passwordSlots.run(() =>
      argon2Hash(password.normalize('NFKC'), {
        algorithm: ARGON2ID,
        memoryCost: policy.memoryKiB,
        timeCost: policy.timeCost,
        parallelism: policy.parallelism,
        outputLen: KEY_LENGTH,
      }),
    );
  }
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, policy);
  return `$scrypt$ln=${Math.log2(policy.N)},r=${policy.r},p=${policy.p}$${b64(salt)}$${b64(key)}`;
}

const PHC_SCRYPT = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;
const LEGACY_SCRYPT = /^scrypt\$(\d{1,10})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;
const PHC_ARGON2ID = /^\$argon2id\$v=19\$m=(\d{1,10}),t=(\d{1,10}),p=(\d{1,3})\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

/** What a stored hash says about itself; null when it is no hash this code made. */
function describe(stored: string): { policy: PasswordPolicy; legacy: boolean } | null {
  let m = PHC_ARGON2ID.exec(stored);
  if (m) return { policy: { algorithm: 'argon2id', memoryKiB: Number(m[1]), timeCost: Number(m[2]), parallelism: Number(m[3]) }, legacy: false };
  m = PHC_SCRYPT.exec(stored);
  if (m) return { policy: { algorithm: 'scrypt', N: 2 ** Number(m[1]), r: Number(m[2]), p: Number(m[3]) }, legacy: false };
  m = LEGACY_SCRYPT.exec(stored);
  if (m) return { policy: { algorithm: 'scrypt', N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) }, legacy: true };
  return null;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const known = describe(stored);
  if (!known) return false;
  if (known.policy.algorithm === 'argon2id') {
    try {
      return await passwordSlots.run(() => argon2Verify(stored, password.normalize('NFKC')));
    } catch {
      return false;
    }
  }
  const parts = stored.split('$');
  const [salt, hash] = known.legacy ? [parts[4]!, parts[5]!] : [parts[3]!, parts[4]!];
  const encoding = known.legacy ? 'base64url' : 'base64';
  const expected = Buffer.from(hash, encoding);
  const actual = await scryptAsync(password, Buffer.from(salt, encoding), known.policy);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Whether a stored hash was made other than `policy` would make it now (algorithm, parameters or format). */
export function needsRehash(stored: string, policy: PasswordPolicy): boolean {
  const known = describe(stored);
  if (!known || known.legacy) return true;
  return policyKey(known.policy) !== policyKey(policy);
}

function policyKey(policy: PasswordPolicy): string {
  return policy.algorithm === 'argon2id'
    ? `argon2id$${policy.memoryKiB}$${policy.timeCost}$${policy.parallelism}`
    : `scrypt$${policy.N}$${policy.r}$${policy.p}`;
}

/**
 * A hash of a password nobody knows. Unknown usernames are checked against it so that a
 * wrong username costs the same time as a wrong password: one hash per policy, so it is
 * always as slow as the real hashes made with that policy.
 */
const dummyHashes = new Map<string, Promise<string>>();
export function dummyPasswordHash(policy: PasswordPolicy = DEFAULT_ARGON2ID): Promise<string> {
  const key = policyKey(policy);
  let hash = dummyHashes.get(key);
  if (!hash) {
    hash = hashPassword(randomBytes(18).toString('base64url'), policy);
    dummyHashes.set(key, hash);
  }
  return hash;
}
