import { fileURLToPath } from 'node:url';
import { ADMIN_PASSWORD, addUser, api, login, startTestServer, type TestServer } from '../helpers/server.ts';
import type { HookCall } from './fixtures/recording-esm.ts';

export const PASSWORD = 'web-test-password-1';
export const SERVICE_PASSWORD = 'service-password-1';
export const RECORDING_ESM = fileURLToPath(new URL('./fixtures/recording-esm.ts', import.meta.url));

export interface WebSetup {
  s: TestServer;
  url: string;
  admin: string;
  /** Live server-session handles of a user at this server. */
  handlesOf(username: string): Promise<string[]>;
  pool(): Promise<PoolBody>;
  calls(tag?: string): HookCall[];
}

export interface PoolBody {
  entries: Array<{ key: string; handle: string; project: string; login: string; idleSeconds: number }>;
  hits: number;
  misses: number;
  evictions: number;
}

/** A running server with the users the web tests sign in as (and `svc`, a shared principal). */
export async function setupWeb(env: Record<string, string> = {}, users = ['alice', 'bob', 'carol']): Promise<WebSetup> {
  const s = await startTestServer(env);
  try {
    let admin = (await login(s.url, 'admin', ADMIN_PASSWORD)).sessionId;
    // Tests with short idle timeouts outlive the admin's own session: sign in again when refused.
    const asAdmin = async <T>(path: string) => {
      let res = await api<T>(s.url, 'GET', path, { sessionId: admin });
      if (res.status === 401) {
        admin = (await login(s.url, 'admin', ADMIN_PASSWORD)).sessionId;
        res = await api<T>(s.url, 'GET', path, { sessionId: admin });
      }
      return res;
    };
    for (const u of users) await addUser(s.url, admin, u, PASSWORD);
    await addUser(s.url, admin, 'svc', SERVICE_PASSWORD);
    return {
      s,
      url: s.url,
      get admin() {
        return admin;
      },
      async handlesOf(username) {
        const res = await asAdmin<{ sessions: Array<{ handle: string }> }>(`/api/v1/admin/sessions?username=${username}`);
        return res.body.sessions.map((x) => x.handle);
      },
      async pool() {
        const res = await asAdmin<PoolBody>('/api/v1/admin/pool');
        if (res.status !== 200) throw new Error(`pool view answered ${res.status}`);
        return res.body;
      },
      calls: (tag = 'default') => globalThis.esmRecords?.[tag] ?? [],
    };
  } catch (error) {
    await s.close();
    throw error;
  }
}
