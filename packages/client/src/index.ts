/**
 * The sessiond TypeScript client (`sessiond/client`): one Connection over REST or SOAP, with
 * calls named as in the Salesforce client samples. Node 20's built-in fetch; no other runtime.
 */
export { Connection, ConnectorConfig, type ConnectionOptions } from './connection.ts';
export { CLIENT_CODES, SessiondApiError, SessiondUnavailableError } from './errors.ts';
export type { InvalidateError, InvalidateResult, LoginResult, MySession, UserInfo } from './types.ts';
