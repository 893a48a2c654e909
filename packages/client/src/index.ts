/**
 * The sessiond TypeScript client (`@sessiond/client`): one Connection over REST or SOAP, with
 * calls named as in the Salesforce client samples, and the SessionValidator that checks
 * sessions inside an application. Built-in fetch and WebCrypto; no other runtime.
 */
export { Connection, ConnectorConfig, type ConnectionOptions } from './connection.ts';
export { CLIENT_CODES, SessiondApiError, SessiondUnavailableError } from './errors.ts';
export type { InvalidateError, InvalidateResult, LoginResult, MySession, SessionInfo, UserInfo } from './types.ts';
export { SessionValidator, type SessionValidatorOptions, type SessionValidatorStats } from './validator/session-validator.ts';
