import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import Fastify from 'fastify';
import { z } from 'zod';
import { registerApiDocument } from '../../src/api/rest/openapi.ts';
import { launchBrowser, skipUnlessBrowser } from '../helpers/browser.ts';
import { ADMIN_PASSWORD, login, startTestServer, type TestServer } from '../helpers/server.ts';

/**
 * /openapi.json is a valid OpenAPI 3.1 document describing every REST route, generated from
 * the routes' contracts; /docs shows it, from files served here only.
 */
type Operation = { operationId: string; security: unknown[]; responses: Record<string, unknown>; tags: string[] };
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, unknown> } };

describe('the OpenAPI document', () => {
  let server: TestServer;
  let doc: Doc;

  before(async () => {
    server = await startTestServer();
    const res = await fetch(`${server.url}/openapi.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    doc = (await res.json()) as Doc;
  });
  after(() => server.close());

  test('validates as OpenAPI 3.1 (@seriousme/openapi-schema-validator)', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc as unknown as Record<string, unknown>);
    assert.equal(validator.version, '3.1');
    assert.deepEqual(result.errors ?? [], []);
    assert.equal(result.valid, true);
  });

  test('describes every REST route, and nothing that is not REST', () => {
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    assert.deepEqual(operations.sort(), [
      'DELETE /api/v1/admin/pool/{handle}',
      'DELETE /api/v1/admin/users/{username}',
      'GET /api/v1/admin/audit',
      'GET /api/v1/admin/pool',
      'GET /api/v1/admin/sessions',
      'GET /api/v1/admin/users',
      'GET /api/v1/events',
      'GET /api/v1/me/sessions',
      'GET /api/v1/session',
      'GET /api/v1/timestamp',
      'GET /api/v1/userinfo',
      'GET /healthz',
      'GET /livez',
      'GET /metrics',
      'GET /readyz',
      'PATCH /api/v1/admin/users/{username}',
      'POST /api/v1/admin/sessions/invalidate',
      'POST /api/v1/admin/users',
      'POST /api/v1/admin/users/{username}/activate',
      'POST /api/v1/admin/users/{username}/deactivate',
      'POST /api/v1/admin/users/{username}/password',
      'POST /api/v1/admin/users/{username}/sessions/invalidate',
      'POST /api/v1/login',
      'POST /api/v1/logout',
      'POST /api/v1/me/password',
      'POST /api/v1/me/sessions/invalidate',
      'POST /api/v1/me/sessions/invalidate-others',
      'POST /api/v1/sessions/invalidate',
    ]);
  });

  test('the Bearer scheme guards every call but login and the operator routes; every call has an operationId', () => {
    assert.deepEqual(doc.components.securitySchemes.bearer, {
      type: 'http',
      scheme: 'bearer',
      description: 'The session ID that POST /api/v1/login answers.',
    });
    const ids = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const open = ['/api/v1/login', '/healthz', '/livez', '/readyz', '/metrics'].includes(path);
        assert.deepEqual(op.security, open ? [] : [{ bearer: [] }], `${method} ${path}`);
        if (!open) assert.ok(op.responses['401'], `${method} ${path} documents 401`);
        assert.ok(op.operationId && !ids.has(op.operationId), `${method} ${path}: a unique operationId`);
        ids.add(op.operationId);
      }
    }
  });

  test('a route under /api/ without a contract stops the document from being built, naming the route', async () => {
    const app = Fastify();
    await registerApiDocument(app);
    app.get('/api/v1/undocumented', async () => ({ ok: true }));
    app.get('/web/page', async () => 'a page, not part of the API');
    await app.ready();
    assert.throws(() => app.swagger(), /GET \/api\/v1\/undocumented has no route contract/);
    await app.close();
  });

  test('input is validated with the same schemas the document shows', async () => {
    const app = Fastify();
    await registerApiDocument(app);
    const body = z.object({ n: z.number().int().max(3) }).strict();
    app.post('/echo', { schema: { tags: ['Operations'], body, response: { 200: body } } }, async (request) => request.body);
    await app.ready();
    const ok = await app.inject({ method: 'POST', url: '/echo', payload: { n: 2 } });
    assert.equal(ok.statusCode, 200);
    const bad = await app.inject({ method: 'POST', url: '/echo', payload: { n: 9 } });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /body\.n: Too big/);
    const documented = (app.swagger() as unknown as Doc).paths['/echo']!.post as unknown as { requestBody: { content: Record<string, { schema: unknown }> } };
    assert.deepEqual(documented.requestBody.content['application/json']!.schema, {
      type: 'object',
      properties: { n: { type: 'integer', minimum: Number.MIN_SAFE_INTEGER, maximum: 3 } },
      required: ['n'],
      additionalProperties: false,
    });
    await app.close();
  });
});

describe('the API reference at /docs', { skip: skipUnlessBrowser() }, () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
    await login(server.url, 'admin', ADMIN_PASSWORD);
  });
  after(() => server.close());

  test('renders every operation from files served here, under a strict Content Security Policy', async () => {
    const res = await fetch(`${server.url}/docs`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'; script-src 'self'/);

    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      const elsewhere: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith(server.url) || url.startsWith('data:')) return route.continue();
        elsewhere.push(url);
        return route.abort();
      });
      await page.goto(`${server.url}/docs`);
      await page.waitForSelector('.opblock-summary-path', { timeout: 15_000 });
      const paths = await page.$$eval('.opblock-summary-path', (nodes) => nodes.map((n) => n.textContent?.trim() ?? ''));
      for (const path of ['/api/v1/login', '/api/v1/sessions/invalidate', '/api/v1/admin/users/{username}/sessions/invalidate', '/healthz']) {
        assert.ok(paths.some((p) => p.replace(/\u200b/g, '') === path), `${path} is shown (got ${paths.join(', ')})`);
      }
      assert.ok(await page.getByText('sessiond REST API').first().isVisible());
      assert.deepEqual(elsewhere, [], 'nothing is fetched from anywhere but this server');
      assert.deepEqual(problems, [], 'no script error and no Content Security Policy violation');
    } finally {
      await browser.close();
    }
  });
});
