import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { SessiondError } from '../../core/errors.ts';
import { decodeXmlText, PARTNER_NS, SOAP_ENV_NS, XmlTextError } from '@sessiond/client/protocol';
import { MAX_XML_DEPTH, prescanEnvelope } from './envelope-limits.ts';
import { VersionMismatchError } from './fault.ts';

/**
 * Reads a SOAP request envelope from outside, refusing hostile XML before it costs anything:
 * no DTD or entity declaration is ever parsed (and entity processing is off besides), a linear
 * pre-scan bounds elements, attributes, text, nesting and Header entries before the validator
 * or parser runs and cuts out the Header entries sessiond does not read (envelope-limits.ts),
 * and the body is bounded by the route's body limit.
 */

/** A parsed element: text, or named children (repeated elements become arrays). */
export type XmlNode = string | { [name: string]: XmlNode | XmlNode[] };

export interface SoapRequest {
  /** The one element in the SOAP Body, without its namespace prefix. */
  operation: string;
  payload: XmlNode;
  /** `SessionHeader/sessionId` from the SOAP Header, as sent (not yet validated). */
  sessionId: XmlNode | XmlNode[] | undefined;
}

const CDATA = '__cdata';
/** Elements that may repeat; everything else arriving twice is refused by the operation's schema. */
const REPEATABLE = new Set(['sessionIds']);

/** SOAP 1.2's envelope namespace: named in the VersionMismatch fault a 1.2 request gets. */
const SOAP_12_ENV_NS = 'http://www.w3.org/2003/05/soap-envelope';
const XMLNS = '@_xmlns';

const parser = new XMLParser({
  // Prefixes are kept and only namespace declarations read, so the envelope's and the
  // operation's namespaces can be checked; normalize() then drops both.
  removeNSPrefix: false,
  ignoreAttributes: (name) => !(name === 'xmlns' || name.startsWith('xmlns:')),
  attributeNamePrefix: '@_',
  parseTagValue: false,
  processEntities: false,
  trimValues: false,
  cdataPropName: CDATA,
  maxNestedTags: MAX_XML_DEPTH,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (name) => REPEATABLE.has(localName(name)),
  // Names of Object.prototype members are refused, not renamed: no Partner element is called so.
  onDangerousProperty: (name) => {
    throw new ReservedNameError(name);
  },
});

class ReservedNameError extends Error {}

const invalid = (message: string) => new SessiondError('INVALID_REQUEST', message);

/** `readable`: the pre-scan's output when the body was scanned as it streamed in; else the scan runs here. */
export function parseSoapRequest(xml: string, readable?: string): SoapRequest {
  if (xml.trim() === '') throw invalid('The request has no body: send a SOAP envelope.');
  // Checked on the raw text, so no declaration reaches any parser.
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) {
    throw invalid('DTDs and entity declarations are not accepted in a SOAP request.');
  }
  const toParse = readable ?? prescanEnvelope(xml).readable;
  // The whole text is validated, so cutting out unread Header entries never makes bad XML good.
  const validation = XMLValidator.validate(xml);
  if (validation !== true) {
    throw invalid(`The request is not well-formed XML: ${validation.err.msg} (line ${validation.err.line}).`);
  }

  try {
    return readEnvelope(parser.parse(toParse));
  } catch (error) {
    if (error instanceof SessiondError) throw error;
    if (error instanceof XmlTextError) throw invalid(`The request cannot be read as XML: ${error.message}.`);
    // The parser throws on __proto__, constructor and prototype itself.
    if (error instanceof ReservedNameError || (error instanceof Error && error.message.startsWith('[SECURITY]'))) {
      throw invalid('The request uses a reserved element name (such as __proto__ or constructor).');
    }
    throw invalid('The request cannot be read as XML.');
  }
}

/** The operation, its payload and the SessionHeader, from the parsed tree (prefixes still on). */
function readEnvelope(tree: unknown): SoapRequest {
  const envelope = namespacedChild(tree, 'Envelope', new Map());
  if (!envelope) throw invalid('The request is not a SOAP envelope: expected soapenv:Envelope with a soapenv:Body.');
  if (envelope.namespace !== SOAP_ENV_NS) throw versionMismatch(envelope.namespace);
  if (envelope.value === '') throw invalid('The SOAP envelope has no Body element with an operation in it.');
  const body = namespacedChild(envelope.value, 'Body', envelope.scope, SOAP_ENV_NS);
  if (!body || typeof body.value === 'string') throw invalid('The SOAP envelope has no Body element with an operation in it.');
  const operations = Object.keys(body.value).filter((key) => !key.startsWith('@_'));
  if (operations.length !== 1) throw invalid('The SOAP Body must hold exactly one operation element.');
  const raw = operations[0]!;
  const operation = localName(raw);
  const payloadNode = body.value[raw];
  if (Array.isArray(payloadNode)) throw invalid('The SOAP Body must hold exactly one operation element.');
  const operationScope = withDeclarations(body.scope, payloadNode);
  const namespace = operationScope.get(prefixOf(raw));
  if (namespace !== PARTNER_NS) {
    throw new SessiondError(
      'INVALID_OPERATION',
      `The operation ${operation.slice(0, 64)} is in ${namespace === undefined ? 'no namespace' : `the namespace ${namespace.slice(0, 100)}`}; ` +
        `this endpoint speaks the Partner API, namespace ${PARTNER_NS}.`,
    );
  }
  const payload = normalize(payloadNode) as XmlNode;

  // Only the Partner SessionHeader counts; one in any other namespace is no session at all.
  const header = namespacedChild(envelope.value, 'Header', envelope.scope, SOAP_ENV_NS);
  const sessionHeader = header ? namespacedChild(header.value, 'SessionHeader', header.scope, PARTNER_NS) : undefined;
  const fields = sessionHeader ? normalize(sessionHeader.value) : undefined;
  const sessionId = fields !== undefined && typeof fields === 'object' && !Array.isArray(fields) ? fields.sessionId : undefined;
  return { operation, payload, sessionId };
}

function versionMismatch(namespace: string | undefined): VersionMismatchError {
  const expected = `this endpoint speaks SOAP 1.1 (Envelope in ${SOAP_ENV_NS})`;
  if (namespace === SOAP_12_ENV_NS) return new VersionMismatchError(`The request is a SOAP 1.2 envelope; ${expected}.`);
  const found = namespace === undefined ? 'no namespace' : `the namespace ${namespace.slice(0, 100)}`;
  return new VersionMismatchError(`The Envelope element is in ${found}; ${expected}.`);
}

type RawElement = Record<string, unknown>;
type Scope = ReadonlyMap<string, string>;

const localName = (name: string): string => name.slice(name.indexOf(':') + 1);
const prefixOf = (name: string): string => (name.includes(':') ? name.slice(0, name.indexOf(':')) : '');

/** The scope inside an element: its parent's, plus the namespaces it declares. */
function withDeclarations(scope: Scope, node: unknown): Scope {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return scope;
  const declared = Object.keys(node).filter((key) => key === XMLNS || key.startsWith(`${XMLNS}:`));
  if (declared.length === 0) return scope;
  const inner = new Map(scope);
  for (const key of declared) {
    const value = (node as RawElement)[key];
    if (typeof value === 'string') inner.set(key === XMLNS ? '' : key.slice(XMLNS.length + 1), value);
  }
  return inner;
}

/**
 * The one child element named `local` (any prefix) of a raw parsed element, with its resolved
 * namespace and scope; when `namespace` is given, only a child in that namespace counts.
 */
function namespacedChild(
  parent: unknown,
  local: string,
  scope: Scope,
  namespace?: string,
): { value: RawElement | ''; namespace: string | undefined; scope: Scope } | undefined {
  if (parent === null || typeof parent !== 'object' || Array.isArray(parent)) return undefined;
  for (const key of Object.keys(parent)) {
    if (key.startsWith('@_') || localName(key) !== local) continue;
    const value = (parent as RawElement)[key];
    if (Array.isArray(value)) continue;
    const inner = withDeclarations(scope, value);
    const found = inner.get(prefixOf(key));
    if (namespace !== undefined && found !== namespace) continue;
    const element = value !== null && typeof value === 'object' ? (value as RawElement) : '';
    return { value: element, namespace: found, scope: inner };
  }
  return undefined;
}

/** Decodes text, joins CDATA, and drops the whitespace between elements. */
function normalize(node: unknown): XmlNode | XmlNode[] {
  if (typeof node === 'string') return decodeXmlText(node);
  if (Array.isArray(node)) return node.map((n) => normalize(n) as XmlNode);
  if (node === null || typeof node !== 'object') return '';
  const record = node as Record<string, unknown>;
  const text = typeof record['#text'] === 'string' ? record['#text'] : '';
  const cdata = record[CDATA];
  const children = Object.keys(record).filter((k) => k !== '#text' && k !== CDATA && !k.startsWith('@_'));
  if (cdata !== undefined) {
    // CDATA is taken literally (no entity decoding); text around it is only allowed as whitespace.
    if (children.length > 0 || text.trim() !== '') throw invalid('Mixed text and CDATA in one element is not accepted.');
    return (Array.isArray(cdata) ? cdata : [cdata]).map(String).join('');
  }
  if (children.length === 0) return decodeXmlText(text);
  if (text.trim() !== '') throw invalid('An element mixes text and child elements.');
  const out: { [name: string]: XmlNode | XmlNode[] } = {};
  for (const raw of children) {
    const name = localName(raw);
    // Prefixes are dropped here, so `a:__proto__` must be refused as `__proto__` is.
    if (name in Object.prototype || name === 'prototype') throw new ReservedNameError(name);
    // The same name under two prefixes is a repeated element: the operation's schema judges it.
    const value = normalize(record[raw]);
    const earlier = out[name];
    out[name] = earlier === undefined ? value : [earlier, value].flat() as XmlNode[];
  }
  return out;
}
