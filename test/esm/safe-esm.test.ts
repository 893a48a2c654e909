import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { SafeEsm } from '../../src/esm/safe-esm.ts';
import { RequestKeyValues } from '../../src/esm/request-keys.ts';
import type { ContainerServices, ServerSession } from '../../src/esm/types.ts';
import { createLogger } from '../../src/observability/logger.ts';

/**
 * The safe answers: whatever a module does (throw, hang, answer the wrong type), each hook
 * answers what is safe (not authorized, close the session, refuse the login), logged with its cause.
 */
function harness(module: object, timeoutMs = 100) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _e, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const esm = new SafeEsm(module, createLogger('info', sink), (v: unknown): v is ServerSession => false, timeoutMs);
  return { esm, log: () => lines.join('') };
}

const keys = new RequestKeyValues();
const c = {} as ContainerServices; // never touched by these modules
const user = { getHandle: () => 'h_x' } as ServerSession;

describe('SafeEsm', () => {
  test('a hook that throws, hangs or answers a wrong type gets the safe answer, logged with an error ID', async () => {
    const modules = {
      throws: () => {
        throw new Error('boom in the module');
      },
      hangs: () => new Promise(() => {}),
      wrongType: () => 'true',
      rejects: () => Promise.reject(new Error('async boom')),
    };
    for (const [name, fn] of Object.entries(modules)) {
      const { esm, log } = harness({ closeSessionOnLogout: fn, isRequestAuthorized: fn, processLoginForm: fn, handlesAuthenticationRequest: fn, getServerSession: fn });
      assert.equal(await esm.closeSessionOnLogout(keys, c, user), true, `${name}: close the session`);
      assert.equal(await esm.isRequestAuthorized(keys, c, user), false, `${name}: not authorized`);
      assert.equal(await esm.processLoginForm(keys, c, {} as never, 'LOGIN_FIRST'), false, `${name}: refuse the login`);
      assert.equal(await esm.handlesAuthenticationRequest(keys, c, 'NO_SESSION_FOUND'), 'USE_DEFAULT_LOGIN');
      assert.equal(await esm.getServerSession(keys, c), null);
      assert.match(log(), /"errorId":"[0-9a-f-]{36}"/);
      assert.match(log(), /"hook":"closeSessionOnLogout"/);
    }
  });

  test('a session the module made up itself is refused', async () => {
    const { esm, log } = harness({ getServerSession: () => ({ getSessionID: () => 'sd1_forged' }) });
    assert.equal(await esm.getServerSession(keys, c), null);
    assert.doesNotMatch(log(), /sd1_forged/, 'the wrong answer’s content is not logged');
  });

  test('missing hooks and hooks that are not functions behave as the default module', async () => {
    const { esm } = harness({ closeSessionOnLogout: 'no' });
    assert.equal(await esm.closeSessionOnLogout(keys, c, user), true);
    assert.equal(await esm.isRequestAuthorized(keys, c, user), true);
    assert.equal(await esm.processLoginForm(keys, c, {} as never, 'LOGIN_FIRST'), true);
    assert.equal(await esm.canReconnectSession(c, user, 'SESSION_ENDED'), false);
    assert.equal(await esm.getFailureURL('AUTHORIZATION_REQUEST', c), null);
  });

  test('a good answer passes through, sync or async', async () => {
    const { esm } = harness({ closeSessionOnLogout: async () => false, isRequestAuthorized: () => true, getFailureURL: () => '/web/denied' });
    assert.equal(await esm.closeSessionOnLogout(keys, c, user), false);
    assert.equal(await esm.isRequestAuthorized(keys, c, user), true);
    assert.equal(await esm.getFailureURL('AUTHORIZATION_REQUEST', c), '/web/denied');
  });
});

describe('RequestKeys', () => {
  test('names are case-insensitive; all values comma-joined; the first value’s source', () => {
    const k = new RequestKeyValues().add('query', { Report: 'a' }).add('form', { report: ['b', 'c'] }).add('session', { theme: 'dark' });
    assert.equal(k.getValue('REPORT'), 'a,b,c');
    assert.deepEqual(k.getValues('report'), ['a', 'b', 'c']);
    assert.equal(k.getSource('report'), 'query');
    assert.equal(k.getSource('theme'), 'session');
    assert.equal(k.getValue('missing'), undefined);
    assert.deepEqual(k.names().sort(), ['report', 'theme']);
  });
});
