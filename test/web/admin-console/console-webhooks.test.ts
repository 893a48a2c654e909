import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, skipUnlessBrowser } from '../../helpers/browser.ts';
import { ADMIN_PASSWORD, addUser, api, login, startTestServer, type TestServer } from '../../helpers/server.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.ts';
import { activeId, adminConsole, answerConfirm, message, openTab, screenshot } from './console-page.ts';

/** The Webhooks tab in a real browser: registering (and the refusals), delivery state, deleting. */

const skip = skipUnlessBrowser();

interface Listed {
  id: string;
  url: string;
  events: string[];
  delivery: { lastDeliveredSeq: number; lag: number; failures: number; lastError: string | null; nextAttemptAt: string | null; failed: boolean };
}

/** Checks a delivery's signature as a Standard Webhooks receiver would, with nothing from sessiond's code. */
function signedWith(secret: string, headers: Record<string, string | string[] | undefined>, body: string): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${String(headers['webhook-id'])}.${String(headers['webhook-timestamp'])}.${body}`).digest('base64');
  return String(headers['webhook-signature']).split(' ').includes(`v1,${expected}`);
}

describe('admin console: the Webhooks tab', { skip }, () => {
  let server: TestServer;
  let browser: Browser;
  let admin: string;
  let page: Page;
  let good: WebhookReceiver;
  let flaky: WebhookReceiver;

  before(async () => {
    // Deliveries may go to 127.0.0.1 only: "localhost" is a host outside the list.
    server = await startTestServer({ SESSIOND_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' });
    browser = await launchBrowser();
    good = await startWebhookReceiver('/good');
    flaky = await startWebhookReceiver('/flaky');
    admin = (await login(server.url, 'admin', ADMIN_PASSWORD)).sessionId;
    await addUser(server.url, admin, 'iris', 'iris-password-1');
    page = await adminConsole(browser, server.url, ADMIN_PASSWORD);
    await openTab(page, 'webhooks');
  });
  after(async () => {
    await browser?.close();
    await good?.close();
    await flaky?.close();
    await server?.close();
  });

  const listed = async () => (await api<{ webhooks: Listed[] }>(server.url, 'GET', '/api/v1/admin/webhooks', { sessionId: admin })).body.webhooks;
  const row = (id: string) => `#webhooks tr[data-id="${id}"]`;
  const cellText = async (id: string, column: number) => ((await page.textContent(`${row(id)} td:nth-child(${column})`)) ?? '').trim();
  const caption = async () => (await page.textContent('#webhooks-caption')) ?? '';
  const clearMessage = () =>
    page.evaluate(() => {
      const el = document.querySelector<HTMLElement>('#message')!;
      el.textContent = '';
      el.hidden = true;
    });
  /** Everything the page holds as text or in a field, to look for a secret in. */
  const pageText = () => page.evaluate(() => document.documentElement.outerHTML + [...document.querySelectorAll('input')].map((i) => i.value).join(' '));

  async function fillRegister(url: string, options: { secret?: string; events?: string[] } = {}) {
    await clearMessage();
    await page.fill('#create-webhook input[name=url]', url);
    await page.fill('#create-webhook input[name=secret]', options.secret ?? '');
    for (const type of ['session.created', 'session.ended']) {
      await page.setChecked(`#create-webhook input[value="${type}"]`, (options.events ?? ['session.created', 'session.ended']).includes(type));
    }
    await page.click('#create-webhook button[type=submit]');
  }

  /** Presses Refresh and waits for the reloaded table to take focus (as the console does after a reload). */
  async function refresh() {
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.click('#webhooks-refresh');
    await page.waitForFunction(() => document.activeElement?.id === 'webhooks-table');
  }

  test('with none registered the table says so and the tab is a real tab', async () => {
    assert.equal(await page.getAttribute('#tab-webhooks', 'aria-selected'), 'true');
    assert.equal(await page.isVisible('#panel-webhooks'), true);
    assert.equal(await page.textContent('#webhooks td.empty'), 'No webhooks are registered.');
    assert.equal(await caption(), 'Webhooks: 0 endpoints, 0 failing');
  });

  test('a URL that is not http(s), a host outside SESSIOND_WEBHOOK_ALLOWED_HOSTS, URL credentials and no event type are refused where the admin sees it', async () => {
    await fillRegister('ftp://127.0.0.1/hook');
    assert.equal(await message(page, /Refused/), 'Refused (INVALID_REQUEST): url must be an http(s) URL');
    assert.equal(await activeId(page), 'message', 'focus moves to the refusal');

    await fillRegister(good.url.replace('127.0.0.1', 'localhost'));
    assert.equal(await message(page, /Refused/), 'Refused (INVALID_REQUEST): the host localhost is not in SESSIOND_WEBHOOK_ALLOWED_HOSTS');

    await fillRegister(good.url.replace('http://', 'http://user:pw@'));
    assert.match(await message(page, /Refused/), /must not carry credentials/);

    await fillRegister(good.url, { events: [] });
    assert.equal(await message(page, /event type/), 'Choose at least one event type to deliver.');

    assert.deepEqual(await listed(), [], 'nothing was registered');
    assert.equal(await page.textContent('#webhooks td.empty'), 'No webhooks are registered.');
    assert.equal(await page.inputValue('#create-webhook input[name=url]'), good.url, 'the form keeps what was typed, to be corrected');
  });

  let goodId = '';
  let flakyId = '';

  test('registering shows a made secret once, in a dialog, and never again; the row shows the endpoint and its delivery state', async () => {
    await fillRegister(good.url, { events: ['session.ended'] });
    await page.waitForSelector('#secret-dialog[open]');
    assert.equal(await activeId(page), 'secret-value', 'focus is on the secret, selected for copying');
    const secret = await page.inputValue('#secret-value');
    assert.match(secret, /^whsec_[A-Za-z0-9+/=]{32,}$/);
    const [hook] = await listed();
    assert.ok(hook);
    goodId = hook.id;
    assert.equal(JSON.stringify(hook).includes(secret), false, 'the list never answers the secret');

    await page.click('#secret-done');
    await page.waitForSelector('#secret-dialog:not([open])', { state: 'attached' });
    assert.equal(
      await message(page, /Registered/),
      `Registered ${goodId} for ${good.url}: it receives session.ended from the next event on.`,
    );
    assert.equal(await activeId(page), 'message');
    assert.equal((await pageText()).includes(secret), false, 'once closed, the secret is nowhere on the page');
    assert.equal(await page.inputValue('#create-webhook input[name=url]'), '', 'the form is emptied');

    assert.equal(await cellText(goodId, 2), good.url);
    assert.equal(await cellText(goodId, 3), 'session.ended');
    assert.equal(await cellText(goodId, 5), `seq ${hook.delivery.lastDeliveredSeq}`);
    assert.equal(await cellText(goodId, 6), '0');
    assert.equal(await cellText(goodId, 7), 'ok up to date');
    assert.equal(await caption(), 'Webhooks: 1 endpoint, 0 failing');

    // The secret shown is the one deliveries are signed with.
    const iris = await login(server.url, 'iris', 'iris-password-1');
    await api(server.url, 'POST', '/api/v1/logout', { sessionId: iris.sessionId });
    await good.until(() => good.accepted().some((e) => e.handle === iris.handle));
    const delivery = good.deliveries.find((d) => d.events.some((e) => e.handle === iris.handle))!;
    assert.equal(signedWith(secret, delivery.headers, delivery.body), true);
    assert.deepEqual(
      delivery.events.map((e) => e.type),
      ['session.ended'],
      'only the chosen type',
    );
    const endSeq = delivery.events[0]!.seq;
    await refresh();
    await page.waitForFunction(([sel, seq]) => document.querySelector(sel!)?.textContent === `seq ${seq}`, [`${row(goodId)} td:nth-child(5)`, String(endSeq)] as const);
    assert.equal(await cellText(goodId, 7), 'ok up to date');
  });

  test('a secret the admin gives is not shown back; a failing receiver shows failures, the next retry and its answer', async () => {
    const given = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    flaky.answer(503);
    await fillRegister(flaky.url, { secret: given });
    await message(page, /Registered/);
    assert.equal(await page.isVisible('#secret-dialog'), false, 'no secret dialog for a secret the admin typed');
    assert.equal((await pageText()).includes(given), false);
    flakyId = (await listed()).find((h) => h.url === flaky.url)!.id;
    assert.equal(await cellText(flakyId, 3), 'session.created, session.ended');

    await login(server.url, 'iris', 'iris-password-1');
    await flaky.until(() => flaky.deliveries.length > 0);
    // The node records the failure after the answer; wait until the list says so.
    for (let i = 0; (await listed()).find((h) => h.id === flakyId)!.delivery.failures === 0; i++) {
      assert.ok(i < 200, 'the failure is recorded');
      await new Promise((r) => setTimeout(r, 50));
    }
    await refresh();
    await page.waitForFunction((sel) => /^retrying/.test(document.querySelector(sel)?.textContent?.trim() ?? ''), `${row(flakyId)} td:nth-child(7)`);
    const state = await cellText(flakyId, 7);
    assert.match(state, /^retrying \d+ failures?, next attempt .+; last: HTTP 503/);
    assert.equal(Number(await cellText(flakyId, 6)) >= 1, true, 'the events it has not received are counted');
    assert.match(await caption(), /^Webhooks: 2 endpoints, 1 failing$/);
    assert.equal(await page.$eval(`${row(flakyId)} td:nth-child(7) .badge`, (b) => b.className), 'badge warn');
    await screenshot(page, 'console-webhooks');
  });

  test('deleting asks first: Cancel keeps it; Confirm deletes it and nothing more is delivered; one already gone is refused', async () => {
    await clearMessage();
    await page.click(`#webhooks button[aria-label="Delete webhook ${flakyId}"]`);
    const asked = await answerConfirm(page, 'cancel');
    assert.equal(asked.title, `Delete the webhook ${flakyId}?`);
    assert.match(asked.text, new RegExp(`^Nothing more is delivered to ${flaky.url.replace(/[.]/g, '\\.')}, not even the \\d+ events? it has not received yet\\. This cannot be undone\\.$`));
    assert.equal(asked.focused, 'confirm-cancel', 'focus starts on Cancel');
    assert.equal(await message(page, /Nothing was deleted/), 'Nothing was deleted.');
    assert.equal((await listed()).length, 2);

    await clearMessage();
    await page.click(`#webhooks button[aria-label="Delete webhook ${flakyId}"]`);
    await answerConfirm(page, 'ok');
    assert.equal(await message(page, /deleted/), `The webhook ${flakyId} is deleted; nothing more is delivered to ${flaky.url}.`);
    assert.equal(await activeId(page), 'message');
    assert.equal(await page.locator(row(flakyId)).count(), 0);
    assert.equal(await page.locator(row(goodId)).count(), 1);
    assert.deepEqual(
      (await listed()).map((h) => h.id),
      [goodId],
    );
    assert.equal(await caption(), 'Webhooks: 1 endpoint, 0 failing');

    // Another admin deletes the other one while this page still shows it.
    await api(server.url, 'DELETE', `/api/v1/admin/webhooks/${goodId}`, { sessionId: admin });
    await clearMessage();
    await page.click(`#webhooks button[aria-label="Delete webhook ${goodId}"]`);
    await answerConfirm(page, 'ok');
    assert.equal(await message(page, /Refused/), 'Refused (NOT_FOUND): No such webhook.');
  });
});
