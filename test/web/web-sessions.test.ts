import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { MemoryWebSessions } from '../../src/store/memory/memory-web-sessions.ts';
import { WebSessions, type HeldSession } from '../../src/web/web-sessions.ts';

/**
 * WebSessions.update applies a change to the freshest stored copy. Re-reading a copy nobody
 * changed skips decrypting it again; these cases hold that shortcut to the same answers as a
 * full read: another tab's change is never lost, and a web session that ended is never saved.
 */
const held = (project: string): HeldSession => ({ sessionId: `sd1_${project}`, handle: `h_${project}`, login: 'alice', project, poolKey: `k_${project}`, variables: {} });

function setup() {
  const store = new MemoryWebSessions();
  const web = new WebSessions(store, new ManualClock(1_000_000), { idleTimeoutMs: 60_000, absoluteLifetimeMs: 3_600_000 });
  return { store, web };
}

describe('WebSessions.update', () => {
  test('two tabs that loaded the same web session each add a project: both are kept', async () => {
    const { web } = setup();
    const created = await web.create(WebSessions.newData('alice', { login: 'alice', password: 'pw' }, {}));
    const tab1 = (await web.load(created.id))!;
    const tab2 = (await web.load(created.id))!;
    assert.equal(await web.update(tab1, (d) => void (d.sessions.a = held('a'))), true);
    assert.equal(await web.update(tab2, (d) => void (d.sessions.b = held('b'))), true);
    const stored = (await web.load(created.id))!;
    assert.deepEqual(Object.keys(stored.data.sessions).sort(), ['a', 'b']);
    // The same copy updated again (nothing changed meanwhile) still sees its own earlier change.
    assert.equal(await web.update(tab2, (d) => void (d.sessions.c = held('c'))), true);
    assert.deepEqual(Object.keys((await web.load(created.id))!.data.sessions).sort(), ['a', 'b', 'c']);
  });

  test('an in-memory change a caller made outside `change` is not saved by the shortcut', async () => {
    const { web } = setup();
    const created = await web.create(WebSessions.newData('alice', null, { colour: 'blue' }));
    const tab = (await web.load(created.id))!;
    tab.data.user = 'mallory';
    assert.equal(await web.update(tab, (d) => void (d.vars.colour = 'green')), true);
    const stored = (await web.load(created.id))!;
    assert.equal(stored.data.user, 'alice');
    assert.equal(stored.data.vars.colour, 'green');
  });

  test('a web session deleted meanwhile is not saved', async () => {
    const { web } = setup();
    const created = await web.create(WebSessions.newData('alice', null, {}));
    const tab = (await web.load(created.id))!;
    await web.destroy(tab);
    assert.equal(await web.update(tab, (d) => void (d.sessions.a = held('a'))), false);
    assert.equal(await web.load(created.id), null);
  });
});
