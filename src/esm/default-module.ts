import type { ExternalSecurityModule } from './types.ts';

/**
 * The default module: the stock login form, every request authorized, every server session
 * closed on logout, no reconnect of a session that died, no custom pages.
 */
export const defaultModule: Required<ExternalSecurityModule> = {
  handlesAuthenticationRequest: () => 'USE_DEFAULT_LOGIN',
  processLoginForm: () => true,
  getCustomLoginURL: () => '/web/login',
  getServerSession: () => null,
  isRequestAuthorized: () => true,
  getFailureURL: () => null,
  closeSessionOnLogout: () => true,
  canReconnectSession: () => false,
  getPoolKey: () => null,
};
