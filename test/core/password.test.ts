import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DEFAULT_ARGON2ID,
  dummyPasswordHash,
  hashPassword,
  needsRehash,
  verifyPassword,
  type Argon2idPolicy,
  type ScryptPolicy,
} from '../../src/core/password.ts';

const cheapScrypt: ScryptPolicy = { algorithm: 'scrypt', N: 1024, r: 8, p: 1 };
const cheapArgon: Argon2idPolicy = { algorithm: 'argon2id', memoryKiB: 1024, timeCost: 1, parallelism: 1 };

/**
 * A hash as the code before PHC strings made it (`scrypt$N$r$p$salt$hash`, base64url), for the
 * password `legacy-password-1`: users created before the change must still sign in.
 */
const LEGACY_HASH = 'scrypt$1024$8$1$yp_QQQfjltipSjfX6SURDA$cEv2ZaVyqLkC3DYNfU4Cbku7UfXA79yr31I6u1tKDLc';

describe('password hashing', () => {
  test('argon2id hashes are PHC strings with their parameters and a per-hash salt, and verify only their password', async () => {
    const a = await hashPassword('correct horse', cheapArgon);
    const b = await hashPassword('correct horse', cheapArgon);
    assert.match(a, /^\$argon2id\$v=19\$m=1024,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.notEqual(a, b, 'each hash has its own salt');
    assert.equal(await verifyPassword('correct horse', a), true);
    assert.equal(await verifyPassword('correct horse ', a), false);
    assert.equal(await verifyPassword('', a), false);
  });

  test('scrypt hashes are PHC strings too ($scrypt$ln=…), and verify only their password', async () => {
    const a = await hashPassword('correct horse', cheapScrypt);
    assert.match(a, /^\$scrypt\$ln=10,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.equal(await verifyPassword('correct horse', a), true);
    assert.equal(await verifyPassword('Correct horse', a), false);
  });

  test('argon2id is the default for new hashes', async () => {
    assert.equal(DEFAULT_ARGON2ID.algorithm, 'argon2id');
    assert.match(await hashPassword('x'.repeat(12)), /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  test('a hash made by the code before PHC strings still verifies, and is due for a re-hash', async () => {
    assert.equal(await verifyPassword('legacy-password-1', LEGACY_HASH), true);
    assert.equal(await verifyPassword('legacy-password-2', LEGACY_HASH), false);
    assert.equal(needsRehash(LEGACY_HASH, cheapScrypt), true, 'same parameters, old format');
    assert.equal(needsRehash(LEGACY_HASH, cheapArgon), true);
  });

  test('needsRehash: only when the algorithm or a parameter differs from the configured policy', async () => {
    const argon = await hashPassword('pw-pw-pw-1', cheapArgon);
    const scrypt = await hashPassword('pw-pw-pw-1', cheapScrypt);
    assert.equal(needsRehash(argon, cheapArgon), false);
    assert.equal(needsRehash(argon, { ...cheapArgon, memoryKiB: 2048 }), true);
    assert.equal(needsRehash(argon, { ...cheapArgon, timeCost: 2 }), true);
    assert.equal(needsRehash(argon, cheapScrypt), true);
    assert.equal(needsRehash(scrypt, cheapScrypt), false);
    assert.equal(needsRehash(scrypt, { ...cheapScrypt, N: 2048 }), true);
    assert.equal(needsRehash(scrypt, cheapArgon), true);
  });

  test('verification uses the stored parameters, so changing the policy keeps old hashes working', async () => {
    const old = await hashPassword('pw-pw-pw-1', cheapScrypt);
    const newer = await hashPassword('pw-pw-pw-1', { ...cheapArgon, memoryKiB: 2048 });
    assert.equal(await verifyPassword('pw-pw-pw-1', old), true);
    assert.equal(await verifyPassword('pw-pw-pw-1', newer), true);
  });

  test('a malformed stored hash never verifies', async () => {
    for (const stored of ['', 'plain', 'scrypt$x$8$1$salt$hash', 'bcrypt$1$2$3$4$5', '$argon2id$v=19$m=1024,t=1,p=1$!!$??', '$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaA']) {
      assert.equal(await verifyPassword('anything', stored), false, stored);
    }
  });

  test('the dummy hash for unknown users is made with the same policy as real hashes, once per policy', async () => {
    const cheap = await dummyPasswordHash(cheapScrypt);
    const argon = await dummyPasswordHash(cheapArgon);
    assert.match(cheap, /^\$scrypt\$ln=10,r=8,p=1\$/);
    assert.match(argon, /^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    assert.equal(await dummyPasswordHash(cheapScrypt), cheap, 'made once per policy');
    assert.equal(await verifyPassword('', argon), false);
  });
});
