import { readFileSync } from 'node:fs';
import { join, normalize } from 'node:path';
import type { Page } from 'playwright-core';
import { installedPackages } from './consumer-project.ts';

/**
 * A web application's page that imports the installed client as an ES module, with an import
 * map for the bare names (as an app does without a bundler). The page and its modules are
 * answered by the browser from the installed project but under the server's own origin, so its
 * API calls are same-origin: no CORS is asked of the server, and none is opened.
 */

type Conditions = string | { [condition: string]: Conditions } | null | undefined;

/** The ES module entry a browser takes: the `browser`, `import` or `default` export of ".". */
function esmEntry(pkg: { exports?: Conditions | Record<string, Conditions>; module?: string; main?: string }): string {
  const pick = (value: Conditions): string | undefined => {
    if (typeof value === 'string') return value;
    if (!value) return undefined;
    for (const condition of ['browser', 'import', 'default']) {
      const found = pick(value[condition]);
      if (found) return found;
    }
    return undefined;
  };
  const exports = pkg.exports as Record<string, Conditions> | string | undefined;
  const dot = typeof exports === 'object' && exports !== null && '.' in exports ? exports['.'] : exports;
  return (pick(dot) ?? pkg.module ?? pkg.main ?? 'index.js').replace(/^\.\//, '');
}

function importMap(project: string, base: string): { imports: Record<string, string> } {
  const imports: Record<string, string> = {};
  for (const name of installedPackages(project)) {
    const pkg = JSON.parse(readFileSync(join(project, 'node_modules', name, 'package.json'), 'utf8')) as Parameters<typeof esmEntry>[0];
    imports[name] = `${base}${name}/${esmEntry(pkg)}`;
    imports[`${name}/`] = `${base}${name}/`;
  }
  // The client's own subpath export.
  imports['@sessiond/client/protocol'] = `${base}@sessiond/client/dist/protocol/index.js`;
  return { imports };
}

const PAGE_SCRIPT = (password: string, serverUrl: string) => `
import { Connection, SessiondApiError } from '@sessiond/client';
const serverUrl = ${JSON.stringify(serverUrl)};
const out = {};
try {
  for (const transport of ['rest', 'soap']) {
    const connection = new Connection({ serverUrl, transport });
    const login = await connection.login('admin', ${JSON.stringify(password)});
    const info = await connection.getUserInfo();
    await connection.logout();
    let afterLogout = 'alive';
    try {
      await new Connection({ serverUrl, transport, sessionId: login.sessionId }).getUserInfo();
    } catch (error) {
      afterLogout = error instanceof SessiondApiError ? error.statusCode : String(error);
    }
    out[transport] = { userName: info.userName, sessionIdPrefix: login.sessionId.slice(0, 4), afterLogout };
  }
  globalThis.result = out;
} catch (error) {
  globalThis.result = { error: String(error && error.statusCode) + ' ' + String(error && error.name) + ': ' + String(error && error.message) };
}
`;

/**
 * Routes `/consumer/…` of `pageUrl`'s origin to the page and the installed modules; answers the
 * page's URL. The page calls `serverUrl` (by default its own origin).
 */
export async function servePageFromServerOrigin(page: Page, pageUrl: string, project: string, password: string, serverUrl = pageUrl): Promise<string> {
  const origin = new URL(pageUrl).origin;
  const modules = `${origin}/consumer/modules/`;
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>consumer</title>
<script type="importmap">${JSON.stringify(importMap(project, '/consumer/modules/'))}</script>
<script type="module">${PAGE_SCRIPT(password, new URL(serverUrl).origin)}</script>
</head><body>consumer page</body></html>`;
  await page.route(`${origin}/consumer/**`, async (route) => {
    const url = route.request().url();
    if (url === `${origin}/consumer/index.html`) return route.fulfill({ status: 200, contentType: 'text/html', body: html });
    if (!url.startsWith(modules)) return route.fulfill({ status: 404, body: 'not here' });
    const path = normalize(decodeURIComponent(new URL(url).pathname.slice('/consumer/modules/'.length)));
    if (path.startsWith('..')) return route.fulfill({ status: 404, body: 'not here' });
    try {
      const body = readFileSync(join(project, 'node_modules', path));
      return route.fulfill({ status: 200, contentType: path.endsWith('.js') || path.endsWith('.mjs') ? 'text/javascript' : 'application/octet-stream', body });
    } catch {
      return route.fulfill({ status: 404, body: 'not installed' });
    }
  });
  return `${origin}/consumer/index.html`;
}
