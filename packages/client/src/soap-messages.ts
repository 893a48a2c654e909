import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';
import { PARTNER_NS, SOAP_ENV_NS } from './protocol/soap-namespaces.ts';
import { decodeXmlText } from './protocol/xml-text.ts';
import { xmlElement, type XmlTree } from './protocol/xml-writer.ts';
import { SessiondApiError } from './errors.ts';
import { invalidateResultSchema, userInfoSchema } from './types.ts';

/** The client's side of the SOAP wire: request envelopes out, answers and faults in. */

export function requestEnvelope(operation: string, body: XmlTree, sessionId?: string): string {
  const header =
    sessionId === undefined ? '' : `<soapenv:Header>${xmlElement('SessionHeader', { sessionId })}</soapenv:Header>`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<soapenv:Envelope xmlns:soapenv="${SOAP_ENV_NS}" xmlns="${PARTNER_NS}">` +
    header +
    `<soapenv:Body>${xmlElement(operation, body)}</soapenv:Body></soapenv:Envelope>`
  );
}

const ARRAY_ELEMENTS = new Set(['result', 'errors', 'fields']);
const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  processEntities: false,
  maxNestedTags: 32,
  isArray: (name, jpath) => ARRAY_ELEMENTS.has(name) && typeof jpath === 'string' && jpath.includes('Response.'),
});

/** Turns the parser's tree into plain values: decoded text, `null` for xsi:nil, no attributes. */
function plain(node: unknown): unknown {
  if (typeof node === 'string') return decodeXmlText(node);
  if (Array.isArray(node)) return node.map(plain);
  if (node && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (record['@_nil'] === 'true') return null;
    if ('#text' in record) return plain(record['#text']);
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) if (!key.startsWith('@_')) out[key] = plain(value);
    return out;
  }
  return node;
}

const faultSchema = z.object({
  faultcode: z.string(),
  faultstring: z.string(),
  detail: z
    .record(z.string(), z.object({ exceptionCode: z.string().optional(), exceptionMessage: z.string().optional() }).or(z.string()))
    .or(z.string())
    .optional(),
});

/**
 * Reads an answer's Body: the operation's response element, or throws the fault as a
 * SessiondApiError with the same statusCode and message REST would give.
 */
/** What the answer's headers said: Retry-After and X-Request-Id. */
export interface AnswerHeaders {
  retryAfterSeconds?: number | undefined;
  requestId?: string | undefined;
}

export function readAnswer(text: string, httpStatus: number, responseName: string, headers: AnswerHeaders = {}): unknown {
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw invalidResponse(httpStatus, 'it declares a DTD');
  let body: unknown;
  try {
    const tree = plain(parser.parse(text)) as { Envelope?: { Body?: unknown } };
    body = tree.Envelope?.Body;
  } catch {
    throw invalidResponse(httpStatus, 'it is not well-formed XML');
  }
  if (!body || typeof body !== 'object') throw invalidResponse(httpStatus, 'it has no SOAP Body');
  const record = body as Record<string, unknown>;
  if ('Fault' in record) throw faultError(record.Fault, httpStatus, headers);
  if (httpStatus < 200 || httpStatus >= 300 || !(responseName in record)) {
    throw invalidResponse(httpStatus, `it has no ${responseName}`);
  }
  return record[responseName];
}

function faultError(fault: unknown, httpStatus: number, { retryAfterSeconds, requestId }: AnswerHeaders): SessiondApiError {
  const parsed = faultSchema.safeParse(fault);
  if (!parsed.success) return invalidResponse(httpStatus, 'its Fault is not a SOAP fault');
  const { faultcode, faultstring, detail } = parsed.data;
  const statusCode = faultcode.slice(faultcode.indexOf(':') + 1);
  const inner = detail && typeof detail === 'object' ? Object.values(detail).find((d) => typeof d === 'object') : undefined;
  const exceptionCode = inner && typeof inner === 'object' ? inner.exceptionCode : undefined;
  const exceptionMessage = inner && typeof inner === 'object' ? inner.exceptionMessage : undefined;
  const prefix = `${statusCode}: `;
  const message = exceptionMessage ?? (faultstring.startsWith(prefix) ? faultstring.slice(prefix.length) : faultstring);
  return new SessiondApiError(statusCode, message, {
    httpStatus,
    ...(exceptionCode ? { exceptionCode } : {}),
    ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}),
    ...(requestId !== undefined ? { requestId } : {}),
  });
}

function invalidResponse(httpStatus: number, why: string): SessiondApiError {
  return new SessiondApiError('INVALID_RESPONSE', `the server's SOAP answer cannot be read: ${why} (HTTP ${httpStatus})`, { httpStatus });
}

const xsdBoolean = z.enum(['true', 'false']).transform((v) => v === 'true');
const xsdInt = z
  .string()
  .regex(/^-?\d{1,10}$/)
  .transform(Number);

/**
 * GetUserInfoResult as every Partner API version writes it: sessionSecondsValid from 21.0 on,
 * userEmail '' (the schema allows no nil) where REST answers null; elements sessiond sends only
 * to fill the schema (currencies, profile, skin) are dropped.
 */
export const soapUserInfoSchema = userInfoSchema.extend({
  sessionSecondsValid: xsdInt.optional(),
  userEmail: z
    .string()
    .nullable()
    .transform((email) => (email === '' ? null : email)),
});

export const soapLoginSchema = z.object({
  result: z.tuple([
    z.object({
      metadataServerUrl: z.string().nullable().optional(),
      passwordExpired: xsdBoolean,
      sandbox: xsdBoolean.optional(),
      serverUrl: z.string().min(1),
      sessionId: z.string().min(1),
      userId: z.string().min(1),
      userInfo: soapUserInfoSchema,
    }),
  ]),
});

/** Empty list: `<invalidateSessionsResponse/>` arrives as an empty string. */
export const soapInvalidateSchema = z.union([
  z.literal('').transform(() => []),
  z.object({
    result: z.array(
      z
        .object({
          errors: z
            .array(
              z.object({
                fields: z.array(z.string()).optional(),
                message: z.string(),
                statusCode: z.string().min(1),
              }),
            )
            .optional(),
          success: xsdBoolean,
        })
        .transform((r) => invalidateResultSchema.parse({ success: r.success, errors: (r.errors ?? []).map((e) => ({ ...e, fields: e.fields ?? [] })) })),
    ),
  }).transform((r) => r.result),
]);

export const soapUserInfoResponseSchema = z.object({ result: z.tuple([soapUserInfoSchema]) });
export const soapTimestampSchema = z.object({ result: z.tuple([z.object({ timestamp: z.iso.datetime({ offset: true }) })]) });
