/**
 * Core's view of the one status-code table. The table itself lives in the client package's
 * protocol module, so the server (REST, SOAP) and every client read the same codes, HTTP
 * statuses, SOAP fault types and messages.
 */
export {
  INVALID_SESSION_ID_PER_ID_MESSAGE,
  MAX_IDS_PER_CALL,
  STATUS_CODES,
  type SoapFaultType,
  type StatusCode,
  type StatusCodeInfo,
} from '@sessiond/client/protocol';
