import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes a small External Security Module into `dir`, as a user would write one, that sends
 * every sign-in to an outside login page (USE_CUSTOM_LOGIN_PAGE). `GET /web/` on a server that
 * loaded it answers 303 to CUSTOM_LOGIN_URL: proof the module was loaded and is in use.
 * The TypeScript one uses syntax Node cannot strip (a parameter property), so only a real
 * TypeScript loader runs it.
 */
export const CUSTOM_LOGIN_URL = 'https://sso.example.com/login';

export function writeCustomLoginEsm(dir: string, kind: 'mjs' | 'js' | 'ts'): string {
  const file = join(dir, `custom-login.${kind}`);
  const source =
    kind === 'ts'
      ? `import type { AuthenticationAnswer, EsmContext } from 'sessiond/esm';

export default class CustomLogin {
  constructor(private readonly context: EsmContext) {}
  handlesAuthenticationRequest(): AuthenticationAnswer {
    return 'USE_CUSTOM_LOGIN_PAGE';
  }
  getCustomLoginURL(originalURL: string): string {
    return \`${CUSTOM_LOGIN_URL}?next=\${encodeURIComponent(originalURL)}&via=\${this.context.settings.VIA ?? 'ts'}\`;
  }
}
`
      : `export default {
  handlesAuthenticationRequest() {
    return 'USE_CUSTOM_LOGIN_PAGE';
  },
  getCustomLoginURL(originalURL) {
    return \`${CUSTOM_LOGIN_URL}?next=\${encodeURIComponent(originalURL)}&via=${kind}\`;
  },
};
`;
  writeFileSync(file, source);
  return file;
}

/** Asks `GET /web/` and answers where the server sends a browser with no web session. */
export async function signInRedirect(serverUrl: string): Promise<string | null> {
  const res = await fetch(`${serverUrl}/web/`, { redirect: 'manual' });
  await res.arrayBuffer();
  return res.status === 303 ? res.headers.get('location') : `(status ${res.status})`;
}
