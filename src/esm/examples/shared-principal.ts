import type { ContainerServices, EsmContext, ExternalSecurityModule, LoginForm, RequestKeys } from 'sessiond/esm';

/**
 * Example ESM: many web users, one shared service principal, pooled server sessions.
 *
 * Each person signs in with their own sessiond account; the module checks that password, then
 * rewrites the login form to the service principal, so every server session is signed in as
 * that principal. On logout it keeps the session (closeSessionOnLogout → false): it goes to the
 * pool under (upstream, project, service principal) and the next person who signs in for that
 * project is handed the same server session instead of a new login.
 *
 *   SESSIOND_ESM=src/esm/examples/shared-principal.ts
 *   SESSIOND_ESM_SERVICE_LOGIN=reports-svc
 *   SESSIOND_ESM_SERVICE_PASSWORD=…            (the service principal's password)
 *   SESSIOND_ESM_SHARED_USERS=alice,bob        (optional: only these people are mapped; default all)
 */
export default class SharedPrincipal implements ExternalSecurityModule {
  private readonly login: string;
  private readonly password: string;
  private readonly users: ReadonlySet<string> | null;

  constructor({ settings }: EsmContext) {
    if (!settings.SERVICE_LOGIN || !settings.SERVICE_PASSWORD) {
      throw new Error('shared-principal: set SESSIOND_ESM_SERVICE_LOGIN and SESSIOND_ESM_SERVICE_PASSWORD');
    }
    this.login = settings.SERVICE_LOGIN;
    this.password = settings.SERVICE_PASSWORD;
    this.users = settings.SHARED_USERS ? new Set(settings.SHARED_USERS.split(',').map((u) => u.trim())) : null;
  }

  async processLoginForm(_keys: RequestKeys, cntSvcs: ContainerServices, form: LoginForm): Promise<boolean> {
    const person = form.getLogin();
    if (this.users && !this.users.has(person)) return false;
    // The person proves who they are with their own password before being mapped.
    if (!(await cntSvcs.checkCredentials(person, form.getPassword()))) return false;
    cntSvcs.setSessionAttribute('displayName', person);
    form.setLogin(this.login);
    form.setPassword(this.password);
    return true;
  }

  /** Keep every server session: the pool hands it to the next person. */
  closeSessionOnLogout(): boolean {
    return false;
  }
}
