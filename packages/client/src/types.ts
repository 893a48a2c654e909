import { z } from 'zod';

/**
 * The shapes the client answers, with the zod schemas that check every server answer before
 * the caller sees it.
 */
export const invalidateErrorSchema = z.object({
  statusCode: z.string().min(1),
  message: z.string(),
  fields: z.array(z.string()),
});
export const invalidateResultSchema = z.object({ success: z.boolean(), errors: z.array(invalidateErrorSchema) });

export type InvalidateError = z.infer<typeof invalidateErrorSchema>;
export type InvalidateResult = z.infer<typeof invalidateResultSchema>;

export const userInfoSchema = z.object({
  organizationId: z.string().min(1),
  organizationName: z.string(),
  /** Seconds until the session expires unless used; absent over SOAP before Partner API 21.0. */
  sessionSecondsValid: z.number().int().min(0).optional(),
  userEmail: z.string().nullable(),
  userFullName: z.string(),
  userId: z.string().min(1),
  userLanguage: z.string(),
  userLocale: z.string(),
  userName: z.string().min(1),
  userTimeZone: z.string(),
  userType: z.string(),
});
export type UserInfo = z.infer<typeof userInfoSchema>;

export interface LoginResult {
  /** The secret session ID; the connection keeps it for the following calls. */
  sessionId: string;
  userId: string;
  username: string;
  organizationId: string;
  project: string;
  /** REST: the server's base URL. SOAP: the endpoint later calls may go to (`…/services/Soap/u/{version}/{orgId}`). */
  serverUrl: string;
  /** The session's non-secret handle (REST only: the SOAP login response has no such field). */
  handle?: string;
  /** When the session ends unless it is ended sooner (REST only). */
  expiresAt?: Date;
  /** The idle timeout in seconds (REST only). */
  idleTimeoutSeconds?: number;
  /** SOAP only: always false on sessiond. */
  passwordExpired?: boolean;
  /** SOAP only: the login response's userInfo. */
  userInfo?: UserInfo;
}

export const restLoginSchema = z.object({
  sessionId: z.string().min(1),
  handle: z.string().min(1),
  userId: z.string().min(1),
  username: z.string().min(1),
  organizationId: z.string().min(1),
  project: z.string().min(1),
  serverUrl: z.string().min(1),
  expiresAt: z.iso.datetime(),
  idleTimeoutSeconds: z.number().int().positive(),
});
export const restErrorSchema = z.object({ errorCode: z.string().min(1), message: z.string(), requestId: z.string().optional() });
export const restInvalidateSchema = z.object({ results: z.array(invalidateResultSchema) });
export const restTimestampSchema = z.object({ timestamp: z.iso.datetime() });

/** One of the caller's own sessions, as getMySessions answers it (never its session ID). */
export interface MySession {
  /** The session's non-secret handle: what invalidateMySessions takes. */
  handle: string;
  project: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  /** The client's address at login; null for sessions from before sessiond recorded it. */
  ip: string | null;
  /** The client's User-Agent at login (at most 256 characters); null when none was sent. */
  userAgent: string | null;
  /** Whether this is the connection's own session. */
  current: boolean;
}

export const restMySessionsSchema = z.object({
  sessions: z.array(
    z.object({
      handle: z.string().min(1),
      project: z.string().min(1),
      createdAt: z.iso.datetime(),
      lastSeenAt: z.iso.datetime(),
      expiresAt: z.iso.datetime(),
      ip: z.string().nullable(),
      userAgent: z.string().nullable(),
      current: z.boolean(),
    }),
  ),
});
/**
 * A live session as `GET /api/v1/session` shows it (never its ID): what SessionValidator.check
 * answers and the Express and Fastify middleware put on the request.
 */
export interface SessionInfo {
  /** The session's non-secret handle: safe to log and show. */
  handle: string;
  userId: string;
  username: string;
  project: string;
  createdAt: Date;
  lastSeenAt: Date;
  /** When the session ends unless used sooner (idle timeout) or at the latest (absolute lifetime), as of the last server check. */
  expiresAt: Date;
  /** The client's address at login; null for sessions from before sessiond recorded it. */
  ip: string | null;
  /** The client's User-Agent at login (at most 256 characters); null when none was sent. */
  userAgent: string | null;
}

export const restSessionSchema = z.object({
  handle: z.string().min(1),
  userId: z.string().min(1),
  username: z.string().min(1),
  project: z.string().min(1),
  createdAt: z.iso.datetime(),
  lastSeenAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
});

export const restEndedSchema = z.object({ ended: z.number().int().min(0) });
export const restPasswordChangedSchema = z.object({ endedOtherSessions: z.number().int().min(0) });

/** The calls a transport makes; the Connection adds the session bookkeeping and batching. */
export interface Transport {
  login(username: string, password: string, project: string | undefined): Promise<LoginResult>;
  logout(sessionId: string): Promise<void>;
  invalidateSessions(sessionId: string, ids: readonly string[]): Promise<InvalidateResult[]>;
  getUserInfo(sessionId: string): Promise<UserInfo>;
  getServerTimestamp(sessionId: string): Promise<Date>;
}
