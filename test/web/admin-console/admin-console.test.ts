import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser, skipUnlessBrowser } from '../../helpers/browser.ts';
import { ADMIN_PASSWORD, addUser, api, login, startTestServer, type TestServer } from '../../helpers/server.ts';
import { WebClient } from '../web-client.ts';
import { activeId, adminConsole, message, openConsole, screenshot, signIn } from './console-page.ts';

/** The console's frame in a real browser: signing in and out, refusals, the tab list by keyboard, its security headers. */

const skip = skipUnlessBrowser();
const ASSETS = new URL('../../../src/web/admin-console/assets/', import.meta.url);

describe('admin console: signing in, refusals and the keyboard', { skip }, () => {
  let server: TestServer;
  let browser: Browser;
  let admin: string;

  before(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    admin = (await login(server.url, 'admin', ADMIN_PASSWORD)).sessionId;
    await addUser(server.url, admin, 'dave', 'dave-password-1');
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('signed in, the sign-in form is gone, the Sessions tab has focus, and the arrow keys, Home and End walk the tab list', async () => {
    const page = await openConsole(browser, server.url);
    assert.equal(await page.isVisible('#sign-in'), true);
    assert.equal(await page.isVisible('#console'), false);
    await screenshot(page, 'console-sign-in');

    await signIn(page, 'admin', ADMIN_PASSWORD);
    await page.waitForSelector('#console:not([hidden])');
    assert.equal(await page.isVisible('#sign-in'), false, 'the sign-in form is gone once signed in');
    assert.equal(await page.textContent('#whoami'), 'admin');
    assert.equal(await page.isVisible('#sign-out'), true);
    assert.equal(await activeId(page), 'tab-sessions', 'focus is on the selected tab');

    const selected = () => page.evaluate(() => [...document.querySelectorAll('[role=tab]')].filter((t) => t.getAttribute('aria-selected') === 'true').map((t) => t.id));
    const visiblePanels = () => page.evaluate(() => [...document.querySelectorAll<HTMLElement>('[role=tabpanel]')].filter((p) => !p.hidden).map((p) => p.id));
    assert.deepEqual(await selected(), ['tab-sessions']);
    assert.deepEqual(await visiblePanels(), ['panel-sessions']);
    const tabOrder = await page.evaluate(() => [...document.querySelectorAll<HTMLElement>('[role=tab]')].map((t) => t.tabIndex));
    assert.deepEqual(tabOrder, [0, -1, -1, -1, -1], 'only the selected tab is in the tab order');

    for (const [key, tab] of [
      ['ArrowRight', 'users'],
      ['ArrowRight', 'audit'],
      ['ArrowRight', 'pool'],
      ['End', 'webhooks'],
      ['ArrowRight', 'sessions'],
      ['ArrowLeft', 'webhooks'],
      ['ArrowLeft', 'pool'],
      ['Home', 'sessions'],
    ] as const) {
      await page.keyboard.press(key);
      assert.equal(await activeId(page), `tab-${tab}`, `${key} moves focus to ${tab}`);
      assert.deepEqual(await selected(), [`tab-${tab}`], `${key} selects ${tab}`);
      assert.deepEqual(await visiblePanels(), [`panel-${tab}`], `${key} shows only the ${tab} panel`);
    }
    await page.keyboard.press('Tab');
    assert.equal(await activeId(page), 'panel-sessions', 'Tab leaves the tab list for the panel');

    const tables = await page.evaluate(() =>
      [...document.querySelectorAll('table')].map((t) => ({ id: t.id, caption: t.caption?.textContent?.trim() ?? '', labelled: t.closest('[role=tabpanel]')?.getAttribute('aria-labelledby') })),
    );
    assert.equal(tables.length, 5);
    for (const t of tables) assert.ok(t.caption.length > 0, `${t.id} has a caption`);
    await page.close();
  });

  test('signing out shows the sign-in form again, forgets the session and ends it', async () => {
    const page = await adminConsole(browser, server.url, ADMIN_PASSWORD);
    const id = await page.evaluate(() => sessionStorage.getItem('sessiond.admin.sessionId'));
    assert.ok(id);
    await page.click('#sign-out');
    assert.equal(await message(page, /Signed out/), 'Signed out.');
    assert.equal(await page.isVisible('#sign-in'), true);
    assert.equal(await page.isVisible('#console'), false);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'username', 'focus is on the username field');
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    assert.equal((await api(server.url, 'GET', '/api/v1/session', { sessionId: id })).status, 401, 'the console session ended');
    await page.close();
  });

  test('a user who is not an admin is turned away, left signed out, and their session ended', async () => {
    const page = await openConsole(browser, server.url);
    await signIn(page, 'dave', 'dave-password-1');
    assert.equal(await message(page, /administrator/), 'This account is not an administrator.');
    assert.equal(await page.isVisible('#console'), false);
    assert.equal(await page.isVisible('#sign-in'), true);
    assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'no session ID is left in the tab');
    const { body } = await api(server.url, 'GET', '/api/v1/admin/sessions?username=dave', { sessionId: admin });
    assert.deepEqual(body.sessions, [], "dave's console sign-in was logged out");
    await page.close();
  });

  test('a wrong password shows one generic message and nothing else', async () => {
    const page = await openConsole(browser, server.url);
    await signIn(page, 'admin', 'wrong-password-1');
    assert.equal(await message(page, /Wrong/), 'Wrong username or password.');
    assert.equal(await page.isVisible('#console'), false);
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    await page.close();
  });

  test('a console session ended elsewhere: the next action returns to the sign-in form', async () => {
    const page = await adminConsole(browser, server.url, ADMIN_PASSWORD);
    const id = (await page.evaluate(() => sessionStorage.getItem('sessiond.admin.sessionId')))!;
    await api(server.url, 'POST', '/api/v1/logout', { sessionId: id });
    await page.click('#tab-users');
    assert.equal(await message(page, /ended/), 'Your session has ended. Sign in again.');
    assert.equal(await page.isVisible('#sign-in'), true);
    assert.equal(await page.isVisible('#console'), false);
    await page.close();
  });

  test('the console runs only its own files: no inline script or style, no HTML from data, no framing', async () => {
    const res = await fetch(`${server.url}/admin`);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /style-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    const names = readdirSync(ASSETS);
    for (const name of names) {
      const served = await fetch(`${server.url}/admin${name === 'index.html' ? '' : `/${name}`}`);
      assert.equal(served.status, 200, name);
      assert.equal(served.headers.get('content-security-policy'), csp, `${name} carries the same policy`);
      const text = readFileSync(new URL(name, ASSETS), 'utf8');
      assert.doesNotMatch(text, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\.style\./, `${name} writes no HTML and sets no inline style`);
      assert.doesNotMatch(text, /\sstyle=|<style/, `${name} has no inline style`);
    }
    assert.equal((await fetch(`${server.url}/admin/..%2Fconsole-routes.ts`)).status, 404, 'only the asset names are served');
  });
});

describe('the web tier shares the console stylesheet', { skip }, () => {
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    const admin = (await login(server.url, 'admin', ADMIN_PASSWORD)).sessionId;
    await addUser(server.url, admin, 'wes', 'wes-password-1');
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('served from the package under the console policy; pages link it and allow no inline style', async () => {
    const web = await fetch(`${server.url}/web/console.css`);
    const console = await fetch(`${server.url}/admin/console.css`);
    assert.equal(web.status, 200);
    assert.match(web.headers.get('content-type') ?? '', /^text\/css/);
    assert.equal(web.headers.get('content-security-policy'), console.headers.get('content-security-policy'));
    assert.equal(await web.text(), await console.text(), 'one stylesheet');

    const page = await fetch(`${server.url}/web/login`);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /style-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    const html = await page.text();
    assert.match(html, /<link rel="stylesheet" href="\/web\/console.css">/);
    assert.doesNotMatch(html, /\sstyle=|<style/);
  });

  test('in a browser every page is styled and the policy refuses nothing: sign-in, projects, a project, sessions', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const refused: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused/i.test(m.text())) refused.push(m.text());
    });
    const styled = async () => page.evaluate(() => getComputedStyle(document.querySelector('.topbar')!).backgroundColor);
    await page.goto(`${server.url}/web/login`);
    assert.equal(await styled(), 'rgb(11, 61, 92)', 'the shared stylesheet applies');
    await screenshot(page, 'web-sign-in');
    await page.fill('#login input[name=username]', 'wes');
    await page.fill('#login input[name=password]', 'wes-password-1');
    await page.click('#login button[type=submit]');
    await page.waitForSelector('#projects');
    assert.equal(await styled(), 'rgb(11, 61, 92)');
    await page.goto(`${server.url}/web/projects/crm`);
    await page.waitForSelector('#session');
    assert.equal(await styled(), 'rgb(11, 61, 92)');
    await new WebClient(server.url, { 'user-agent': 'ExampleApp/2.1 (phone)' }).login('wes', 'wes-password-1');
    await page.goto(`${server.url}/web/sessions`);
    await page.waitForSelector('#sessions tbody tr');
    assert.equal(await styled(), 'rgb(11, 61, 92)');
    await screenshot(page, 'web-sessions');
    assert.deepEqual(refused, [], 'no style or script was refused');
    await page.close();
  });
});
