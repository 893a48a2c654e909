import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { api } from '../../helpers/server.ts';

/** What the console tests share: signing in, the confirmation dialog, messages, screenshots. */

/** The README shows these: one per console tab, made by the tests that exercise the tab. */
export const SCREENSHOTS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url));

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // Focus may have scrolled a long table into view; the picture shows the page from its top.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png` });
}

export async function openConsole(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 860 } });
  await page.goto(`${url}/admin`);
  return page;
}

export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.fill('#sign-in input[name=username]', username);
  await page.fill('#sign-in input[name=password]', password);
  await page.click('#sign-in button[type=submit]');
}

/** A fresh page with an admin signed in and the Sessions tab loaded. */
export async function adminConsole(browser: Browser, url: string, password: string): Promise<Page> {
  const page = await openConsole(browser, url);
  await signIn(page, 'admin', password);
  await page.waitForSelector('#console:not([hidden])');
  await page.waitForFunction(() => /Page \d/.test(document.querySelector('#sessions-caption')?.textContent ?? ''));
  return page;
}

export const activeId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? '');

/** Waits until the message line says something matching, and answers it. */
export async function message(page: Page, pattern: RegExp): Promise<string> {
  await page.waitForFunction(
    (source) => {
      const el = document.querySelector<HTMLElement>('#message');
      return !!el && !el.hidden && new RegExp(source).test(el.textContent ?? '');
    },
    pattern.source,
  );
  return (await page.textContent('#message')) ?? '';
}

/** Selects a tab with the keyboard-free path (a click) and waits for its table to be filled. */
export async function openTab(page: Page, name: 'sessions' | 'users' | 'audit' | 'pool' | 'webhooks'): Promise<void> {
  await page.click(`#tab-${name}`);
  await page.waitForFunction((tab) => (document.querySelector(`#${tab}`)?.children.length ?? 0) > 0, name);
}

/** Waits for the confirmation dialog, answers what it asks, and presses its button (or Escape). */
export async function answerConfirm(page: Page, answer: 'ok' | 'cancel' | 'escape'): Promise<{ title: string; text: string; focused: string }> {
  await page.waitForSelector('#confirm[open]');
  const asked = { title: (await page.textContent('#confirm-title')) ?? '', text: (await page.textContent('#confirm-text')) ?? '', focused: await activeId(page) };
  if (answer === 'escape') await page.keyboard.press('Escape');
  else await page.click(answer === 'ok' ? '#confirm-ok' : '#confirm-cancel');
  await page.waitForSelector('#confirm:not([open])', { state: 'attached' });
  return asked;
}

/** Logs in over REST as a given browser or app would, answering the session. */
export async function loginAs(url: string, username: string, password: string, options: { project?: string; userAgent?: string } = {}) {
  const res = await api<{ sessionId: string; handle: string }>(url, 'POST', '/api/v1/login', {
    body: { username, password, ...(options.project ? { project: options.project } : {}) },
    ...(options.userAgent ? { headers: { 'user-agent': options.userAgent } } : {}),
  });
  if (res.status !== 200) throw new Error(`login ${username} answered ${res.status}`);
  return res.body;
}

export const isLive = async (url: string, sessionId: string) => (await api(url, 'GET', '/api/v1/session', { sessionId })).status === 200;
