import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dummyPasswordHash, hashPassword, verifyPassword } from '../../src/core/password.ts';

describe('password hashing', () => {
  test('a hash carries its scrypt parameters and a per-hash salt, and verifies only its password', async () => {
    const params = { N: 1024, r: 8, p: 1 };
    const a = await hashPassword('correct horse', params);
    const b = await hashPassword('correct horse', params);
    assert.match(a, /^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, b, 'each hash has its own salt');
    assert.equal(await verifyPassword('correct horse', a), true);
    assert.equal(await verifyPassword('correct horse ', a), false);
    assert.equal(await verifyPassword('', a), false);
  });

  test('verification uses the stored parameters, so raising the default keeps old hashes working', async () => {
    const old = await hashPassword('pw-pw-pw-1', { N: 1024, r: 8, p: 1 });
    const newer = await hashPassword('pw-pw-pw-1', { N: 2048, r: 8, p: 1 });
    assert.equal(await verifyPassword('pw-pw-pw-1', old), true);
    assert.equal(await verifyPassword('pw-pw-pw-1', newer), true);
  });

  test('a malformed stored hash never verifies', async () => {
    for (const stored of ['', 'plain', 'scrypt$x$8$1$salt$hash', 'bcrypt$1$2$3$4$5']) {
      assert.equal(await verifyPassword('anything', stored), false, stored);
    }
  });

  test('the dummy hash for unknown users is made with the same parameters as real hashes, per parameter set', async () => {
    const cheap = await dummyPasswordHash({ N: 1024, r: 8, p: 1 });
    const dear = await dummyPasswordHash({ N: 4096, r: 8, p: 2 });
    assert.match(cheap, /^scrypt\$1024\$8\$1\$/);
    assert.match(dear, /^scrypt\$4096\$8\$2\$/);
    assert.equal(await dummyPasswordHash({ N: 1024, r: 8, p: 1 }), cheap, 'made once per parameter set');
    assert.equal(await verifyPassword('', dear), false);
  });
});
