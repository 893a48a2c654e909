import type {
  AuthenticationAnswer,
  AuthenticationReason,
  ContainerServices,
  EsmContext,
  ExternalSecurityModule,
  FailureRequestType,
  LoginForm,
  PoolKeyParts,
  ReconnectReason,
  RequestKeys,
  ServerSession,
} from 'sessiond/esm';

/**
 * A starting point: every hook, answering what the default module answers. Delete the hooks
 * you do not change (a missing hook behaves exactly like this). Any hook may be async.
 */
export default class MyModule implements ExternalSecurityModule {
  constructor(private readonly context: EsmContext) {}

  handlesAuthenticationRequest(_keys: RequestKeys, _c: ContainerServices, _reason: AuthenticationReason): AuthenticationAnswer {
    return 'USE_DEFAULT_LOGIN';
  }
  processLoginForm(_keys: RequestKeys, _c: ContainerServices, _form: LoginForm, _reason: AuthenticationReason): boolean {
    return true;
  }
  getCustomLoginURL(_originalURL: string, _project: string): string {
    return '/web/login';
  }
  getServerSession(_keys: RequestKeys, _c: ContainerServices): ServerSession | null {
    return null;
  }
  isRequestAuthorized(_keys: RequestKeys, _c: ContainerServices, _user: ServerSession): boolean {
    return true;
  }
  getFailureURL(_reqType: FailureRequestType, _c: ContainerServices): string | null {
    return null;
  }
  closeSessionOnLogout(_keys: RequestKeys, _c: ContainerServices, _user: ServerSession): boolean {
    return true;
  }
  canReconnectSession(_c: ContainerServices, _current: ServerSession, _reason: ReconnectReason): boolean {
    return false;
  }
  getPoolKey(_parts: PoolKeyParts): string | null {
    return null;
  }
}
