/**
 * A minimal browser for the web tier: keeps cookies, does not follow redirects (so every
 * Set-Cookie is seen), and reads the CSRF token from the last page's forms.
 */
export class WebBrowser {
  private readonly cookies = new Map<string, string>();
  csrf: string | undefined;

  constructor(private readonly baseUrl: string) {}

  async request(method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<{ status: number; html: string; location: string | null }> {
    const headers: Record<string, string> = {};
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(this.baseUrl + path, {
      method,
      headers,
      redirect: 'manual',
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair, ...attributes] = cookie.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const html = await res.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(html);
    if (token) this.csrf = token[1]!;
    return { status: res.status, html, location: res.headers.get('location') };
  }

  /** Posts a form with the current CSRF token; fails unless the answer is a 303. */
  async submit(path: string, form: Record<string, string>): Promise<string> {
    if (!this.csrf) throw new Error(`no CSRF token seen before POST ${path}`);
    const res = await this.request('POST', path, { ...form, _csrf: this.csrf });
    if (res.status !== 303) throw new Error(`POST ${path} answered ${res.status}: ${res.html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 200)}`);
    return res.location ?? '';
  }
}
