import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, skipUnlessBrowser } from '../../helpers/browser.ts';
import { ADMIN_PASSWORD, addUser, api, login, startTestServer, type TestServer } from '../../helpers/server.ts';
import { activeId, adminConsole, answerConfirm, isLive, loginAs, message, screenshot } from './console-page.ts';

/** The Sessions tab in a real browser: pages both ways with a total, search, where sessions came from, ending after a confirmation. */

const skip = skipUnlessBrowser();
const AGENTS = ['Mozilla/5.0 (Macintosh) Firefox/128.0', 'ExampleApp/2.1 (iPhone; iOS 17)', 'curl/8.5.0'];

describe('admin console: the Sessions tab', { skip }, () => {
  let server: TestServer;
  let browser: Browser;
  let admin: string;
  /** carol's and Caroline's sessions: 13 in all, 7 on billing and 6 on reports. */
  const carols: Array<{ sessionId: string; handle: string; project: string }> = [];

  before(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    admin = (await login(server.url, 'admin', ADMIN_PASSWORD)).sessionId;
    for (const name of ['carol', 'Caroline', 'dan']) await addUser(server.url, admin, name, `${name.toLowerCase()}-password-1`);
    for (let i = 0; i < 13; i++) {
      const name = i % 2 ? 'Caroline' : 'carol';
      const project = i % 2 ? 'reports' : 'billing';
      carols.push({ ...(await loginAs(server.url, name, `${name.toLowerCase()}-password-1`, { project, userAgent: AGENTS[i % 3] })), project });
    }
    for (let i = 0; i < 2; i++) await loginAs(server.url, 'dan', 'dan-password-1');
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function search(page: Page, fields: { usernamePrefix?: string; project?: string; limit?: string }) {
    await page.fill('#session-filter input[name=usernamePrefix]', fields.usernamePrefix ?? '');
    await page.fill('#session-filter input[name=project]', fields.project ?? '');
    await page.selectOption('#session-filter select[name=limit]', fields.limit ?? '25');
    const before = await page.textContent('#sessions-caption');
    await page.click('#session-filter button[type=submit]');
    await page.waitForFunction((old) => document.querySelector('#sessions-caption')?.textContent !== old, before);
  }
  const shownHandles = (page: Page) => page.$$eval('#sessions tr[data-handle]', (rows) => rows.map((r) => (r as HTMLElement).dataset.handle!));
  const caption = async (page: Page) => (await page.textContent('#sessions-caption')) ?? '';

  test('a username prefix in any letter case pages forwards and back with the total, showing address and browser', async () => {
    const page = await adminConsole(browser, server.url, ADMIN_PASSWORD);
    await search(page, { usernamePrefix: 'CAR', limit: '10' });
    assert.match(await caption(page), /Page 1: sessions 1–10 of 13/);
    assert.equal(await activeId(page), 'sessions-table', 'focus moves to the table (its caption is read out)');
    assert.equal(await page.isDisabled('#prev-page'), true);
    assert.equal(await page.isDisabled('#next-page'), false);
    const first = await shownHandles(page);
    assert.equal(first.length, 10);
    const users = await page.$$eval('#sessions tr td:nth-child(3)', (cells) => [...new Set(cells.map((c) => c.textContent))].sort());
    assert.deepEqual(users, ['Caroline', 'carol'], 'dan is not a car…');
    assert.deepEqual(await page.$$eval('#sessions td.ip', (cells) => [...new Set(cells.map((c) => c.textContent))]), ['127.0.0.1']);
    const agents = await page.$$eval('#sessions td.ua', (cells) => [...new Set(cells.map((c) => c.textContent))].sort());
    assert.deepEqual(agents, [...AGENTS].sort(), 'each session shows the browser or app it came from');
    await screenshot(page, 'console-sessions');

    await page.click('#next-page');
    await page.waitForFunction(() => /Page 2/.test(document.querySelector('#sessions-caption')?.textContent ?? ''));
    assert.match(await caption(page), /Page 2: sessions 11–13 of 13/);
    assert.equal(await activeId(page), 'sessions-table');
    assert.equal(await page.isDisabled('#next-page'), true, 'the last page has none after it');
    const second = await shownHandles(page);
    assert.equal(second.length, 3);
    assert.deepEqual([...first, ...second].sort(), carols.map((c) => c.handle).sort(), 'every one of them once');

    await page.click('#prev-page');
    await page.waitForFunction(() => /Page 1/.test(document.querySelector('#sessions-caption')?.textContent ?? ''));
    assert.deepEqual(await shownHandles(page), first, 'back to the same first page');
    assert.equal(await page.isDisabled('#prev-page'), true);

    await search(page, { usernamePrefix: 'caroline', project: 'reports' });
    assert.match(await caption(page), /sessions 1–6 of 6/);
    assert.deepEqual((await shownHandles(page)).sort(), carols.filter((c) => c.project === 'reports').map((c) => c.handle).sort());
    await search(page, { usernamePrefix: 'nobody' });
    assert.match(await caption(page), /none of 0/);
    assert.equal(await page.textContent('#sessions td.empty'), 'No live sessions match.');

    const html = await page.content();
    for (const c of carols) assert.ok(!html.includes(c.sessionId), 'the console never shows a session ID');
    await page.close();
  });

  test('ending asks first: Escape or Cancel end nothing; confirming ends the selected sessions and they are refused at once', async () => {
    const page = await adminConsole(browser, server.url, ADMIN_PASSWORD);
    await page.click('#end-selected');
    assert.equal(await message(page, /Select/), 'Select the sessions to end first.');

    await search(page, { usernamePrefix: 'carol', project: 'billing' });
    assert.match(await caption(page), /of 7/);
    const [a, b] = carols.filter((c) => c.project === 'billing');
    await page.check(`#sessions input[value="${a!.handle}"]`);
    await page.check(`#sessions input[value="${b!.handle}"]`);

    await page.click('#end-selected');
    const asked = await answerConfirm(page, 'escape');
    assert.equal(asked.title, 'End 2 sessions?');
    assert.match(asked.text, /carol/);
    assert.equal(asked.focused, 'confirm-cancel', 'the dialog opens on Cancel');
    assert.equal(await message(page, /Nothing/), 'Nothing was ended.');
    await page.click('#end-selected');
    await answerConfirm(page, 'cancel');
    assert.equal(await isLive(server.url, a!.sessionId), true, 'Escape and Cancel ended nothing');
    assert.equal(await isLive(server.url, b!.sessionId), true);

    await page.click('#end-selected');
    await answerConfirm(page, 'ok');
    assert.equal(await message(page, /Ended 2/), 'Ended 2 session(s).');
    assert.equal(await activeId(page), 'message', 'focus moves to what happened');
    assert.equal(await isLive(server.url, a!.sessionId), false);
    assert.equal(await isLive(server.url, b!.sessionId), false);
    assert.match(await caption(page), /of 5/, 'the total follows');
    assert.ok(!(await page.$$eval('#sessions tr[data-handle]', (rows) => rows.map((r) => (r as HTMLElement).dataset.handle))).includes(a!.handle));

    // Select every session on the page and end them: the page empties and says so.
    await page.check('#select-all');
    await page.click('#end-selected');
    assert.equal((await answerConfirm(page, 'ok')).title, 'End 5 sessions?');
    assert.equal(await message(page, /Ended 5/), 'Ended 5 session(s).');
    assert.match(await caption(page), /none of 0/);
    const left = await api(server.url, 'GET', '/api/v1/admin/sessions?usernamePrefix=car&count=true', { sessionId: admin });
    assert.equal(left.body.total, 6, 'only the reports sessions are left');
    await page.close();
  });
});
