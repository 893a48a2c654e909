import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { chromium } from 'playwright-core';
import { PASSWORD, setupWeb } from './web-setup.ts';

/** A real browser (Debian's headless Chromium driven by playwright-core): login → two projects → logout. */
const CHROMIUM = process.env.SESSIOND_TEST_CHROMIUM ?? '/usr/bin/chromium';

function skipReason(): string | false {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.SESSIOND_REQUIRE_SERVICES === '1') throw new Error(`Chromium is required but missing at ${CHROMIUM}`);
  const reason = `SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium)`;
  process.stderr.write(`${reason}\n`);
  return reason;
}

describe('the web tier in a browser', () => {
  test('sign in, open two projects, sign out', { skip: skipReason() }, async () => {
    const w = await setupWeb({}, ['alice']);
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
    try {
      const page = await (await browser.newContext()).newPage();
      await page.goto(`${w.url}/web/`);
      assert.match(page.url(), /\/web\/login\?/, 'sent to the login form');
      await page.fill('input[name=username]', 'alice');
      await page.fill('input[name=password]', PASSWORD);
      await page.click('#login button[type=submit]');
      await page.waitForURL(`${w.url}/web/`);
      assert.match((await page.textContent('#user')) ?? '', /Signed in as alice/);

      const cookies = await page.context().cookies();
      const web = cookies.find((c) => c.name === 'sessiond_web')!;
      assert.equal(web.httpOnly, true);
      assert.equal(web.sameSite, 'Lax');

      for (const project of ['crm', 'hr']) {
        await page.goto(`${w.url}/web/`);
        await page.fill('#open input[name=project]', project);
        await page.click('#open button[type=submit]');
        await page.waitForURL(`${w.url}/web/projects/${project}`);
        assert.equal(await page.textContent('#project'), project);
        assert.match((await page.textContent('#handle')) ?? '', /^h_/);
      }
      await page.goto(`${w.url}/web/`);
      assert.equal(await page.locator('#projects li.project').count(), 3, 'default, crm and hr');
      assert.equal((await w.handlesOf('alice')).length, 3);

      await page.click('#logout button[type=submit]');
      await page.waitForURL(/\/web\/login$/);
      assert.equal((await page.context().cookies()).some((c) => c.name === 'sessiond_web'), false, 'the cookie is gone');
      assert.deepEqual(await w.handlesOf('alice'), [], 'every server session closed');
      await page.goto(`${w.url}/web/`);
      assert.match(page.url(), /\/web\/login\?/, 'signed out');
    } finally {
      await browser.close();
      await w.s.close();
    }
  });
});
