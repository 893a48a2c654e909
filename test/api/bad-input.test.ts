import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_PASSWORD, api, login, startTestServer, startTestServerAsAdmin, type TestServer } from '../helpers/server.ts';

/**
 * Bad input from outside gets a clear 4xx naming what is wrong and changes nothing: never a
 * 500, never a stack trace.
 */

interface Case {
  name: string;
  method: string;
  path: string;
  rawBody?: string;
  body?: unknown;
  headers?: Record<string, string>;
  status: number;
  code: string;
  names: RegExp;
}

describe('bad input over REST', () => {
  let t: TestServer;
  let admin: string;

  before(async () => {
    ({ t, admin } = await startTestServerAsAdmin());
  });
  after(() => t.close());

  const cases = (): Case[] => [
    { name: 'malformed JSON', method: 'POST', path: '/api/v1/login', rawBody: '{"username":"admin",', status: 400, code: 'INVALID_REQUEST', names: /not valid JSON/ },
    { name: 'absurdly nested JSON', method: 'POST', path: '/api/v1/login', rawBody: '['.repeat(100_000), status: 400, code: 'INVALID_REQUEST', names: /JSON/ },
    { name: 'empty JSON body', method: 'POST', path: '/api/v1/login', rawBody: '', headers: { 'content-type': 'application/json' }, status: 400, code: 'INVALID_REQUEST', names: /empty/ },
    { name: 'no body at all', method: 'POST', path: '/api/v1/login', status: 400, code: 'INVALID_REQUEST', names: /body.*object/ },
    { name: 'JSON null', method: 'POST', path: '/api/v1/login', rawBody: 'null', status: 400, code: 'INVALID_REQUEST', names: /body.*object/ },
    { name: 'JSON array', method: 'POST', path: '/api/v1/login', body: ['admin', ADMIN_PASSWORD], status: 400, code: 'INVALID_REQUEST', names: /body.*object/ },
    { name: 'wrong types', method: 'POST', path: '/api/v1/login', body: { username: 5, password: ['x'] }, status: 400, code: 'INVALID_REQUEST', names: /body\.username.*string.*body\.password/ },
    { name: 'missing field', method: 'POST', path: '/api/v1/login', body: { username: 'admin' }, status: 400, code: 'INVALID_REQUEST', names: /body\.password/ },
    { name: 'unknown field', method: 'POST', path: '/api/v1/login', body: { username: 'admin', password: ADMIN_PASSWORD, rememberMe: true }, status: 400, code: 'INVALID_REQUEST', names: /rememberMe/ },
    { name: 'over-long password', method: 'POST', path: '/api/v1/login', body: { username: 'admin', password: 'p'.repeat(5000) }, status: 400, code: 'INVALID_REQUEST', names: /body\.password/ },
    { name: 'over-long username', method: 'POST', path: '/api/v1/login', body: { username: 'u'.repeat(5000), password: 'x' }, status: 400, code: 'INVALID_REQUEST', names: /body\.username/ },
    { name: 'oversized body', method: 'POST', path: '/api/v1/login', body: { username: 'admin', password: 'x', pad: 'y'.repeat(300 * 1024) }, status: 413, code: 'REQUEST_TOO_LARGE', names: /larger/ },
    { name: 'oversized invalidate body', method: 'POST', path: '/api/v1/sessions/invalidate', body: { sessionIds: Array.from({ length: 20_000 }, () => 'sd1_' + 'A'.repeat(43)) }, headers: { authorization: `Bearer ${admin}` }, status: 413, code: 'REQUEST_TOO_LARGE', names: /larger/ },
    { name: 'XML where JSON is expected', method: 'POST', path: '/api/v1/login', rawBody: '<login/>', headers: { 'content-type': 'application/xml' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', names: /JSON/ },
    { name: 'text where JSON is expected', method: 'POST', path: '/api/v1/login', rawBody: 'username=admin', headers: { 'content-type': 'text/plain' }, status: 400, code: 'INVALID_REQUEST', names: /body.*object/ },
    { name: 'wrong type in a list', method: 'POST', path: '/api/v1/sessions/invalidate', body: { sessionIds: ['a', { id: 'b' }] }, headers: { authorization: `Bearer ${admin}` }, status: 400, code: 'INVALID_REQUEST', names: /sessionIds\[1\]/ },
    { name: 'unknown route', method: 'GET', path: '/api/v1/nothing-here', status: 404, code: 'NOT_FOUND', names: /nothing-here/ },
    { name: 'wrong method', method: 'DELETE', path: '/api/v1/login', status: 404, code: 'NOT_FOUND', names: /DELETE/ },
    { name: 'bad query', method: 'GET', path: '/api/v1/admin/sessions?limit=-1', headers: { authorization: `Bearer ${admin}` }, status: 400, code: 'INVALID_REQUEST', names: /limit/ },
    { name: 'forged cursor', method: 'GET', path: `/api/v1/admin/sessions?cursor=${Buffer.from('[1e400,"h_x"]').toString('base64url')}`, headers: { authorization: `Bearer ${admin}` }, status: 400, code: 'INVALID_REQUEST', names: /cursor/ },
    { name: 'prototype poisoning', method: 'POST', path: '/api/v1/admin/users', rawBody: '{"username":"eve","password":"eve-password-1","__proto__":{"admin":true}}', headers: { authorization: `Bearer ${admin}` }, status: 400, code: 'INVALID_REQUEST', names: /JSON/ },
  ];

  test('each bad input gets its 4xx and a message naming the problem, never a 500 or a stack trace', async () => {
    for (const c of cases()) {
      const res = await api(t.url, c.method, c.path, {
        ...(c.rawBody !== undefined ? { rawBody: c.rawBody } : {}),
        ...(c.body !== undefined ? { body: c.body } : {}),
        ...(c.headers ? { headers: c.headers } : {}),
      });
      assert.equal(res.status, c.status, `${c.name}: ${JSON.stringify(res.body).slice(0, 200)}`);
      assert.deepEqual(Object.keys(res.body).sort(), ['errorCode', 'message'], c.name);
      assert.equal(res.body.errorCode, c.code, c.name);
      assert.match(res.body.message, c.names, `${c.name}: ${res.body.message}`);
      assert.doesNotMatch(res.body.message, /\n\s+at |node_modules|\.ts:\d+/, `${c.name} leaks internals`);
    }
    assert.doesNotMatch(t.logText(), /"level":50/, 'no bad input was logged as a server error');
  });

  test('bad input changed nothing: no user was made, the admin session still works', async () => {
    const users = await api(t.url, 'GET', '/api/v1/admin/users', { sessionId: admin });
    assert.equal(users.status, 200);
    assert.deepEqual(users.body.users.map((u: { username: string }) => u.username), ['admin']);
  });

  test('a smaller configured body limit is honoured', async () => {
    const small = await startTestServer({ SESSIOND_BODY_LIMIT_BYTES: '1024' });
    try {
      const res = await api(small.url, 'POST', '/api/v1/login', { body: { username: 'admin', password: 'x'.repeat(1100) } });
      assert.equal(res.status, 413);
      assert.equal(res.body.errorCode, 'REQUEST_TOO_LARGE');
    } finally {
      await small.close();
    }
  });
});
