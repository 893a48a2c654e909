import type { FastifyReply, FastifyRequest, FastifySchema, RouteHandlerMethod, RouteOptions } from 'fastify';
import { z } from 'zod';
import { STATUS_CODES, type StatusCode } from '../../core/status-codes.ts';
import { REQUEST_ID_PATTERN } from '../../observability/request-scope.ts';
import type { Access, RestAuth } from './rest-auth.ts';

/**
 * A REST route's contract, written once beside its handler: who may call it, the zod schemas
 * of its input (Fastify validates with them before the handler runs) and of its answer, and
 * the error codes it answers. The OpenAPI document (/openapi.json) is generated from these.
 *
 * To add a route: write `const myRoute = { method, url, operationId, summary, tag, access,
 * body?, querystring?, params?, answer, errors? } satisfies RouteContract` in the routes file of its
 * area and register it with `app.route(contractRoute(auth, myRoute, handler))`. Every route
 * under /api/ must: the document refuses to build without it (src/api/rest/openapi.ts).
 */
type Input = z.ZodType | undefined;

export interface RouteContract<B extends Input = Input, Q extends Input = Input, P extends Input = Input> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  /** A stable name for generated clients (`login`, `invalidateSessions`, …). */
  operationId: string;
  summary: string;
  description?: string;
  tag: RouteTag;
  /** `public`, any live session (`Authorization: Bearer <sessionId>`), or an admin's session. */
  access: Access;
  body?: B;
  querystring?: Q;
  params?: P;
  /** The success answer's schema (JSON unless `answerType` says otherwise). */
  answer: z.ZodType;
  answerType?: string;
  /** The success status; default 200. */
  status?: 200 | 201;
  /** Answers of other shapes, by status (such as /healthz's own 503). */
  otherAnswers?: Readonly<Record<number, z.ZodType>>;
  /** Codes beyond those implied by the access, the input and the store (see impliedErrors). */
  errors?: readonly StatusCode[];
  /** The route answers no store failure in the REST error shape (it never touches the store, or says so its own way). */
  storeless?: true;
}

/** The document's sections, in the order a reader meets them. */
export const ROUTE_TAGS = [
  { name: 'Sessions', description: 'Log in, check a session, log out, invalidateSessions: what every application calls.' },
  {
    name: 'Self-service',
    description: "The caller's own sessions and password: list them, end some, sign out everywhere else, change the password.",
  },
  {
    name: 'Events',
    description: 'Every session created and ended, as Server-Sent Events: what application validators and other systems follow.',
  },
  { name: 'Admin', description: 'Users, sessions by handle, the audit trail and the web tier pool; admin sessions only.' },
  { name: 'Operations', description: 'Health and metrics for operators and orchestrators.' },
] as const;
export type RouteTag = (typeof ROUTE_TAGS)[number]['name'];

type Out<T> = T extends z.ZodType ? z.output<T> : undefined;
export type ContractRequest<C extends RouteContract> = FastifyRequest<{
  Body: Out<C['body']>;
  Querystring: Out<C['querystring']>;
  Params: Out<C['params']>;
}>;

/** The error codes every route of a kind can answer, whatever it does. */
function impliedErrors(contract: RouteContract): StatusCode[] {
  const codes: StatusCode[] = [];
  if (contract.access !== 'public') codes.push('INVALID_SESSION_ID');
  if (contract.access === 'admin') codes.push('INSUFFICIENT_ACCESS');
  // A body arrives with any POST, declared or not: it may be malformed, too large or not JSON.
  const takesBody = contract.method !== 'GET' && contract.method !== 'DELETE';
  if (takesBody || contract.querystring || contract.params) codes.push('INVALID_REQUEST');
  if (takesBody) codes.push('REQUEST_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE');
  if (!contract.storeless) codes.push('SERVICE_UNAVAILABLE', 'UNKNOWN_EXCEPTION');
  return codes;
}

/** Every error code the route may answer, from its contract. */
export function errorCodesOf(contract: RouteContract): StatusCode[] {
  return [...new Set([...impliedErrors(contract), ...(contract.errors ?? [])])];
}

/** Every answer's X-Request-Id; a 5xx body repeats it, so a report of the failure leads to its log lines. */
export const requestIdField = z
  .string()
  .regex(REQUEST_ID_PATTERN)
  .describe("This request's ID: the caller's X-Request-Id when well formed, else one the server made; every log line of the request carries it as reqId.");

const errorBody = (codes: StatusCode[], serverFailure: boolean) =>
  z
    .object({
      errorCode: z.enum(codes as [StatusCode, ...StatusCode[]]),
      message: z.string().describe('What went wrong, for people; never internals.'),
      ...(serverFailure ? { requestId: requestIdField } : {}),
    })
    .strict()
    .describe(codes.map((code) => `${code}: ${STATUS_CODES[code].message}`).join(' '));

/** The Fastify schema of a contract: input schemas for validation, answers for the document. */
export function routeSchema(contract: RouteContract): FastifySchema & { response: Record<number, unknown> } {
  const byStatus = new Map<number, StatusCode[]>();
  for (const code of errorCodesOf(contract)) {
    const status = STATUS_CODES[code].http;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const answer = contract.answerType
    ? { description: contract.answer.description ?? 'Success', content: { [contract.answerType]: { schema: contract.answer } } }
    : contract.answer.description
      ? contract.answer
      : contract.answer.describe('Success');
  const response: Record<number, unknown> = { [contract.status ?? 200]: answer, ...contract.otherAnswers };
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) response[status] = errorBody(codes, status >= 500);
  return {
    operationId: contract.operationId,
    summary: contract.summary,
    ...(contract.description ? { description: contract.description } : {}),
    tags: [contract.tag],
    security: contract.access === 'public' ? [] : [{ bearer: [] }],
    ...(contract.body ? { body: contract.body } : {}),
    ...(contract.querystring ? { querystring: contract.querystring } : {}),
    ...(contract.params ? { params: contract.params } : {}),
    response,
  };
}

/**
 * A route's Fastify options from its contract. A route that takes input and needs a session
 * checks the caller before the input is read (as SOAP checks its SessionHeader first), so a
 * stranger learns nothing from validation messages; the handler reads the same check through
 * `auth.session(request)` / `auth.admin(request)`.
 */
export function contractRoute<C extends RouteContract>(
  auth: RestAuth,
  contract: C,
  handler: (request: ContractRequest<C>, reply: FastifyReply) => Promise<unknown>,
): RouteOptions {
  const takesInput = contract.body || contract.querystring || contract.params;
  return {
    method: contract.method,
    url: contract.url,
    schema: routeSchema(contract),
    ...(contract.access !== 'public' && takesInput ? { preValidation: auth.before(contract.access) } : {}),
    handler: handler as unknown as RouteHandlerMethod,
  };
}
