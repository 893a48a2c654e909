import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { startChildServer } from '../cli/child-process.ts';
import { CUSTOM_LOGIN_URL, signInRedirect, writeCustomLoginEsm } from '../helpers/custom-login-esm.ts';

/**
 * The real `sessiond serve` (plain node, no loader on its command line) loads an ESM written in
 * JavaScript by itself and one written in TypeScript through tsx's API (tsx is installed here as
 * a dev dependency; without it the consumer test sees the error that names the fix).
 */
describe('SESSIOND_ESM file types in the compiled server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sessiond-esm-types-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const kind of ['mjs', 'js', 'ts'] as const) {
    test(`a .${kind} module is loaded and used`, async () => {
      const moduleDir = mkdtempSync(join(dir, `${kind}-`));
      // A .js module is ESM only when its package says so, as in any Node project.
      if (kind === 'js') writeFileSync(join(moduleDir, 'package.json'), '{"type":"module"}\n');
      const esm = writeCustomLoginEsm(moduleDir, kind);
      const server = await startChildServer({ SESSIOND_STORE: `sqlite:${join(moduleDir, 'sessiond.db')}`, SESSIOND_ESM: esm, SESSIOND_ESM_VIA: 'settings' });
      try {
        assert.match(server.output(), /external security module loaded/);
        const location = await signInRedirect(server.url);
        const via = kind === 'ts' ? 'settings' : kind;
        assert.equal(location, `${CUSTOM_LOGIN_URL}?next=${encodeURIComponent('/web/')}&via=${via}`);
      } finally {
        await server.stop();
      }
    });
  }

  test('a TypeScript module with a syntax error stops the start with the file named', async () => {
    const file = join(dir, 'broken.ts');
    writeFileSync(file, 'export default class {\n  handlesAuthenticationRequest( { return 1 }\n}\n');
    await assert.rejects(startChildServer({ SESSIOND_STORE: `sqlite:${join(dir, 'broken.db')}`, SESSIOND_ESM: file }), (e: Error) => {
      assert.match(e.message, /sessiond: SESSIOND_ESM: cannot load .*broken\.ts/);
      assert.doesNotMatch(e.message, /unexpected error/);
      return true;
    });
  });
});
