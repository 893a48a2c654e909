import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createSessiond, type Sessiond, type SessiondOptions } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/observability/logger.ts';

export const ADMIN_PASSWORD = 'admin-test-password-1';

export interface TestServer {
  url: string;
  server: Sessiond;
  /** Everything the server logged, as text (for "no secret in the log" checks). */
  logText(): string;
  dir: string;
  close(): Promise<void>;
}

/**
 * Starts a real sessiond on 127.0.0.1 and a free port, on a throwaway SQLite file unless the
 * env names another store. Low scrypt cost keeps tests fast; everything else is as shipped.
 */
export async function startTestServer(env: Record<string, string> = {}, options: SessiondOptions = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sessiond-test-'));
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    SESSIOND_STORE: `sqlite:${join(dir, 'sessiond.db')}`,
    SESSIOND_ADMIN_PASSWORD: ADMIN_PASSWORD,
    SESSIOND_SCRYPT_N: '1024',
    SESSIOND_ARGON2_MEMORY_KIB: '1024',
    SESSIOND_ARGON2_TIME_COST: '1',
    SESSIOND_LOG_LEVEL: 'debug',
    ...env,
  });
  const server = await createSessiond(config, { logger: createLogger(config.logLevel, sink), ...options });
  const url = await server.listen();
  return {
    url,
    server,
    dir,
    logText: () => lines.join(''),
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A test server (as startTestServer) with the admin logged in over REST: most API suites start so. */
export async function startTestServerAsAdmin(env: Record<string, string> = {}): Promise<{ t: TestServer; admin: string }> {
  const t = await startTestServer(env);
  return { t, admin: (await login(t.url, 'admin', ADMIN_PASSWORD)).sessionId };
}

export interface JsonResponse<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** A small JSON-over-HTTP helper for tests. */
export async function api<T = any>(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; sessionId?: string; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.sessionId !== undefined) headers.authorization = `Bearer ${options.sessionId}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  const res = await fetch(base + path, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: tests see the text
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

/** Logs in over REST and answers the login body; throws unless 200. */
export async function login(base: string, username: string, password: string, project?: string) {
  const res = await api<{ sessionId: string; handle: string; userId: string }>(base, 'POST', '/api/v1/login', {
    body: { username, password, ...(project ? { project } : {}) },
  });
  if (res.status !== 200) throw new Error(`login ${username} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Creates a user through the admin API. */
export async function addUser(base: string, adminSessionId: string, username: string, password: string, admin = false) {
  const res = await api(base, 'POST', '/api/v1/admin/users', { sessionId: adminSessionId, body: { username, password, admin } });
  if (res.status !== 201) throw new Error(`add user ${username} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as { userId: string; username: string };
}
