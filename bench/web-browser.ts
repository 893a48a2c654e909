import { Agent, request } from 'node:http';

/**
 * A minimal browser for the web tier: keeps cookies, does not follow redirects (so every
 * Set-Cookie is seen), and reads the CSRF token from the last page's forms. It speaks node:http
 * on one kept-alive connection, as bench/sequential.ts does: `fetch` (undici) costs the client
 * ~0.3-1 ms more per request, a large share of a pooled open's few milliseconds.
 */
export class WebBrowser {
  private readonly cookies = new Map<string, string>();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  private readonly url: URL;
  csrf: string | undefined;

  constructor(baseUrl: string) {
    this.url = new URL(baseUrl);
  }

  request(method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<{ status: number; html: string; location: string | null }> {
    const headers: Record<string, string> = {};
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const body = form ? new URLSearchParams(form).toString() : undefined;
    if (body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    return new Promise((resolve, reject) => {
      const req = request({ host: this.url.hostname, port: this.url.port, path, method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          for (const cookie of res.headers['set-cookie'] ?? []) this.keep(cookie);
          const html = Buffer.concat(chunks).toString('utf8');
          const token = /name="_csrf" value="([^"]+)"/.exec(html);
          if (token) this.csrf = token[1]!;
          resolve({ status: res.statusCode ?? 0, html, location: res.headers.location ?? null });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  private keep(cookie: string): void {
    const [pair, ...attributes] = cookie.split(';');
    const eq = pair!.indexOf('=');
    const name = pair!.slice(0, eq).trim();
    const value = pair!.slice(eq + 1).trim();
    const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
    if (expired) this.cookies.delete(name);
    else this.cookies.set(name, value);
  }

  /** Posts a form with the current CSRF token; fails unless the answer is a 303. */
  async submit(path: string, form: Record<string, string>): Promise<string> {
    if (!this.csrf) throw new Error(`no CSRF token seen before POST ${path}`);
    const res = await this.request('POST', path, { ...form, _csrf: this.csrf });
    if (res.status !== 303) throw new Error(`POST ${path} answered ${res.status}: ${res.html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 200)}`);
    return res.location ?? '';
  }

  close(): void {
    this.agent.destroy();
  }
}
