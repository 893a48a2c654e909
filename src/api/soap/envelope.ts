import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { SessiondError } from '../../core/errors.ts';
import { decodeXmlText, XmlTextError } from '@sessiond/client/protocol';

/**
 * Reads a SOAP request envelope from outside, refusing hostile XML before it costs anything:
 * no DTD or entity declaration is ever parsed (and entity processing is off besides), nesting
 * is bounded before the parser runs, and the body is bounded by the route's body limit.
 */
export const MAX_XML_DEPTH = 32;

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

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  processEntities: false,
  trimValues: false,
  cdataPropName: CDATA,
  maxNestedTags: MAX_XML_DEPTH,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (name) => REPEATABLE.has(name),
  // Names of Object.prototype members are refused, not renamed: no Partner element is called so.
  onDangerousProperty: (name) => {
    throw new ReservedNameError(name);
  },
});

class ReservedNameError extends Error {}

const invalid = (message: string) => new SessiondError('INVALID_REQUEST', message);

export function parseSoapRequest(xml: string): SoapRequest {
  if (xml.trim() === '') throw invalid('The request has no body: send a SOAP envelope.');
  // Checked on the raw text, so no declaration reaches any parser.
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) {
    throw invalid('DTDs and entity declarations are not accepted in a SOAP request.');
  }
  assertDepth(xml, MAX_XML_DEPTH);
  const validation = XMLValidator.validate(xml);
  if (validation !== true) {
    throw invalid(`The request is not well-formed XML: ${validation.err.msg} (line ${validation.err.line}).`);
  }

  let tree: unknown;
  try {
    tree = normalize(parser.parse(xml));
  } catch (error) {
    if (error instanceof SessiondError) throw error;
    if (error instanceof XmlTextError) throw invalid(`The request cannot be read as XML: ${error.message}.`);
    // The parser throws on __proto__, constructor and prototype itself.
    if (error instanceof ReservedNameError || (error instanceof Error && error.message.startsWith('[SECURITY]'))) {
      throw invalid('The request uses a reserved element name (such as __proto__ or constructor).');
    }
    throw invalid('The request cannot be read as XML.');
  }
  const envelope = child(tree, 'Envelope');
  if (envelope === '') throw invalid('The SOAP envelope has no Body element with an operation in it.');
  if (envelope === undefined || typeof envelope === 'string' || Array.isArray(envelope)) {
    throw invalid('The request is not a SOAP envelope: expected soapenv:Envelope with a soapenv:Body.');
  }
  const body = envelope.Body;
  if (body === undefined || typeof body === 'string' || Array.isArray(body)) {
    throw invalid('The SOAP envelope has no Body element with an operation in it.');
  }
  const operations = Object.keys(body);
  if (operations.length !== 1) throw invalid('The SOAP Body must hold exactly one operation element.');
  const operation = operations[0]!;
  const payload = body[operation]!;
  if (Array.isArray(payload)) throw invalid('The SOAP Body must hold exactly one operation element.');

  const header = envelope.Header;
  const sessionHeader = header !== undefined && typeof header === 'object' && !Array.isArray(header) ? header.SessionHeader : undefined;
  const sessionId =
    sessionHeader !== undefined && typeof sessionHeader === 'object' && !Array.isArray(sessionHeader) ? sessionHeader.sessionId : undefined;
  return { operation, payload, sessionId };
}

/**
 * Bounds element nesting in one linear pass over the text, before the validator or parser
 * (which could otherwise spend time and stack on a million nested tags).
 */
function assertDepth(xml: string, max: number): void {
  let depth = 0;
  let at = xml.indexOf('<');
  while (at !== -1) {
    const next = xml.charCodeAt(at + 1);
    if (xml.startsWith('<!--', at) || xml.startsWith('<![CDATA[', at)) {
      // Tags written inside comments and CDATA are text, not nesting.
      const end = xml.indexOf(xml.charCodeAt(at + 2) === 45 ? '-->' : ']]>', at);
      if (end === -1) return; // unterminated: the validator names it
      at = end;
    } else if (next === 47 /* / */) {
      depth--;
    } else if (next !== 33 /* ! */ && next !== 63 /* ? */) {
      const end = xml.indexOf('>', at);
      if (end === -1) return; // unterminated: the validator names it
      if (xml.charCodeAt(end - 1) !== 47 /* self-closing */) depth++;
      if (depth > max) throw invalid(`The request nests elements deeper than ${max} levels.`);
      at = end;
    }
    at = xml.indexOf('<', at + 1);
  }
}

/** Decodes text, joins CDATA, and drops the whitespace between elements. */
function normalize(node: unknown): XmlNode | XmlNode[] {
  if (typeof node === 'string') return decodeXmlText(node);
  if (Array.isArray(node)) return node.map((n) => normalize(n) as XmlNode);
  if (node === null || typeof node !== 'object') return '';
  const record = node as Record<string, unknown>;
  const text = typeof record['#text'] === 'string' ? record['#text'] : '';
  const cdata = record[CDATA];
  const children = Object.keys(record).filter((k) => k !== '#text' && k !== CDATA);
  if (cdata !== undefined) {
    // CDATA is taken literally (no entity decoding); text around it is only allowed as whitespace.
    if (children.length > 0 || text.trim() !== '') throw invalid('Mixed text and CDATA in one element is not accepted.');
    return (Array.isArray(cdata) ? cdata : [cdata]).map(String).join('');
  }
  if (children.length === 0) return decodeXmlText(text);
  if (text.trim() !== '') throw invalid('An element mixes text and child elements.');
  const out: { [name: string]: XmlNode | XmlNode[] } = {};
  for (const name of children) out[name] = normalize(record[name]);
  return out;
}

function child(tree: unknown, name: string): XmlNode | XmlNode[] | undefined {
  if (tree === null || typeof tree !== 'object' || Array.isArray(tree)) return undefined;
  return (tree as Record<string, XmlNode | XmlNode[]>)[name];
}
