/**
 * A small browser stand-in for the web tier's tests: a cookie jar, forms posted as
 * application/x-www-form-urlencoded, redirects not followed (tests look at them), and the
 * CSRF token read from the page's hidden field, as a browser would submit it.
 */
export interface WebResponse {
  status: number;
  location: string | null;
  setCookies: string[];
  html: string;
}

export class WebClient {
  readonly jar = new Map<string, string>();
  /** The CSRF token of the last page that carried one. */
  csrf: string | undefined;

  constructor(
    readonly base: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private async send(method: string, path: string, form?: Record<string, string>, headers: Record<string, string> = {}): Promise<WebResponse> {
    const h: Record<string, string> = { ...this.headers, ...headers };
    if (this.jar.size) h.cookie = this.cookieHeader();
    let body: string | undefined;
    if (form) {
      body = new URLSearchParams(form).toString();
      h['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(this.base + path, { method, headers: h, redirect: 'manual', ...(body !== undefined ? { body } : {}) });
    const setCookies = res.headers.getSetCookie();
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
    const html = await res.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(html);
    if (token) this.csrf = token[1];
    return { status: res.status, location: res.headers.get('location'), setCookies, html };
  }

  get(path: string, headers?: Record<string, string>): Promise<WebResponse> {
    return this.send('GET', path, undefined, headers);
  }

  post(path: string, form: Record<string, string>, headers?: Record<string, string>): Promise<WebResponse> {
    return this.send('POST', path, form, headers);
  }

  /** GET the form, then POST it with its CSRF token. */
  async login(username: string, password: string, project?: string): Promise<WebResponse> {
    await this.get('/web/login');
    const res = await this.post('/web/login', { _csrf: this.csrf ?? '', username, password, ...(project ? { project } : {}) });
    // The sign-in form's token belongs to the signed-out browser; signed in, forms carry the web session's own.
    if (this.jar.has('sessiond_web')) this.csrf = undefined;
    return res;
  }

  async logout(): Promise<WebResponse> {
    if (!this.csrf) await this.get('/web/');
    return this.post('/web/logout', { _csrf: this.csrf ?? '' });
  }

  /** The server session handle a project page shows. */
  static handleOf(html: string): string | undefined {
    return /id="handle">([^<]+)</.exec(html)?.[1];
  }
}
