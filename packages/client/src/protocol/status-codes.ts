/**
 * The one table of status codes. REST, SOAP and the TypeScript client all read it, so an
 * error's HTTP status, SOAP fault type and default message are written here and nowhere else.
 */
export type SoapFaultType = 'UnexpectedErrorFault' | 'LoginFault' | 'InvalidSObjectFault';

export interface StatusCodeInfo {
  /** HTTP status for REST answers (SOAP faults always travel as HTTP 500). */
  readonly http: number;
  /** The `sf:` detail element of the SOAP fault. */
  readonly soapFault: SoapFaultType;
  /** The message used when the thrower gives none. */
  readonly message: string;
}

export const STATUS_CODES = {
  INVALID_SESSION_ID: {
    http: 401,
    soapFault: 'UnexpectedErrorFault',
    message: 'Invalid Session ID found in SessionHeader: Illegal Session',
  },
  INVALID_LOGIN: {
    http: 401,
    soapFault: 'LoginFault',
    message: 'Invalid username, password, security token; or user locked out.',
  },
  LOGIN_RATE_EXCEEDED: {
    http: 429,
    soapFault: 'LoginFault',
    message: 'Too many login attempts; try again later.',
  },
  EXCEEDED_ID_LIMIT: {
    http: 400,
    soapFault: 'UnexpectedErrorFault',
    message: 'Too many IDs: at most 200 may be sent in one call; nothing was ended.',
  },
  INSUFFICIENT_ACCESS: {
    http: 403,
    soapFault: 'UnexpectedErrorFault',
    message: 'Insufficient access: this call needs an administrator session.',
  },
  INVALID_REQUEST: { http: 400, soapFault: 'UnexpectedErrorFault', message: 'The request is not valid.' },
  REQUEST_TOO_LARGE: { http: 413, soapFault: 'UnexpectedErrorFault', message: 'The request body is too large.' },
  UNSUPPORTED_MEDIA_TYPE: { http: 415, soapFault: 'UnexpectedErrorFault', message: 'Unsupported content type.' },
  INVALID_OPERATION: { http: 400, soapFault: 'UnexpectedErrorFault', message: 'Unknown or unsupported operation.' },
  UNSUPPORTED_API_VERSION: {
    http: 400,
    soapFault: 'UnexpectedErrorFault',
    message: 'That Partner API version is not served here.',
  },
  DUPLICATE_USERNAME: { http: 409, soapFault: 'UnexpectedErrorFault', message: 'A user with that username already exists.' },
  LAST_ADMIN: {
    http: 409,
    soapFault: 'UnexpectedErrorFault',
    message: 'The last active administrator cannot be deactivated, deleted or demoted; make another administrator first.',
  },
  NOT_FOUND: { http: 404, soapFault: 'UnexpectedErrorFault', message: 'Not found.' },
  SERVICE_UNAVAILABLE: {
    http: 503,
    soapFault: 'UnexpectedErrorFault',
    message: 'The session store is unavailable; try again shortly.',
  },
  UNKNOWN_EXCEPTION: { http: 500, soapFault: 'UnexpectedErrorFault', message: 'An unexpected error occurred.' },
} as const satisfies Record<string, StatusCodeInfo>;

export type StatusCode = keyof typeof STATUS_CODES;

/** The one message for every per-ID failure of invalidateSessions: unknown, expired, ended and malformed look alike. */
export const INVALID_SESSION_ID_PER_ID_MESSAGE = 'Invalid session ID: unknown, expired, already ended or malformed.';

/** Most IDs (or handles) one invalidate call may name. */
export const MAX_IDS_PER_CALL = 200;
