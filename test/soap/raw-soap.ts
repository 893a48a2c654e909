import { XMLParser } from 'fast-xml-parser';

/**
 * Raw SOAP for tests: hand-written envelopes over fetch, answers read with a plain XML parser
 * (not sessiond's own), so the tests see the wire as a third-party client would.
 */
export const SOAP_ENV = 'http://schemas.xmlsoap.org/soap/envelope/';
export const PARTNER = 'urn:partner.soap.sforce.com';

export interface SoapAnswer {
  status: number;
  text: string;
  contentType: string | null;
  /** The Body's content, namespace prefixes removed. */
  body: Record<string, any>;
  fault?: { faultcode: string; faultstring: string; detail: Record<string, any> };
}

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  parseTagValue: false,
  isArray: (name) => name === 'result' || name === 'errors',
});

export function envelope(operationXml: string, sessionId?: string): string {
  const header =
    sessionId === undefined ? '' : `<soapenv:Header><SessionHeader xmlns="${PARTNER}"><sessionId>${sessionId}</sessionId></SessionHeader></soapenv:Header>`;
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${SOAP_ENV}">${header}<soapenv:Body>${operationXml}</soapenv:Body></soapenv:Envelope>`;
}

export async function postSoap(base: string, xml: string, options: { path?: string; contentType?: string } = {}): Promise<SoapAnswer> {
  const res = await fetch(base + (options.path ?? '/services/Soap/u/60.0'), {
    method: 'POST',
    headers: { 'content-type': options.contentType ?? 'text/xml; charset=utf-8', soapaction: '""' },
    body: xml,
  });
  const text = await res.text();
  const tree = parser.parse(text) as { Envelope?: { Body?: Record<string, any> } };
  const body = tree.Envelope?.Body ?? {};
  const answer: SoapAnswer = { status: res.status, text, contentType: res.headers.get('content-type'), body };
  if (body.Fault) answer.fault = body.Fault;
  return answer;
}

/** Calls one operation in the partner namespace, with a SessionHeader when a session is given. */
export function callSoap(base: string, operation: string, inner: string, sessionId?: string): Promise<SoapAnswer> {
  const op = inner === '' ? `<${operation} xmlns="${PARTNER}"/>` : `<${operation} xmlns="${PARTNER}">${inner}</${operation}>`;
  return postSoap(base, envelope(op, sessionId));
}

export const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export async function soapLogin(base: string, username: string, password: string): Promise<SoapAnswer> {
  return callSoap(base, 'login', `<username>${xmlEscape(username)}</username><password>${xmlEscape(password)}</password>`);
}

/** The fault's code without prefix, and its detail element's name and content. */
export function faultOf(answer: SoapAnswer): { code: string; faultstring: string; detailType: string; exceptionCode: string; exceptionMessage: string } {
  if (!answer.fault) throw new Error(`expected a fault, got HTTP ${answer.status}: ${answer.text.slice(0, 300)}`);
  const [detailType, detail] = Object.entries(answer.fault.detail ?? {})[0] ?? ['', {}];
  return {
    code: answer.fault.faultcode.replace(/^sf:/, ''),
    faultstring: answer.fault.faultstring,
    detailType,
    exceptionCode: detail.exceptionCode,
    exceptionMessage: detail.exceptionMessage,
  };
}
