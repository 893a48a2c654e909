import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startChildServer, type ChildServer } from '../cli/child-process.ts';
import { CUSTOM_LOGIN_URL, signInRedirect, writeCustomLoginEsm } from '../helpers/custom-login-esm.ts';
import { installedPackages, installProject, packBoth, REPO, runCommand, type Tarballs } from './consumer-project.ts';
import { servePageFromServerOrigin } from './browser-page.ts';
import { launchBrowser, skipUnlessBrowser } from '../helpers/browser.ts';

/**
 * sessiond as its users get it: both packages packed with `npm pack`, installed from the
 * tarballs into fresh projects outside the repository, and used with no loader and no access
 * to this repository's node_modules. The server install compiles better-sqlite3 (about 90 s),
 * so it is done once here and every test uses it.
 */

const PASSWORD = 'consumer-admin-password-1';
const { version } = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
const SERVER_ONLY = ['better-sqlite3', 'pg', 'ioredis', 'fastify'];
const TSC = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');

/** A user's JavaScript: REST and SOAP, login, check, invalidateSessions, logout, plain node. */
const CONSUMER_MJS = `import { Connection, SessiondApiError } from '@sessiond/client';

const [serverUrl, password] = process.argv.slice(2);
const statusOf = async (call) => {
  try {
    await call();
    return 'alive';
  } catch (error) {
    return error instanceof SessiondApiError ? error.statusCode : String(error);
  }
};
const out = {};
for (const transport of ['rest', 'soap']) {
  const a = new Connection({ serverUrl, transport });
  const b = new Connection({ serverUrl, transport });
  const first = await a.login('admin', password);
  const second = await b.login('admin', password);
  const info = await b.getUserInfo();
  const results = await a.invalidateSessions([second.sessionId, 'sd1_not-a-session']);
  const secondAfterInvalidate = await statusOf(() => b.getUserInfo());
  const firstAfterInvalidate = await statusOf(() => a.getUserInfo());
  await a.logout();
  const firstAfterLogout = await statusOf(() => new Connection({ serverUrl, transport, sessionId: first.sessionId }).getUserInfo());
  const tooMany = await statusOf(() => a.invalidateSessions(Array.from({ length: 201 }, (_, i) => 'sd1_' + i)));
  out[transport] = { userName: info.userName, results, secondAfterInvalidate, firstAfterInvalidate, firstAfterLogout, hasSession: a.getConfig().hasSession(), tooMany };
}
console.log(JSON.stringify(out));
`;

/** A user's TypeScript against the client's published types. */
const CONSUMER_TS = `import { Connection, SessiondApiError, SessiondUnavailableError, SessionValidator, type InvalidateResult, type LoginResult, type SessionInfo, type UserInfo } from '@sessiond/client';
import { MAX_IDS_PER_CALL, STATUS_CODES, type StatusCode } from '@sessiond/client/protocol';

export async function endAll(serverUrl: string, ids: readonly string[]): Promise<number> {
  const connection = new Connection({ serverUrl, transport: 'soap', version: '66.0', timeoutMs: 5_000 });
  const login: LoginResult = await connection.login('admin', 'password', 'default');
  const info: UserInfo = await connection.getUserInfo();
  const seconds: number | undefined = info.sessionSecondsValid;
  const results: InvalidateResult[] = await connection.invalidateSessionsAll(ids);
  try {
    await connection.logout();
  } catch (error) {
    if (error instanceof SessiondUnavailableError) return -1;
    if (error instanceof SessiondApiError) {
      const code: string = error.statusCode;
      const known: StatusCode | undefined = code in STATUS_CODES ? (code as StatusCode) : undefined;
      return known ? 0 : -2;
    }
    throw error;
  }
  const expires: Date | undefined = login.expiresAt;
  return results.filter((r) => r.success).length + (seconds ?? 0) * 0 + (expires ? 0 : 0) + MAX_IDS_PER_CALL * 0;
}

export async function whose(serverUrl: string, appSessionId: string, token: string): Promise<string | null> {
  const validator = new SessionValidator({ serverUrl, sessionId: appSessionId, maxStalenessMs: 500, onError: (e: SessiondApiError) => void e.statusCode });
  await validator.start();
  const session: SessionInfo | null = await validator.check(token);
  const cached: number = validator.stats().cacheHits;
  validator.close();
  return session ? \`\${session.username} until \${session.expiresAt.toISOString()} (\${cached})\` : null;
}
`;

/** A user's JavaScript validating sessions in its own process: SessionValidator from the tarball, no loader. */
const VALIDATOR_MJS = `import { Connection, SessionValidator } from '@sessiond/client';

const [serverUrl, password] = process.argv.slice(2);
const app = new Connection({ serverUrl });
await app.login('admin', password);
const validator = new SessionValidator({ serverUrl, sessionId: app.getConfig().getSessionId() });
await validator.start();
const user = new Connection({ serverUrl });
const { sessionId } = await user.login('admin', password);
const before = (await validator.check(sessionId))?.username;
const again = (await validator.check(sessionId))?.username;
await user.logout();
let after = 'still accepted';
for (let i = 0; i < 200 && after !== null; i++) {
  after = await validator.check(sessionId);
  await new Promise((resolve) => setTimeout(resolve, 5));
}
const { serverChecks, connected } = validator.stats();
validator.close();
console.log(JSON.stringify({ before, again, after, serverChecks, connected }));
`;

const TSCONFIG = {
  compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022', 'dom'], types: [], noEmit: true },
};

describe('the packages as a consumer installs them', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'sessiond-consumer-'));
  const clientApp = join(tmp, 'client-app');
  const serverApp = join(tmp, 'server-app');
  let tarballs: Tarballs;
  let server: ChildServer | undefined;

  before(async () => {
    assert.ok(relative(REPO, tmp).startsWith('..'), 'the consumer projects are outside the repository');
    tarballs = await packBoth(tmp);
    await installProject(clientApp, [tarballs.client]);
    // The server's dependency on @sessiond/client is met by the client's tarball, as it will be by the registry.
    await installProject(serverApp, [tarballs.server, tarballs.client], { 'better-sqlite3': true }, 15 * 60_000);
    server = await startChildServer(
      { SESSIOND_STORE: `sqlite:${join(tmp, 'data', 'sessiond.db')}`, SESSIOND_ADMIN_PASSWORD: PASSWORD },
      60_000,
      { file: 'npx', args: ['--no-install', 'sessiond', 'serve'], cwd: serverApp },
    );
  });

  after(async () => {
    await server?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  test('npx sessiond --version prints the package version', async () => {
    const result = await runCommand('npx', ['--no-install', 'sessiond', '--version'], { cwd: serverApp });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${version}\n`);
  });

  test('npx sessiond bench says it runs from a clone (the package ships no bench/)', async () => {
    const result = await runCommand('npx', ['--no-install', 'sessiond', 'bench', '--quick'], { cwd: serverApp });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'sessiond: bench runs from a clone of the sessiond repository (the package does not ship bench/)\n');
  });

  test('npx sessiond serve runs the installed server: it answers /healthz', async () => {
    assert.ok(server);
    assert.match(server.output(), /created the admin user/);
    const res = await fetch(`${server.url}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok', store: 'sqlite' });
  });

  test('the installed server serves the admin console and the stylesheet the web pages share, from the package', async () => {
    assert.ok(server);
    const base: string = server.url;
    for (const path of ['/admin', '/admin/console.js', '/admin/sessions-tab.js', '/admin/users-tab.js', '/admin/audit-tab.js', '/admin/pool-tab.js', '/admin/webhooks-tab.js', '/admin/console.css', '/web/console.css']) {
      const res: Response = await fetch(`${base}${path}`);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/, path);
    }
    const page = await (await fetch(`${base}/web/login`)).text();
    assert.match(page, /href="\/web\/console.css"/);
  });

  test('a plain .mjs file imports @sessiond/client and logs in, invalidates and logs out, with no loader', async () => {
    assert.ok(server);
    writeFileSync(join(clientApp, 'app.mjs'), CONSUMER_MJS);
    const result = await runCommand(process.execPath, ['app.mjs', server.url, PASSWORD], { cwd: clientApp });
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout) as Record<string, unknown>;
    for (const transport of ['rest', 'soap']) {
      assert.deepEqual(out[transport], {
        userName: 'admin',
        results: [
          { success: true, errors: [] },
          { success: false, errors: [{ statusCode: 'INVALID_SESSION_ID', message: 'Invalid session ID: unknown, expired, already ended or malformed.', fields: [] }] },
        ],
        secondAfterInvalidate: 'INVALID_SESSION_ID',
        firstAfterInvalidate: 'alive',
        firstAfterLogout: 'INVALID_SESSION_ID',
        hasSession: false,
        tooMany: 'EXCEEDED_ID_LIMIT',
      }, transport);
    }
  });

  test('a plain .mjs file validates sessions with SessionValidator from the tarball: cached, then refused after a logout', async () => {
    assert.ok(server);
    writeFileSync(join(clientApp, 'validator.mjs'), VALIDATOR_MJS);
    const result = await runCommand(process.execPath, ['validator.mjs', server.url, PASSWORD], { cwd: clientApp });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { before: 'admin', again: 'admin', after: null, serverChecks: 1, connected: true });
  });

  test('TypeScript using the client type-checks under strict and nodenext, without allowImportingTsExtensions or skipLibCheck', async () => {
    writeFileSync(join(clientApp, 'tsconfig.json'), JSON.stringify({ ...TSCONFIG, files: ['app.ts'] }, null, 2));
    writeFileSync(join(clientApp, 'app.ts'), CONSUMER_TS);
    const ok = await runCommand(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: clientApp });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);

    // The types are real: a wrong call is an error, not an `any` that lets it through.
    writeFileSync(join(clientApp, 'tsconfig.wrong.json'), JSON.stringify({ ...TSCONFIG, files: ['wrong.ts'] }, null, 2));
    writeFileSync(join(clientApp, 'wrong.ts'), `import { Connection } from '@sessiond/client';\nawait new Connection({ serverUrl: 'http://x' }).login(42, 'pw');\n`);
    const wrong = await runCommand(process.execPath, [TSC, '-p', 'tsconfig.wrong.json'], { cwd: clientApp });
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stdout, /wrong\.ts.*TS2345/);
  });

  test('the same TypeScript type-checks in a Node project with @types/node and no DOM lib', async () => {
    const nodeApp = join(tmp, 'node-ts-app');
    await installProject(nodeApp, [tarballs.client, '@types/node@^20.19.0']);
    const nodeOnly = { compilerOptions: { ...TSCONFIG.compilerOptions, lib: ['es2022'], types: ['node'] }, files: ['app.ts'] };
    writeFileSync(join(nodeApp, 'tsconfig.json'), JSON.stringify(nodeOnly, null, 2));
    writeFileSync(join(nodeApp, 'app.ts'), CONSUMER_TS);
    const ok = await runCommand(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: nodeApp });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  });

  test('a client-only install holds none of the server dependencies, and the client uses no Node built-in', async () => {
    const clientTree = installedPackages(clientApp);
    assert.ok(clientTree.has('@sessiond/client'));
    for (const name of SERVER_ONLY) assert.ok(!clientTree.has(name), `${name} is not installed with the client`);
    assert.ok(!clientTree.has('sessiond'));
    // The walk does see them where they are: the server's install has them all.
    const serverTree = installedPackages(serverApp);
    for (const name of SERVER_ONLY) assert.ok(serverTree.has(name), `${name} comes with the server`);

    const listed = await runCommand('npm', ['ls', '--all', '--parseable'], { cwd: clientApp });
    assert.equal(listed.code, 0, listed.stderr);
    for (const name of SERVER_ONLY) assert.doesNotMatch(listed.stdout, new RegExp(`node_modules/${name}$`, 'm'));

    const dist = join(clientApp, 'node_modules', '@sessiond', 'client', 'dist');
    const modules = readdirSync(dist, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
    assert.ok(modules.includes('index.js'));
    for (const file of modules) {
      const source = readFileSync(join(dist, file), 'utf8');
      assert.doesNotMatch(source, /(?:from|import\()\s*['"](?:node:|fs['"]|path['"]|crypto['"]|buffer['"])/, `${file} imports a Node built-in`);
      assert.doesNotMatch(source, /\bprocess\.|\bBuffer\b|\brequire\(/, `${file} uses a Node global`);
    }
  });

  test('an ESM in JavaScript loads with plain node; one in TypeScript, without tsx installed, stops the start naming the fix', async () => {
    assert.ok(!installedPackages(serverApp).has('tsx'), 'tsx is an optional peer: not installed with sessiond');
    const esmDir = mkdtempSync(join(tmp, 'esm-'));
    const store = { SESSIOND_STORE: `sqlite:${join(esmDir, 'sessiond.db')}` };

    const js = await startChildServer({ ...store, SESSIOND_ESM: writeCustomLoginEsm(esmDir, 'mjs') }, 60_000, { file: 'npx', args: ['--no-install', 'sessiond', 'serve'], cwd: serverApp });
    try {
      assert.equal(await signInRedirect(js.url), `${CUSTOM_LOGIN_URL}?next=${encodeURIComponent('/web/')}&via=mjs`);
    } finally {
      await js.stop();
    }

    const ts = writeCustomLoginEsm(esmDir, 'ts');
    const result = await runCommand('npx', ['--no-install', 'sessiond', 'serve'], { cwd: serverApp, env: { ...store, PORT: '0', SESSIOND_ESM: ts } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^sessiond: SESSIOND_ESM: cannot load .*custom-login\.ts: .*is TypeScript, which needs tsx .*run `npm install tsx`/m);
    assert.doesNotMatch(result.stderr, /    at /, 'no stack trace');
  });

  test('a page in headless Chromium imports the built client as an ES module and logs in', { skip: skipUnlessBrowser() }, async () => {
    assert.ok(server);
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const requested: string[] = [];
      page.on('request', (request) => requested.push(request.url()));
      const pageUrl = await servePageFromServerOrigin(page, server.url, clientApp, PASSWORD);
      await page.goto(pageUrl);
      await page.waitForFunction(() => (globalThis as { result?: unknown }).result !== undefined);
      const result = await page.evaluate(() => (globalThis as { result?: unknown }).result);
      const expected = { userName: 'admin', sessionIdPrefix: 'sd1_', afterLogout: 'INVALID_SESSION_ID' };
      assert.deepEqual(result, { rest: expected, soap: expected });
      // Same origin: the page and its API calls all go to the server's own origin, no CORS asked.
      const origin = new URL(server.url).origin;
      assert.ok(requested.length > 3);
      for (const url of requested) assert.equal(new URL(url).origin, origin, url);
      assert.ok(requested.some((u) => u.endsWith('/api/v1/login')) && requested.some((u) => u.includes('/services/Soap/u/')));

      // The same page on another origin (localhost instead of 127.0.0.1) is not let in: no CORS.
      const elsewhere = await browser.newPage();
      const otherOrigin = server.url.replace('127.0.0.1', 'localhost');
      await elsewhere.goto(await servePageFromServerOrigin(elsewhere, otherOrigin, clientApp, PASSWORD, server.url));
      await elsewhere.waitForFunction(() => (globalThis as { result?: unknown }).result !== undefined);
      const refused = (await elsewhere.evaluate(() => (globalThis as { result?: unknown }).result)) as { error?: string };
      assert.match(refused.error ?? '', /^NETWORK_ERROR SessiondUnavailableError: sessiond at http:\/\/127\.0\.0\.1:\d+ cannot be reached/);
    } finally {
      await browser.close();
    }
  });
});
