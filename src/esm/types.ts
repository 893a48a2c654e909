/**
 * The External Security Module (ESM) interface: the hooks a module may define to decide how
 * web users sign in and what happens to each server session on logout. Every hook is
 * optional and may answer a value or a Promise; a missing hook behaves as the default module.
 */

export type AuthenticationReason = 'NO_SESSION_FOUND' | 'SESSION_CLOSED' | 'INVALID_CREDENTIALS' | 'LOGIN_FIRST';
export type AuthenticationAnswer = 'USE_DEFAULT_LOGIN' | 'USE_CUSTOM_LOGIN_PAGE' | 'COLLECT_SESSION_NOW';
export type FailureRequestType = 'AUTHORIZATION_REQUEST' | 'LOGIN_REQUEST' | 'LOGOUT_REQUEST';
/** The upstream cannot tell ended from expired (both answer INVALID_SESSION_ID), so there is one reason. */
export type ReconnectReason = 'SESSION_ENDED';
/** `path`: a route parameter, such as the project of /web/projects/{project}. */
export type KeySource = 'query' | 'form' | 'cookie' | 'session' | 'path';

type MaybePromise<T> = T | Promise<T>;

/** The key/values of one web request (query, form, cookies) and the web session's variables. */
export interface RequestKeys {
  /** All values of `name` (case-insensitive), comma-joined; undefined when absent. */
  getValue(name: string): string | undefined;
  getValues(name: string): string[];
  /** Where the first value of `name` came from. */
  getSource(name: string): KeySource | undefined;
  names(): string[];
}

export interface CookieOptions {
  maxAgeSeconds?: number;
  path?: string;
  httpOnly?: boolean;
}

/** Direct access to the web container, for what RequestKeys does not expose. */
export interface ContainerServices {
  getHeaderValue(name: string): string | undefined;
  getCookie(name: string): string | undefined;
  addCookieToResponse(name: string, value: string, options?: CookieOptions): void;
  getSessionAttribute(name: string): string | undefined;
  /** Sets a web session variable; `displayName`, when set, is the name pages show for the web user. */
  setSessionAttribute(name: string, value: string | null): void;
  /** The client's address (behind SESSIOND_TRUST_PROXY: the one the proxy forwarded). */
  getRemoteAddress(): string;
  /** The address of the TCP peer itself (the proxy, when there is one): what a trust check should use. */
  getPeerAddress(): string;
  /** Where the web tier is mounted, e.g. `/web`. */
  getApplicationPath(): string;
  /**
   * Opens a server session at the upstream (for COLLECT_SESSION_NOW modules): the pool's when
   * one fits the credentials, else a new login. Throws on bad credentials or when the upstream
   * is down; the web tier turns that into a refused login.
   */
  openServerSession(form: { login: string; password: string; project: string }): Promise<ServerSession>;
  /** Whether the upstream accepts this login and password; opens no session that stays open. */
  checkCredentials(login: string, password: string): Promise<boolean>;
}

/** One server session a web user holds (the `user` argument of the hooks). */
export interface ServerSession {
  /** The secret session ID: use it to call the upstream; never log or show it. */
  getSessionID(): string;
  getHandle(): string;
  getLogin(): string;
  getProjectName(): string;
  /** The upstream this session belongs to (`local` or a URL). */
  getServerName(): string;
  isAlive(): Promise<boolean>;
  closeSession(): Promise<void>;
}

/** The login form as submitted; a module may rewrite it to map web users onto upstream principals. */
export interface LoginForm {
  getLogin(): string;
  setLogin(value: string): void;
  getPassword(): string;
  setPassword(value: string): void;
  getProject(): string;
  setProject(value: string): void;
}

/** What the pool key is made of when the module does not supply one. */
export interface PoolKeyParts {
  upstream: string;
  project: string;
  login: string;
}

export interface ExternalSecurityModule {
  handlesAuthenticationRequest?(reqKeys: RequestKeys, cntSvcs: ContainerServices, reason: AuthenticationReason): MaybePromise<AuthenticationAnswer>;
  processLoginForm?(reqKeys: RequestKeys, cntSvcs: ContainerServices, loginForm: LoginForm, reason: AuthenticationReason): MaybePromise<boolean>;
  getCustomLoginURL?(originalURL: string, project: string): MaybePromise<string>;
  getServerSession?(reqKeys: RequestKeys, cntSvcs: ContainerServices): MaybePromise<ServerSession | null>;
  isRequestAuthorized?(reqKeys: RequestKeys, cntSvcs: ContainerServices, user: ServerSession): MaybePromise<boolean>;
  getFailureURL?(reqType: FailureRequestType, cntSvcs: ContainerServices): MaybePromise<string | null>;
  closeSessionOnLogout?(reqKeys: RequestKeys, cntSvcs: ContainerServices, user: ServerSession): MaybePromise<boolean>;
  canReconnectSession?(cntSvcs: ContainerServices, currentSession: ServerSession, reason: ReconnectReason): MaybePromise<boolean>;
  /**
   * Splits the pool further (by tenant, role, ...): the key is added to (upstream, project,
   * login), so it can never merge sessions of different principals. null or missing: no split.
   */
  getPoolKey?(parts: PoolKeyParts): MaybePromise<string | null>;
}

/** What a module's class constructor (or factory) receives. */
export interface EsmContext {
  /** Every SESSIOND_ESM_<NAME> setting, by NAME. */
  settings: Readonly<Record<string, string>>;
}
