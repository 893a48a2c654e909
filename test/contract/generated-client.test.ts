import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { generateSource } from 'oazapfts';
import { ADMIN_PASSWORD, addUser, api, login, startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * A client generated from /openapi.json by a third-party generator (oazapfts: typed fetch
 * functions per operation; openapi-typescript needs TypeScript 5's compiler API, which the
 * repository's TypeScript 7 does not have, while oazapfts brings its own), type-checked with the
 * repository's compiler under `strict`, then run: it logs in, checks a session and invalidates.
 */
const REPO = fileURLToPath(new URL('../..', import.meta.url));

// Written as an application would, against the generated functions only.
const APPLICATION = `
import { defaults, login, getSession, invalidateSessions, getUserInfo } from './api.ts';

export async function scenario(baseUrl: string, username: string, password: string, other: string) {
  defaults.baseUrl = baseUrl;
  const signedIn = await login({ username, password });
  if (signedIn.status !== 200) throw new Error('login answered ' + signedIn.status);
  const sessionId: string = signedIn.data.sessionId;
  const auth = { headers: { authorization: 'Bearer ' + sessionId } };

  const checked = await getSession(auth);
  if (checked.status !== 200) throw new Error('session answered ' + checked.status);
  const expiresAt: string = checked.data.expiresAt;

  const info = await getUserInfo(auth);
  if (info.status !== 200) throw new Error('userinfo answered ' + info.status);
  const secondsValid: number = info.data.sessionSecondsValid;

  const ended = await invalidateSessions({ sessionIds: [other, 'sd1_unknown'] }, auth);
  if (ended.status !== 200) throw new Error('invalidate answered ' + ended.status);
  const results: Array<{ success: boolean }> = ended.data.results;

  const tooMany = await invalidateSessions({ sessionIds: Array.from({ length: 201 }, (_, i) => 'id-' + i) }, auth);
  const refusal = tooMany.status === 400 ? tooMany.data.errorCode : 'none';

  const stranger = await getSession({ headers: { authorization: 'Bearer sd1_not-a-session' } });
  const strangerCode = stranger.status === 401 ? stranger.data.errorCode : 'none';

  return { handle: checked.data.handle, expiresAt, secondsValid, results, refusal, strangerCode };
}
`;

describe('a client generated from the OpenAPI document', () => {
  let server: TestServer;
  let dir: string;

  before(async () => {
    server = await startTestServer();
    const admin = await login(server.url, 'admin', ADMIN_PASSWORD);
    await addUser(server.url, admin.sessionId, 'gene', 'gene-password-1');
    // Inside the repository, so the generated code finds @oazapfts/runtime in node_modules.
    dir = mkdtempSync(join(REPO, '.tmp-openapi-client-'));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await server.close();
  });

  test('is generated, type-checks under strict, logs in, checks a session and invalidates', async () => {
    writeFileSync(join(dir, 'openapi.json'), await (await fetch(`${server.url}/openapi.json`)).text());
    writeFileSync(join(dir, 'api.ts'), await generateSource(join(dir, 'openapi.json')));
    writeFileSync(join(dir, 'application.ts'), APPLICATION);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          allowImportingTsExtensions: true,
          skipLibCheck: true,
          lib: ['ES2022', 'DOM'],
          types: [],
        },
        files: ['application.ts', 'api.ts'],
      }),
    );

    const tsc = join(REPO, 'node_modules', '.bin', 'tsc');
    const checked = await promisify(execFile)(tsc, ['-p', join(dir, 'tsconfig.json')]).then(
      () => 'ok',
      (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`,
    );
    assert.equal(checked, 'ok', 'the generated client and the application type-check');

    const other = await login(server.url, 'gene', 'gene-password-1');
    const application = (await import(pathToFileURL(join(dir, 'application.ts')).href)) as {
      scenario(baseUrl: string, username: string, password: string, other: string): Promise<Record<string, unknown>>;
    };
    const outcome = await application.scenario(server.url, 'gene', 'gene-password-1', other.sessionId);
    assert.match(String(outcome.handle), /^h_/);
    assert.ok(Number(outcome.secondsValid) > 7000);
    assert.deepEqual(outcome.results, [
      { success: true, errors: [] },
      { success: false, errors: [{ statusCode: 'INVALID_SESSION_ID', message: 'Invalid session ID: unknown, expired, already ended or malformed.', fields: [] }] },
    ]);
    assert.equal(outcome.refusal, 'EXCEEDED_ID_LIMIT');
    assert.equal(outcome.strangerCode, 'INVALID_SESSION_ID');
    assert.equal((await api(server.url, 'GET', '/api/v1/session', { sessionId: other.sessionId })).status, 401, 'the other session ended');
  });

  test('a generated client is refused by a strict type-check when it misuses an answer', async () => {
    // The check above could pass by accident if the generated types were `any`: prove they are not.
    writeFileSync(
      join(dir, 'misuse.ts'),
      `import { login } from './api.ts';\nexport async function wrong() { const r = await login({ username: 'a', password: 'b' }); if (r.status === 200) { const n: number = r.data.sessionId; return n; } return 0; }\n`,
    );
    writeFileSync(
      join(dir, 'tsconfig.misuse.json'),
      JSON.stringify({ extends: './tsconfig.json', files: ['misuse.ts', 'api.ts'] }),
    );
    const tsc = join(REPO, 'node_modules', '.bin', 'tsc');
    const output = await promisify(execFile)(tsc, ['-p', join(dir, 'tsconfig.misuse.json')]).then(
      () => 'compiled',
      (error: { stdout?: string }) => error.stdout ?? '',
    );
    assert.match(output, /misuse\.ts.*Type 'string' is not assignable to type 'number'/s);
  });
});
