import { timingSafeEqual } from 'node:crypto';
import type { AuthenticationAnswer, ContainerServices, EsmContext, ExternalSecurityModule, RequestKeys, ServerSession } from 'sessiond/esm';

/**
 * Example ESM: single sign-on behind an authenticating reverse proxy (COLLECT_SESSION_NOW).
 *
 * The proxy signs people in and forwards their name in a header. A header alone is easy to
 * forge, so the module trusts it only when BOTH hold:
 *   - the TCP peer is one of the proxy's addresses (TRUSTED_PROXY_ADDRESSES), and
 *   - the request carries the secret only the proxy knows (PROXY_SECRET, in SECRET_HEADER).
 * Anything else gets the stock login form. The server sessions are signed in as a service
 * principal; the person's name is kept as the web user's display name.
 *
 *   SESSIOND_ESM=src/esm/examples/trusted-proxy-header.ts
 *   SESSIOND_ESM_TRUSTED_PROXY_ADDRESSES=10.0.0.5,10.0.0.6
 *   SESSIOND_ESM_PROXY_SECRET=…                (at least 32 characters)
 *   SESSIOND_ESM_USER_HEADER=x-forwarded-user  (default)
 *   SESSIOND_ESM_SECRET_HEADER=x-proxy-secret  (default)
 *   SESSIOND_ESM_SERVICE_LOGIN=sso-svc
 *   SESSIOND_ESM_SERVICE_PASSWORD=…
 */
const PERSON = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/;

export default class TrustedProxyHeader implements ExternalSecurityModule {
  private readonly addresses: ReadonlySet<string>;
  private readonly secret: Buffer;
  private readonly userHeader: string;
  private readonly secretHeader: string;
  private readonly login: string;
  private readonly password: string;

  constructor({ settings }: EsmContext) {
    const addresses = (settings.TRUSTED_PROXY_ADDRESSES ?? '').split(',').map((a) => a.trim()).filter(Boolean);
    if (addresses.length === 0) throw new Error('trusted-proxy-header: set SESSIOND_ESM_TRUSTED_PROXY_ADDRESSES');
    if (!settings.PROXY_SECRET || settings.PROXY_SECRET.length < 32) throw new Error('trusted-proxy-header: SESSIOND_ESM_PROXY_SECRET must be at least 32 characters');
    if (!settings.SERVICE_LOGIN || !settings.SERVICE_PASSWORD) throw new Error('trusted-proxy-header: set SESSIOND_ESM_SERVICE_LOGIN and SESSIOND_ESM_SERVICE_PASSWORD');
    // IPv4 peers may appear as IPv4-mapped IPv6 addresses.
    this.addresses = new Set(addresses.flatMap((a) => [a, `::ffff:${a}`]));
    this.secret = Buffer.from(settings.PROXY_SECRET);
    this.userHeader = (settings.USER_HEADER ?? 'x-forwarded-user').toLowerCase();
    this.secretHeader = (settings.SECRET_HEADER ?? 'x-proxy-secret').toLowerCase();
    this.login = settings.SERVICE_LOGIN;
    this.password = settings.SERVICE_PASSWORD;
  }

  /** The person the proxy vouches for, or null when the request did not come from the proxy. */
  private person(cntSvcs: ContainerServices): string | null {
    if (!this.addresses.has(cntSvcs.getPeerAddress())) return null;
    const given = Buffer.from(cntSvcs.getHeaderValue(this.secretHeader) ?? '');
    if (given.length !== this.secret.length || !timingSafeEqual(given, this.secret)) return null;
    const person = cntSvcs.getHeaderValue(this.userHeader);
    return person && PERSON.test(person) ? person : null;
  }

  handlesAuthenticationRequest(_keys: RequestKeys, cntSvcs: ContainerServices): AuthenticationAnswer {
    return this.person(cntSvcs) ? 'COLLECT_SESSION_NOW' : 'USE_DEFAULT_LOGIN';
  }

  async getServerSession(keys: RequestKeys, cntSvcs: ContainerServices): Promise<ServerSession | null> {
    const person = this.person(cntSvcs);
    if (!person) return null;
    cntSvcs.setSessionAttribute('displayName', person);
    cntSvcs.setSessionAttribute('proxyUser', person);
    const project = keys.getSource('project') === 'path' ? (keys.getValue('project') ?? 'default') : 'default';
    return cntSvcs.openServerSession({ login: this.login, password: this.password, project });
  }

  /** A proxied request must be for the same person the web session was opened for. */
  isRequestAuthorized(_keys: RequestKeys, cntSvcs: ContainerServices): boolean {
    const opened = cntSvcs.getSessionAttribute('proxyUser');
    if (opened === undefined) return true; // signed in with the stock form
    const person = this.person(cntSvcs);
    return person === null || person === opened;
  }
}
