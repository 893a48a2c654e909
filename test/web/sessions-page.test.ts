import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { api, login } from '../helpers/server.ts';
import { launchBrowser, skipUnlessBrowser } from '../helpers/browser.ts';
import { PASSWORD, setupWeb } from './web-setup.ts';

/** /web/sessions in headless Chromium: where the user is signed in, ending sessions elsewhere, changing the password. */

describe('the web tier’s sessions page in a browser', () => {
  test('list with address and browser, end one, sign out everywhere else, change the password; forms need the CSRF token', { skip: skipUnlessBrowser() }, async () => {
    const w = await setupWeb({}, ['alice', 'bob']);
    const browser = await launchBrowser();
    const alive = async (sessionId: string) => (await api(w.url, 'GET', '/api/v1/session', { sessionId })).status === 200;
    const loginAs = async (userAgent: string, password = PASSWORD) => {
      const res = await api<{ sessionId: string; handle: string }>(w.url, 'POST', '/api/v1/login', {
        body: { username: 'alice', password },
        headers: { 'user-agent': userAgent },
      });
      assert.equal(res.status, 200);
      return res.body;
    };
    try {
      const page = await (await browser.newContext({ userAgent: 'SessiondTest/1.0 (headless)' })).newPage();
      await page.goto(`${w.url}/web/sessions`);
      assert.match(page.url(), /\/web\/login\?/, 'signed-out browsers are sent to sign in first');
      await page.fill('input[name=username]', 'alice');
      await page.fill('input[name=password]', PASSWORD);
      await page.click('#login button[type=submit]');
      await page.waitForURL(`${w.url}/web/sessions`);

      const phone = await loginAs('Phone/2.0');
      const bobs = await login(w.url, 'bob', PASSWORD);
      await page.reload();
      assert.equal(await page.locator('#sessions caption').textContent(), 'Where you are signed in');
      assert.equal(await page.locator('#sessions tbody tr').count(), 2, 'alice’s two sessions, not bob’s');
      const own = page.locator('#sessions tbody tr', { has: page.locator('td.here') });
      assert.equal(await own.locator('td.ua').textContent(), 'SessiondTest/1.0 (headless)');
      assert.equal(await own.locator('td.ip').textContent(), '127.0.0.1');
      const phoneRow = page.locator(`#sessions tr[data-handle="${phone.handle}"]`);
      assert.equal(await phoneRow.locator('td.ua').textContent(), 'Phone/2.0');
      assert.equal(await page.content().then((html) => html.includes(phone.sessionId)), false, 'never a session ID');

      // Without the CSRF token nothing ends.
      const forged = await page.request.post(`${w.url}/web/sessions/end`, { form: { handle: phone.handle } });
      assert.equal(forged.status(), 403);
      assert.equal(await alive(phone.sessionId), true);

      await phoneRow.locator('button').click();
      await page.waitForURL(`${w.url}/web/sessions?done=ended`);
      assert.equal(await page.textContent('#message'), 'The session was ended.');
      assert.equal(await alive(phone.sessionId), false);
      assert.equal(await page.locator('#sessions tbody tr').count(), 1);

      const elsewhere = [await loginAs('Tablet/3'), await loginAs('Desktop/4')];
      await page.click('#end-others button');
      await page.waitForURL(`${w.url}/web/sessions?done=others`);
      for (const s of elsewhere) assert.equal(await alive(s.sessionId), false);
      assert.equal(await alive(bobs.sessionId), true, 'nobody else’s sessions end');
      assert.equal(await page.locator('#sessions tbody tr').count(), 1, 'this browser is still signed in');

      const another = await loginAs('Laptop/5');
      await page.fill('#password input[name=currentPassword]', 'not-the-password');
      await page.fill('#password input[name=newPassword]', 'alice-new-password-2');
      await page.click('#password button[type=submit]');
      assert.match((await page.textContent('#message')) ?? '', /current password is not right/);
      await page.fill('#password input[name=currentPassword]', PASSWORD);
      await page.fill('#password input[name=newPassword]', 'short');
      await page.click('#password button[type=submit]');
      assert.match((await page.textContent('#message')) ?? '', /at least 8 characters/);
      assert.equal(await alive(another.sessionId), true, 'refused changes end nothing');

      await page.fill('#password input[name=currentPassword]', PASSWORD);
      await page.fill('#password input[name=newPassword]', 'alice-new-password-2');
      await page.click('#password button[type=submit]');
      await page.waitForURL(`${w.url}/web/sessions?done=password`);
      assert.match((await page.textContent('#message')) ?? '', /password was changed/);
      assert.equal(await alive(another.sessionId), false);
      assert.equal((await api(w.url, 'POST', '/api/v1/login', { body: { username: 'alice', password: PASSWORD } })).status, 401);
      await loginAs('Check/6', 'alice-new-password-2');

      // The browser opens a further project with the new password.
      await page.goto(`${w.url}/web/projects/crm`);
      assert.equal(await page.textContent('#project'), 'crm');
    } finally {
      await browser.close();
      await w.s.close();
    }
  });
});
