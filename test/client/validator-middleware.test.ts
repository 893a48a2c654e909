import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import { SessionValidator } from '@sessiond/client';
import { sessiondExpress } from '@sessiond/client/express';
import { sessiondFastify } from '@sessiond/client/fastify';
import { ADMIN_PASSWORD, api, login, startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * The Express middleware and the Fastify plugin in front of an application's routes, with a
 * SessionValidator on a real sessiond: the route sees the session, or the caller gets 401
 * (no live session) or 503 (sessiond could not be asked).
 */
describe('Express middleware and Fastify plugin', () => {
  let server: TestServer;
  let validator: SessionValidator;
  let unreachable: SessionValidator;
  const apps: Array<{ name: string; url: string; down: string; close(): Promise<void> }> = [];

  before(async () => {
    server = await startTestServer();
    const admin = await login(server.url, 'admin', ADMIN_PASSWORD);
    validator = new SessionValidator({ serverUrl: server.url, sessionId: admin.sessionId });
    await validator.start();
    unreachable = new SessionValidator({ serverUrl: 'http://127.0.0.1:1', sessionId: admin.sessionId, timeoutMs: 2000 });

    const ex = express();
    ex.use('/api', sessiondExpress(validator));
    ex.get('/api/me', (req, res) => {
      res.json({ user: req.sessiond?.username, handle: req.sessiond?.handle });
    });
    ex.get('/public', (_req, res) => {
      res.json({ public: true });
    });
    ex.use('/down', sessiondExpress(unreachable));
    ex.get('/down/me', (_req, res) => {
      res.json({ reached: true });
    });
    const listening = await new Promise<import('node:http').Server>((resolve) => {
      const s = ex.listen(0, '127.0.0.1', () => resolve(s));
    });
    const exUrl = `http://127.0.0.1:${(listening.address() as AddressInfo).port}`;
    apps.push({
      name: 'Express',
      url: exUrl,
      down: '/down/me',
      close: () => new Promise<void>((resolve) => listening.close(() => resolve())),
    });

    const fa = Fastify();
    fa.get('/public', async () => ({ public: true }));
    await fa.register(async (api) => {
      await api.register(sessiondFastify, { validator });
      api.get('/api/me', async (request) => ({ user: request.sessiond?.username, handle: request.sessiond?.handle }));
    });
    await fa.register(async (down) => {
      await down.register(sessiondFastify, { validator: unreachable });
      down.get('/down/me', async () => ({ reached: true }));
    });
    const faUrl = await fa.listen({ port: 0, host: '127.0.0.1' });
    apps.push({ name: 'Fastify', url: faUrl, down: '/down/me', close: () => fa.close() });
  });

  after(async () => {
    for (const app of apps) await app.close();
    validator.close();
    unreachable.close();
    await server.close();
  });

  const get = (url: string, sessionId?: string) =>
    fetch(url, sessionId === undefined ? {} : { headers: { authorization: `Bearer ${sessionId}` } });

  for (const name of ['Express', 'Fastify']) {
    describe(name, () => {
      const app = () => apps.find((a) => a.name === name)!;

      test('a live session reaches the route with the session on the request', async () => {
        const kim = await login(server.url, 'admin', ADMIN_PASSWORD);
        const res = await get(`${app().url}/api/me`, kim.sessionId);
        assert.equal(res.status, 200);
        assert.deepEqual(await res.json(), { user: 'admin', handle: kim.handle });
      });

      test('no session, a malformed one and an unknown one answer 401 with a sessiond error body; the route never runs', async () => {
        for (const headers of [{} as Record<string, string>, { authorization: 'Basic abc' }, { authorization: 'Bearer' }, { authorization: 'Bearer sd1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }]) {
          const res = await fetch(`${app().url}/api/me`, { headers });
          assert.equal(res.status, 401, JSON.stringify(headers));
          assert.equal(res.headers.get('www-authenticate'), 'Bearer');
          const body = (await res.json()) as { errorCode: string };
          assert.equal(body.errorCode, 'INVALID_SESSION_ID');
        }
      });

      test('a session that ended answers 401', async () => {
        const kim = await login(server.url, 'admin', ADMIN_PASSWORD);
        assert.equal((await get(`${app().url}/api/me`, kim.sessionId)).status, 200);
        assert.equal((await api(server.url, 'POST', '/api/v1/logout', { sessionId: kim.sessionId })).status, 200);
        const deadline = Date.now() + 1000; // the validator's fail-safe bound
        let status = 200;
        while (status === 200 && Date.now() < deadline) status = (await get(`${app().url}/api/me`, kim.sessionId)).status;
        assert.equal(status, 401);
      });

      test('routes outside the middleware are not checked', async () => {
        const res = await fetch(`${app().url}/public`);
        assert.equal(res.status, 200);
      });

      test('when sessiond cannot be asked, the answer is 503, not a pass', async () => {
        const kim = await login(server.url, 'admin', ADMIN_PASSWORD);
        const res = await get(`${app().url}${app().down}`, kim.sessionId);
        assert.equal(res.status, 503);
        assert.equal(((await res.json()) as { errorCode: string }).errorCode, 'SERVICE_UNAVAILABLE');
      });
    });
  }
});
