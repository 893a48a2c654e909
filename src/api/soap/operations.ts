import { z } from 'zod';
import { SessiondError } from '../../core/errors.ts';
import { PASSWORD_MAX_LENGTH, PROJECT_PATTERN } from '../../core/input-rules.ts';
import { MAX_ID_INPUT_LENGTH } from '../../core/secret-id.ts';
import type { SessiondContext } from '../../http/context.ts';
import { buildUserInfo } from '../user-info.ts';
import { parseInput } from '../validate-input.ts';
import type { XmlNode } from './envelope.ts';
import { partnerAnswer, partnerUserInfo } from './partner-answers.ts';
import { soapPath, type XmlValue } from '@sessiond/client/protocol';

/**
 * The five Partner API calls, each a thin edge over the same core calls REST makes: the
 * payload is checked with zod, the core does the work, the answer is shaped as the WSDL says.
 */
export interface SoapCall {
  /** The Partner API version of the endpoint (27 for /services/Soap/u/27.0): answers take its shape. */
  version: number;
  payload: XmlNode;
  sessionId: XmlNode | XmlNode[] | undefined;
  /** The caller's address, for the login brute-force limit; login records it on the session. */
  address: string;
  /** The caller's User-Agent header; login records it on the session. */
  userAgent: string | undefined;
}

type Operation = (ctx: SessiondContext, call: SoapCall) => Promise<XmlValue>;

/** An empty element (`<logout/>`) arrives as '' and is read as an element with no children. */
const element = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === '' ? {} : value), schema);

const emptyPayload = element(z.object({}).strict());

const loginPayload = element(
  z
    .object({
      username: z.string().min(1).max(256),
      password: z.string().max(PASSWORD_MAX_LENGTH),
      // sessiond's one addition to login: the project to sign into (stock clients leave it out).
      project: z.string().regex(PROJECT_PATTERN, 'must be 1-64 letters, digits, _ or -').optional(),
    })
    .strict(),
);

const invalidatePayload = element(z.object({ sessionIds: z.array(z.string()).default([]) }).strict());

/** The SessionHeader's session ID, or INVALID_SESSION_ID when it is missing or not one text value. */
function headerSessionId(value: SoapCall['sessionId']): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ID_INPUT_LENGTH) {
    throw new SessiondError('INVALID_SESSION_ID');
  }
  return value;
}

const login: Operation = async (ctx, call) => {
  const input = parseInput(loginPayload, call.payload, 'login');
  const outcome = await ctx.service.login({ ...input, address: call.address, userAgent: call.userAgent });
  const orgId = ctx.config.organizationId;
  const base = ctx.baseUrl();
  const version = `${call.version}.0`;
  const userInfo = buildUserInfo(ctx.service, orgId, { session: outcome.session, user: outcome.user });
  return {
    result: partnerAnswer('LoginResult', call.version, {
      // sessiond has no Metadata API; the field is required by clients, so it names where one would be.
      metadataServerUrl: `${base}/services/Soap/m/${version}/${orgId}`,
      passwordExpired: false,
      sandbox: false,
      serverUrl: `${base}${soapPath(version)}/${orgId}`,
      sessionId: outcome.sessionId,
      userId: outcome.user.userId,
      userInfo: partnerUserInfo(userInfo, call.version),
    }),
  };
};

const logout: Operation = async (ctx, call) => {
  const sessionId = headerSessionId(call.sessionId);
  parseInput(emptyPayload, call.payload, 'logout');
  await ctx.service.logout(sessionId);
  return {};
};

const invalidateSessions: Operation = async (ctx, call) => {
  const sessionId = headerSessionId(call.sessionId);
  const { sessionIds } = parseInput(invalidatePayload, call.payload, 'invalidateSessions');
  const results = await ctx.service.invalidateSessions(sessionId, sessionIds);
  return {
    result: results.map((r) =>
      partnerAnswer('InvalidateSessionsResult', call.version, {
        errors: r.errors.map((e) => partnerAnswer('Error', call.version, { fields: e.fields, message: e.message, statusCode: e.statusCode })),
        success: r.success,
      }),
    ),
  };
};

const getUserInfo: Operation = async (ctx, call) => {
  const sessionId = headerSessionId(call.sessionId);
  parseInput(emptyPayload, call.payload, 'getUserInfo');
  const caller = await ctx.service.authenticateUser(sessionId);
  return { result: partnerUserInfo(buildUserInfo(ctx.service, ctx.config.organizationId, caller), call.version) };
};

const getServerTimestamp: Operation = async (ctx, call) => {
  const sessionId = headerSessionId(call.sessionId);
  parseInput(emptyPayload, call.payload, 'getServerTimestamp');
  await ctx.service.authenticate(sessionId);
  return { result: partnerAnswer('GetServerTimestampResult', call.version, { timestamp: new Date(ctx.clock.now()).toISOString() }) };
};

/** A Map, not an object: an operation named `constructor` or `__proto__` must find nothing. */
export const OPERATIONS: ReadonlyMap<string, Operation> = new Map([
  ['login', login],
  ['logout', logout],
  ['invalidateSessions', invalidateSessions],
  ['getUserInfo', getUserInfo],
  ['getServerTimestamp', getServerTimestamp],
]);
