/** The ESM plug-in API: what a module author imports (`import type { … } from 'sessiond/esm'`). */
export type {
  AuthenticationAnswer,
  AuthenticationReason,
  ContainerServices,
  CookieOptions,
  EsmContext,
  ExternalSecurityModule,
  FailureRequestType,
  KeySource,
  LoginForm,
  PoolKeyParts,
  ReconnectReason,
  RequestKeys,
  ServerSession,
} from './types.ts';
export { defaultModule } from './default-module.ts';
export { loadEsm, EsmLoadError } from './load-esm.ts';
export { SafeEsm } from './safe-esm.ts';
