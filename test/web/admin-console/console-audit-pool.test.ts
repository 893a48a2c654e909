import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { AUDIT_EVENT_NAMES } from '../../../src/core/types.ts';
import { launchBrowser, skipUnlessBrowser } from '../../helpers/browser.ts';
import { ADMIN_PASSWORD, addUser, api, login, startTestServer, type TestServer } from '../../helpers/server.ts';
import { WebClient } from '../web-client.ts';
import { RECORDING_ESM } from '../web-setup.ts';
import { activeId, adminConsole, answerConfirm, loginAs, message, openTab, screenshot } from './console-page.ts';

/** The Audit and Pool tabs in a real browser. */

const skip = skipUnlessBrowser();

describe('admin console: the Audit and Pool tabs', { skip }, () => {
  let server: TestServer;
  let browser: Browser;
  let admin: string;
  let page: Page;
  const ginas: string[] = [];

  before(async () => {
    // The recording module keeps server sessions on web logout, so they go into the pool.
    server = await startTestServer({ SESSIOND_ESM: RECORDING_ESM, SESSIOND_ESM_CLOSE: 'false' });
    browser = await launchBrowser();
    admin = (await login(server.url, 'admin', ADMIN_PASSWORD)).sessionId;
    for (const name of ['gina', 'hank']) await addUser(server.url, admin, name, `${name}-password-1`);
    for (let i = 0; i < 30; i++) ginas.push((await loginAs(server.url, 'gina', 'gina-password-1', { project: i % 2 ? 'crm' : 'default' })).handle);
    page = await adminConsole(browser, server.url, ADMIN_PASSWORD);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function filterAudit(fields: { username?: string; handle?: string; event?: string }) {
    await page.fill('#audit-filter input[name=username]', fields.username ?? '');
    await page.fill('#audit-filter input[name=handle]', fields.handle ?? '');
    await page.selectOption('#audit-filter select[name=event]', fields.event ?? '');
    const before = await page.textContent('#audit-caption');
    await page.click('#audit-filter button[type=submit]');
    await page.waitForFunction((old) => document.querySelector('#audit-caption')?.textContent !== old, before);
  }
  const column = (n: number) => page.$$eval(`#audit tr td:nth-child(${n})`, (cells) => cells.map((c) => c.textContent ?? ''));
  const caption = async () => (await page.textContent('#audit-caption')) ?? '';

  test('the audit trail by user and event, older and newer pages, by handle; an unknown user is refused', async () => {
    await openTab(page, 'audit');
    const offered = await page.$$eval('#audit-filter select[name=event] option', (options) => options.map((o) => (o as HTMLOptionElement).value).filter(Boolean));
    assert.deepEqual(offered, [...AUDIT_EVENT_NAMES], 'every event the server writes can be chosen');

    await filterAudit({ username: 'gina', event: 'session.created' });
    assert.match(await caption(), /for user gina, event session.created — Page 1: records 1–25/);
    assert.equal(await activeId(page), 'audit-table');
    assert.deepEqual(new Set(await column(2)), new Set(['session.created']));
    assert.deepEqual(new Set(await column(3)), new Set(['gina']), 'the user column shows the username');
    assert.deepEqual(await column(4), ginas.slice(5).reverse(), 'newest first');
    assert.equal(await page.isDisabled('#audit-newer'), true);
    await screenshot(page, 'console-audit');

    await page.click('#audit-older');
    await page.waitForFunction(() => /Page 2/.test(document.querySelector('#audit-caption')?.textContent ?? ''));
    assert.match(await caption(), /Page 2: records 26–30/);
    assert.deepEqual(await column(4), ginas.slice(0, 5).reverse());
    assert.equal(await page.isDisabled('#audit-older'), true, 'nothing older');
    await page.click('#audit-newer');
    await page.waitForFunction(() => /Page 1/.test(document.querySelector('#audit-caption')?.textContent ?? ''));
    assert.deepEqual(await column(4), ginas.slice(5).reverse(), 'back to the newest page');

    await api(server.url, 'POST', '/api/v1/admin/sessions/invalidate', { sessionId: admin, body: { handles: [ginas[3]] } });
    await filterAudit({ handle: ginas[3] });
    assert.deepEqual(await column(2), ['session.ended', 'session.created'], "one session's records");
    assert.deepEqual((await column(6))[0], 'admin', 'why it ended');

    await filterAudit({ username: 'gina', event: 'login.failed' });
    assert.equal(await page.textContent('#audit td.empty'), 'No audit records match.');

    await page.fill('#audit-filter input[name=username]', 'nobody-here');
    await page.click('#audit-filter button[type=submit]');
    assert.match(await message(page, /NOT_FOUND/), /no user named nobody-here/);
  });

  test('the pool shows what web logouts kept; evicting asks, closes the session, and is audited with the admin as actor', async () => {
    const web = new WebClient(server.url);
    assert.equal((await web.login('hank', 'hank-password-1')).status, 303);
    const handle = WebClient.handleOf((await web.get('/web/projects/default')).html)!;
    assert.equal((await web.logout()).status, 303);

    await openTab(page, 'pool');
    await page.waitForSelector(`#pool tr[data-handle="${handle}"]`);
    assert.match((await page.textContent('#pool-summary')) ?? '', /^1 pooled session\(s\)/);
    assert.match((await page.textContent('#pool-caption')) ?? '', /\(1\)/);
    assert.equal(await page.textContent(`#pool tr[data-handle="${handle}"] td:nth-child(4)`), 'hank');
    await screenshot(page, 'console-pool');

    await page.click(`#pool button[aria-label="Evict ${handle}"]`);
    await answerConfirm(page, 'cancel');
    assert.equal(await message(page, /Nothing was evicted/), 'Nothing was evicted.');
    assert.equal((await api(server.url, 'GET', '/api/v1/admin/pool', { sessionId: admin })).body.entries.length, 1);

    await page.click(`#pool button[aria-label="Evict ${handle}"]`);
    assert.equal((await answerConfirm(page, 'ok')).title, `Evict ${handle}?`);
    assert.equal(await message(page, /Evicted/), `Evicted ${handle}; its session is closed.`);
    assert.equal(await activeId(page), 'message');
    assert.equal(await page.textContent('#pool td.empty'), 'The pool is empty.');
    const listed = await api(server.url, 'GET', '/api/v1/admin/sessions?username=hank', { sessionId: admin });
    assert.deepEqual(listed.body.sessions, [], 'closed at the upstream, not just forgotten');

    const consoleId = (await page.evaluate(() => sessionStorage.getItem('sessiond.admin.sessionId')))!;
    const consoleHandle = (await api(server.url, 'GET', '/api/v1/session', { sessionId: consoleId })).body.handle;
    const audit = await api(server.url, 'GET', `/api/v1/admin/audit?event=pool.evicted&handle=${handle}`, { sessionId: admin });
    assert.deepEqual(
      audit.body.records.map((r: { reason: string; actor: string }) => [r.reason, r.actor]),
      [['admin', consoleHandle]],
    );

    // Evicting what is no longer pooled (another admin was quicker) is refused and shown.
    await web.login('hank', 'hank-password-1');
    const again = WebClient.handleOf((await web.get('/web/projects/default')).html)!;
    await web.logout();
    await page.click('#pool-refresh');
    await page.waitForSelector(`#pool tr[data-handle="${again}"]`);
    await api(server.url, 'DELETE', `/api/v1/admin/pool/${again}`, { sessionId: admin });
    await page.click(`#pool button[aria-label="Evict ${again}"]`);
    await answerConfirm(page, 'ok');
    assert.match(await message(page, /NOT_FOUND/), /no pooled session/);
  });
});
