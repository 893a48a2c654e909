import type { FastifyReply, FastifyRequest } from 'fastify';
import { RequestKeyValues } from '../esm/request-keys.ts';
import type { ContainerServices, CookieOptions, RequestKeys, ServerSession } from '../esm/types.ts';
import { UpstreamError } from './upstream.ts';

/** The web tier's own cookies: never shown to a module, never set by one. */
export const WEB_COOKIE = 'sessiond_web';
export const CSRF_COOKIE = 'sessiond_csrf';
export const WEB_PATH = '/web';

/** Form fields a module never sees in RequestKeys (it gets the password through LoginForm). */
const HIDDEN_FIELDS = new Set(['password', '_csrf']);
const COOKIE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function isOwnCookie(name: string): boolean {
  return name.toLowerCase().startsWith('sessiond_');
}

function visible(values: unknown, hide: (name: string) => boolean): Record<string, unknown> {
  if (typeof values !== 'object' || values === null) return {};
  return Object.fromEntries(Object.entries(values).filter(([name]) => !hide(name)));
}

/** RequestKeys for one request: query, form, cookies, the route's parameters and the web session's variables. */
export function requestKeysOf(request: FastifyRequest, vars: Readonly<Record<string, string>>, path: Record<string, string> = {}): RequestKeys {
  return new RequestKeyValues()
    .add('query', visible(request.query, () => false))
    .add('form', visible(request.body, (n) => HIDDEN_FIELDS.has(n.toLowerCase())))
    .add('cookie', visible(request.cookies, isOwnCookie))
    .add('path', path)
    .add('session', vars);
}

export interface ContainerDeps {
  openServerSession(form: { login: string; password: string; project: string }): Promise<ServerSession>;
  checkCredentials(login: string, password: string): Promise<boolean>;
  secureCookies: boolean;
}

/**
 * ContainerServices for one request. Session variables are read from and written to `vars`,
 * the web session's own record, which the route saves afterwards (`changed` tells it to).
 */
export class WebContainer implements ContainerServices {
  changed = false;
  /** Set when a call the module made found the upstream down, so a refusal can say so. */
  upstreamUnavailable = false;

  constructor(
    private readonly request: FastifyRequest,
    private readonly reply: FastifyReply,
    readonly vars: Record<string, string>,
    private readonly deps: ContainerDeps,
  ) {}

  getHeaderValue(name: string): string | undefined {
    const key = String(name).toLowerCase();
    // Cookies (the web session's among them) are read through getCookie, which hides the secret ones.
    if (key === 'cookie' || key === 'authorization') return undefined;
    const value = this.request.headers[key];
    return Array.isArray(value) ? value.join(',') : value;
  }

  getCookie(name: string): string | undefined {
    const key = String(name);
    return isOwnCookie(key) ? undefined : this.request.cookies[key];
  }

  addCookieToResponse(name: string, value: string, options: CookieOptions = {}): void {
    if (!COOKIE_NAME.test(String(name)) || isOwnCookie(name)) throw new TypeError(`addCookieToResponse: "${String(name)}" is not a cookie name a module may set`);
    if (typeof value !== 'string' || value.length > 4096) throw new TypeError('addCookieToResponse: the value must be a string of at most 4096 characters');
    const path = options.path ?? WEB_PATH;
    if (!/^\/[A-Za-z0-9/_.-]*$/.test(path)) throw new TypeError('addCookieToResponse: path must be a plain /path');
    void this.reply.setCookie(name, value, {
      path,
      httpOnly: options.httpOnly ?? true,
      sameSite: 'lax',
      secure: this.deps.secureCookies,
      ...(options.maxAgeSeconds !== undefined ? { maxAge: Math.max(0, Math.floor(options.maxAgeSeconds)) } : {}),
    });
  }

  getSessionAttribute(name: string): string | undefined {
    return Object.hasOwn(this.vars, String(name)) ? this.vars[String(name)] : undefined;
  }

  setSessionAttribute(name: string, value: string | null): void {
    const key = String(name);
    if (key.length === 0 || key.length > 128) throw new TypeError('setSessionAttribute: a name of 1-128 characters');
    if (value === null) delete this.vars[key];
    else if (typeof value === 'string' && value.length <= 4096) this.vars[key] = value;
    else throw new TypeError('setSessionAttribute: the value must be a string of at most 4096 characters, or null');
    this.changed = true;
  }

  getRemoteAddress(): string {
    return this.request.ip;
  }

  getPeerAddress(): string {
    return this.request.socket.remoteAddress ?? '';
  }

  getApplicationPath(): string {
    return WEB_PATH;
  }

  openServerSession(form: { login: string; password: string; project: string }): Promise<ServerSession> {
    return this.noting(this.deps.openServerSession({ login: String(form.login), password: String(form.password), project: String(form.project) }));
  }

  checkCredentials(login: string, password: string): Promise<boolean> {
    return this.noting(this.deps.checkCredentials(String(login), String(password)));
  }

  private async noting<T>(call: Promise<T>): Promise<T> {
    try {
      return await call;
    } catch (error) {
      if (error instanceof UpstreamError && error.failure === 'UNAVAILABLE') this.upstreamUnavailable = true;
      throw error;
    }
  }
}
