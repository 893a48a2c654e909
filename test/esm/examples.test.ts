import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { EsmLoadError, loadEsm } from '../../src/esm/load-esm.ts';
import { WebClient } from '../web/web-client.ts';
import { PASSWORD, SERVICE_PASSWORD, setupWeb } from '../web/web-setup.ts';

/** The example modules in src/esm/examples/, run as an operator would configure them. */

const example = (name: string) => fileURLToPath(new URL(`../../src/esm/examples/${name}`, import.meta.url));
const SECRET = 'proxy-secret-0123456789-abcdefghij';

describe('src/esm/examples/shared-principal.ts', () => {
  const env = {
    SESSIOND_ESM: example('shared-principal.ts'),
    SESSIOND_ESM_SERVICE_LOGIN: 'svc',
    SESSIOND_ESM_SERVICE_PASSWORD: SERVICE_PASSWORD,
  };

  test('people sign in with their own password, run as the service principal, and the next person gets the same pooled session', async () => {
    const w = await setupWeb(env);
    try {
      assert.equal((await new WebClient(w.url).login('alice', 'wrong-password-1')).status, 401, 'the person’s own password is checked');
      const alice = new WebClient(w.url);
      assert.equal((await alice.login('alice', PASSWORD)).status, 303);
      const page = await alice.get('/web/projects/default');
      assert.match(page.html, /id="login">svc</);
      assert.match(page.html, /id="user">alice</);
      const handle = WebClient.handleOf(page.html)!;
      await alice.logout();
      const pool = await w.pool();
      assert.deepEqual(pool.entries.map((e) => [JSON.parse(e.key), e.handle]), [[['local', 'default', 'svc'], handle]]);

      const bob = new WebClient(w.url);
      await bob.login('bob', PASSWORD);
      const bobs = await bob.get('/web/projects/default');
      assert.equal(WebClient.handleOf(bobs.html), handle, 'bob is handed the session alice released');
      assert.match(bobs.html, /id="user">bob</);
      assert.equal((await w.pool()).hits, 1);
    } finally {
      await w.s.close();
    }
  });

  test('without its settings it refuses to load', async () => {
    await assert.rejects(loadEsm(example('shared-principal.ts'), { settings: {} }), (e: unknown) => e instanceof EsmLoadError);
  });
});

describe('src/esm/examples/trusted-proxy-header.ts', () => {
  const env = (addresses: string) => ({
    SESSIOND_ESM: example('trusted-proxy-header.ts'),
    SESSIOND_ESM_TRUSTED_PROXY_ADDRESSES: addresses,
    SESSIOND_ESM_PROXY_SECRET: SECRET,
    SESSIOND_ESM_SERVICE_LOGIN: 'svc',
    SESSIOND_ESM_SERVICE_PASSWORD: SERVICE_PASSWORD,
  });

  test('the proxy’s header signs the person in (COLLECT_SESSION_NOW); a forged or unsigned header is ignored', async () => {
    const w = await setupWeb(env('127.0.0.1'));
    try {
      const forged = await new WebClient(w.url, { 'x-forwarded-user': 'alice' }).get('/web/');
      assert.match(forged.location!, /^\/web\/login\?/, 'no secret: the stock login');
      const wrong = await new WebClient(w.url, { 'x-forwarded-user': 'alice', 'x-proxy-secret': SECRET.replace('p', 'q') }).get('/web/');
      assert.match(wrong.location!, /^\/web\/login\?/, 'wrong secret: the stock login');

      const proxied = new WebClient(w.url, { 'x-forwarded-user': 'alice', 'x-proxy-secret': SECRET });
      const first = await proxied.get('/web/');
      assert.equal(first.status, 303);
      assert.equal(first.location, '/web/');
      const home = await proxied.get('/web/');
      assert.match(home.html, /Signed in as <strong>alice<\/strong>/);
      const crm = await proxied.get('/web/projects/crm');
      assert.equal(crm.status, 200);
      assert.match(crm.html, /id="login">svc</);

      // The same cookie through the proxy for another person is refused.
      const other = await proxied.get('/web/', { 'x-forwarded-user': 'mallory' });
      assert.equal(other.status, 403);

      assert.equal((await w.handlesOf('svc')).length, 2);
      assert.equal((await proxied.logout()).status, 303);
      assert.deepEqual(await w.handlesOf('svc'), [], 'closed on logout (the default)');
    } finally {
      await w.s.close();
    }
  });

  test('a request from an address that is not the proxy is not trusted, even with the secret', async () => {
    const w = await setupWeb(env('10.9.9.9'));
    try {
      const res = await new WebClient(w.url, { 'x-forwarded-user': 'alice', 'x-proxy-secret': SECRET }).get('/web/');
      assert.match(res.location!, /^\/web\/login\?/);
      assert.deepEqual(await w.handlesOf('svc'), []);
    } finally {
      await w.s.close();
    }
  });

  test('a short secret or no proxy address refuses to load', async () => {
    await assert.rejects(loadEsm(example('trusted-proxy-header.ts'), { settings: { TRUSTED_PROXY_ADDRESSES: '127.0.0.1', PROXY_SECRET: 'short', SERVICE_LOGIN: 's', SERVICE_PASSWORD: 'p' } }), /at least 32/);
    await assert.rejects(loadEsm(example('trusted-proxy-header.ts'), { settings: { PROXY_SECRET: SECRET, SERVICE_LOGIN: 's', SERVICE_PASSWORD: 'p' } }), /TRUSTED_PROXY_ADDRESSES/);
  });
});

describe('src/esm/examples/template.ts', () => {
  test('the template behaves as the default module: sign in, then every session is closed on logout', async () => {
    const w = await setupWeb({ SESSIOND_ESM: example('template.ts') }, ['alice']);
    try {
      const alice = new WebClient(w.url);
      assert.equal((await alice.login('alice', PASSWORD)).status, 303);
      assert.equal((await alice.get('/web/projects/crm')).status, 200);
      assert.equal((await alice.logout()).status, 303);
      assert.deepEqual(await w.handlesOf('alice'), []);
      assert.equal((await w.pool()).entries.length, 0);
    } finally {
      await w.s.close();
    }
  });
});
