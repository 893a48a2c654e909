import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, skipUnlessBrowser } from '../../helpers/browser.ts';
import { ADMIN_PASSWORD, api, login, startTestServer, type TestServer } from '../../helpers/server.ts';
import { activeId, adminConsole, answerConfirm, isLive, loginAs, message, openTab, screenshot } from './console-page.ts';

/** The Users tab in a real browser: every account action, each refusal as the admin sees it. */

const skip = skipUnlessBrowser();

describe('admin console: the Users tab', { skip }, () => {
  let server: TestServer;
  let browser: Browser;
  let admin: string;
  let page: Page;

  before(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    admin = (await login(server.url, 'admin', ADMIN_PASSWORD)).sessionId;
    page = await adminConsole(browser, server.url, ADMIN_PASSWORD);
    await openTab(page, 'users');
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const row = (username: string) => `#users tr[data-username="${username}"]`;
  const cellText = async (username: string, column: number) => ((await page.textContent(`${row(username)} td:nth-child(${column})`)) ?? '').trim();
  const press = (label: string) => page.click(`#users button[aria-label="${label}"]`);
  const user = async (username: string) =>
    ((await api(server.url, 'GET', '/api/v1/admin/users', { sessionId: admin })).body.users as Array<{ username: string; admin: boolean; active: boolean; permissions: string[] }>).find(
      (u) => u.username === username,
    );
  /** Whether the password signs in (the session it opens is closed again at once). */
  const canLogIn = async (username: string, password: string) => {
    const res = await api(server.url, 'POST', '/api/v1/login', { body: { username, password } });
    if (res.status === 200) await api(server.url, 'POST', '/api/v1/logout', { sessionId: res.body.sessionId });
    return res.status === 200;
  };

  /** Empties the message line, so the next wait sees only what the next action says. */
  const clearMessage = () =>
    page.evaluate(() => {
      const el = document.querySelector<HTMLElement>('#message')!;
      el.textContent = '';
      el.hidden = true;
    });

  async function addUser(username: string, password: string, asAdmin = false) {
    await page.fill('#create-user input[name=username]', username);
    await page.fill('#create-user input[name=password]', password);
    if (asAdmin) await page.check('#create-user input[name=admin]');
    await page.click('#create-user button[type=submit]');
  }

  test('adding a user shows them at once; a name taken in another letter case is refused', async () => {
    await addUser('erin', 'erin-password-1');
    assert.equal(await message(page, /erin is added/), 'erin is added.');
    assert.equal(await cellText('erin', 2), 'user');
    assert.equal(await cellText('erin', 3), 'active');
    assert.match((await page.textContent('#users-caption')) ?? '', /2 accounts, 1 active admin/);
    assert.equal(await canLogIn('erin', 'erin-password-1'), true);

    await addUser('ERIN', 'other-password-1');
    assert.match(await message(page, /DUPLICATE_USERNAME/), /^Refused \(DUPLICATE_USERNAME\): A user with that username already exists/);
    assert.equal(await activeId(page), 'message', 'focus moves to the refusal');
    assert.equal(await page.locator('#users tr').count(), 2);
  });

  test('deactivating asks, ends the sessions and refuses sign-in; activating lets the user in again', async () => {
    const s = await loginAs(server.url, 'erin', 'erin-password-1');
    await press('Deactivate: erin');
    const asked = await answerConfirm(page, 'ok');
    assert.equal(asked.title, 'Deactivate erin?');
    assert.equal(await message(page, /deactivated/), 'erin is deactivated; 1 session ended.');
    assert.equal(await cellText('erin', 3), 'deactivated');
    assert.equal(await isLive(server.url, s.sessionId), false);
    assert.equal(await canLogIn('erin', 'erin-password-1'), false);

    await press('Activate: erin');
    assert.equal(await message(page, /sign in again/), 'erin can sign in again.');
    assert.equal(await cellText('erin', 3), 'active');
    assert.equal(await canLogIn('erin', 'erin-password-1'), true);
  });

  test('setting a password ends the sessions; a weak one is refused; the old one stops working', async () => {
    const s = await loginAs(server.url, 'erin', 'erin-password-1');
    await press('Set password: erin');
    await page.waitForSelector('#password-dialog[open]');
    assert.equal(await page.textContent('#password-title'), 'Set the password of erin');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'newPassword', 'focus starts in the field');
    await page.keyboard.press('Escape');
    assert.equal(await message(page, /Nothing was changed/), 'Nothing was changed.');

    await press('Set password: erin');
    await page.fill('#password-form input[name=newPassword]', 'aaaaaaaa');
    await page.click('#password-form button[type=submit]');
    assert.match(await message(page, /INVALID_REQUEST/), /too weak/);
    assert.equal(await isLive(server.url, s.sessionId), true, 'a refused password ends nothing');

    await press('Set password: erin');
    await page.fill('#password-form input[name=newPassword]', 'erin-password-2');
    await page.click('#password-form button[type=submit]');
    assert.equal(await message(page, /password of erin is set/), 'The password of erin is set; 1 session ended.');
    assert.equal(await isLive(server.url, s.sessionId), false);
    assert.equal(await canLogIn('erin', 'erin-password-1'), false);
    assert.equal(await canLogIn('erin', 'erin-password-2'), true);
  });

  test('making and removing an admin; the last active admin cannot be demoted, deactivated or deleted', async () => {
    await press('Make admin: erin');
    assert.equal(await message(page, /now an admin/), 'erin is now an admin.');
    assert.equal(await cellText('erin', 2), 'admin');
    assert.equal((await user('erin'))?.admin, true);
    await press('Remove admin: erin');
    assert.equal(await message(page, /no longer an admin/), 'erin is no longer an admin.');
    assert.equal((await user('erin'))?.admin, false);

    await press('Remove admin: admin');
    assert.match(await message(page, /LAST_ADMIN/), /^Refused \(LAST_ADMIN\): The last active administrator cannot be/);
    await clearMessage();
    await press('Deactivate: admin');
    await answerConfirm(page, 'ok');
    assert.match(await message(page, /LAST_ADMIN/), /last active administrator/);
    await clearMessage();
    await press('Delete: admin');
    assert.equal((await answerConfirm(page, 'ok')).title, 'Delete admin?');
    assert.match(await message(page, /LAST_ADMIN/), /last active administrator/);
    assert.equal(await activeId(page), 'message');
    const last = await user('admin');
    assert.equal(last?.admin, true, 'the last admin is still an admin');
    assert.equal(last?.active, true, 'and still active');
    assert.equal(await cellText('admin', 2), 'admin');
    assert.equal(await page.isVisible('#console'), true, 'and still signed in');
  });

  test('permissions are chosen in a dialog and shown in the row', async () => {
    await press('Permissions: erin');
    await page.waitForSelector('#permissions-dialog[open]');
    await page.check('#permissions-form input[value=events]');
    await page.fill('#permissions-form input[name=others]', 'reports.read, audit-export');
    await page.click('#permissions-form button[type=submit]');
    assert.equal(await message(page, /may now/), 'erin may now: audit-export, events, reports.read.');
    assert.equal(await cellText('erin', 4), 'audit-export, events, reports.read');
    assert.deepEqual((await user('erin'))?.permissions, ['audit-export', 'events', 'reports.read']);

    await press('Permissions: erin');
    assert.equal(await page.isChecked('#permissions-form input[value=events]'), true, 'the dialog opens on what the user has');
    await page.uncheck('#permissions-form input[value=events]');
    await page.fill('#permissions-form input[name=others]', 'Bad Name');
    await page.click('#permissions-form button[type=submit]');
    assert.match(await message(page, /INVALID_REQUEST/), /permission/);
    assert.deepEqual((await user('erin'))?.permissions, ['audit-export', 'events', 'reports.read'], 'a refused change changes nothing');
  });

  test("ending a user's sessions asks first; deleting asks, then the account and its sessions are gone", async () => {
    const sessions = [await loginAs(server.url, 'erin', 'erin-password-2'), await loginAs(server.url, 'erin', 'erin-password-2', { project: 'crm' })];
    await press('End sessions: erin');
    await answerConfirm(page, 'cancel');
    assert.equal(await message(page, /Nothing was changed/), 'Nothing was changed.');
    assert.equal(await isLive(server.url, sessions[0]!.sessionId), true);
    await press('End sessions: erin');
    assert.equal((await answerConfirm(page, 'ok')).title, 'End every session of erin?');
    assert.equal(await message(page, /Ended 2 sessions of erin/), 'Ended 2 sessions of erin.');
    for (const s of sessions) assert.equal(await isLive(server.url, s.sessionId), false);

    const last = await loginAs(server.url, 'erin', 'erin-password-2');
    await screenshot(page, 'console-users');
    await press('Delete: erin');
    const asked = await answerConfirm(page, 'ok');
    assert.match(asked.text, /cannot be undone/);
    assert.equal(await message(page, /deleted/), 'erin is deleted; 1 session ended.');
    assert.equal(await page.locator(row('erin')).count(), 0);
    assert.equal(await isLive(server.url, last.sessionId), false);
    assert.equal(await canLogIn('erin', 'erin-password-2'), false);
    assert.equal(await user('erin'), undefined);
  });

  test('every action is in the audit trail with the console session as actor', async () => {
    const consoleHandle = (await api(server.url, 'GET', '/api/v1/session', { sessionId: (await page.evaluate(() => sessionStorage.getItem('sessiond.admin.sessionId')))! })).body.handle;
    const { body } = await api(server.url, 'GET', `/api/v1/admin/audit?limit=100`, { sessionId: admin });
    const byConsole = (body.records as Array<{ event: string; actor: string | null }>).filter((r) => r.actor === consoleHandle).map((r) => r.event);
    for (const event of ['user.created', 'user.deactivated', 'user.activated', 'user.password-reset', 'user.updated', 'user.deleted']) {
      assert.ok(byConsole.includes(event), `${event} is audited with the console's session as actor`);
    }
  });
});
