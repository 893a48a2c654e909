import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, skipUnlessBrowser } from '../../helpers/browser.ts';
import { ADMIN_PASSWORD, addUser, api, login, startTestServer, type TestServer } from '../../helpers/server.ts';

const skip = skipUnlessBrowser();

describe('admin console in a real browser', { skip }, () => {
  let server: TestServer;
  let browser: Browser;

  let adminSessionId: string;

  before(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    adminSessionId = (await login(server.url, 'admin', ADMIN_PASSWORD)).sessionId;
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function signIn(page: Page, username: string, password: string) {
    await page.goto(`${server.url}/admin`);
    await page.fill('#sign-in input[name=username]', username);
    await page.fill('#sign-in input[name=password]', password);
    await page.click('#sign-in button[type=submit]');
  }

  test('an admin finds a user\'s sessions, ends one, and that session is refused at once', async () => {
    await addUser(server.url, adminSessionId, 'carol', 'carol-password-1');
    const first = await login(server.url, 'carol', 'carol-password-1', 'billing');
    const second = await login(server.url, 'carol', 'carol-password-1', 'reports');

    const page = await browser.newPage();
    await signIn(page, 'admin', ADMIN_PASSWORD);
    await page.waitForSelector('#console:not([hidden])');
    assert.equal(await page.textContent('#whoami'), 'admin');

    await page.fill('#session-filter input[name=username]', 'carol');
    await page.click('#session-filter button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('#sessions tr').length === 2);
    const html = await page.content();
    assert.ok(!html.includes(first.sessionId) && !html.includes(second.sessionId), 'the console never shows a session ID');

    await page.check(`#sessions input[value="${first.handle}"]`);
    await page.click('#end-selected');
    await page.waitForSelector('#message.ok');
    assert.match((await page.textContent('#message')) ?? '', /Ended 1 session/);
    assert.equal(await page.locator('#sessions tr').count(), 1);

    assert.equal((await api(server.url, 'GET', '/api/v1/session', { sessionId: first.sessionId })).status, 401);
    assert.equal((await api(server.url, 'GET', '/api/v1/session', { sessionId: second.sessionId })).status, 200);

    await page.click('nav button[data-tab=audit]');
    await page.waitForFunction(() => document.querySelectorAll('#audit tr').length > 0);
    assert.match((await page.textContent('#audit')) ?? '', new RegExp(first.handle));
    await page.close();
  });

  test('a user who is not an admin is turned away and left signed out', async () => {
    await addUser(server.url, adminSessionId, 'dave', 'dave-password-1');
    const page = await browser.newPage();
    await signIn(page, 'dave', 'dave-password-1');
    await page.waitForSelector('#message:not([hidden])');
    assert.match((await page.textContent('#message')) ?? '', /not an administrator/);
    assert.equal(await page.isHidden('#console'), true);
    const stored = await page.evaluate(() => sessionStorage.length);
    assert.equal(stored, 0, 'no session ID is left in the tab');
    await page.close();
  });

  test('a wrong password shows one generic message', async () => {
    const page = await browser.newPage();
    await signIn(page, 'admin', 'wrong-password-1');
    await page.waitForSelector('#message:not([hidden])');
    assert.equal(await page.textContent('#message'), 'Wrong username or password.');
    await page.close();
  });

  test('the console page forbids inline script and framing', async () => {
    const res = await fetch(`${server.url}/admin`);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
  });

  test('an admin adds a webhook (its secret shown once), sees its delivery state, and deletes it', async () => {
    const page = await browser.newPage();
    await signIn(page, 'admin', ADMIN_PASSWORD);
    await page.waitForSelector('#console:not([hidden])');
    await page.click('nav button[data-tab=webhooks]');
    await page.fill('#create-webhook input[name=url]', 'http://127.0.0.1:9/console-hook');
    await page.uncheck('#create-webhook input[name=created]');
    await page.click('#create-webhook button[type=submit]');
    await page.waitForSelector('#message.ok');
    const secret = (await page.textContent('#webhook-secret code')) ?? '';
    assert.match(secret, /^whsec_/);
    const listed = await api<{ webhooks: Array<{ id: string; url: string; events: string[] }> }>(server.url, 'GET', '/api/v1/admin/webhooks', { sessionId: adminSessionId });
    assert.deepEqual(listed.body.webhooks.map((w) => [w.url, w.events]), [['http://127.0.0.1:9/console-hook', ['session.ended']]]);
    const row = page.locator('#webhooks tr');
    assert.equal(await row.count(), 1);
    assert.match((await row.textContent()) ?? '', /console-hook.*session\.ended/);

    await page.click('nav button[data-tab=users]');
    await page.click('nav button[data-tab=webhooks]');
    assert.ok(!(await page.content()).includes(secret), 'the secret is not shown again');

    await page.click(`#webhooks button[data-webhook="${listed.body.webhooks[0]!.id}"]`);
    await page.waitForFunction(() => document.querySelectorAll('#webhooks tr').length === 0);
    assert.deepEqual((await api<{ webhooks: unknown[] }>(server.url, 'GET', '/api/v1/admin/webhooks', { sessionId: adminSessionId })).body.webhooks, []);
    await page.close();
  });
});
