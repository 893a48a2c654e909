import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SessiondError } from '../../src/core/errors.ts';
import { parseSoapRequest } from '../../src/api/soap/envelope.ts';
import {
  MAX_SOAP_HEADER_ENTRIES,
  MAX_XML_ATTRIBUTES,
  MAX_XML_DEPTH,
  MAX_XML_ELEMENTS,
  MAX_XML_TEXT_CHARS,
  EnvelopeScanner,
  prescanEnvelope,
} from '../../src/api/soap/envelope-limits.ts';
import { PARTNER, SOAP_ENV } from './raw-soap.ts';

/**
 * The pre-scan's bounds, on the parser alone: one over any bound is INVALID_REQUEST naming the
 * bound, one at the bound is read as before; Header entries sessiond does not read are cut out
 * before parsing, and still have to be well-formed.
 */
const SESSION_HEADER = `<SessionHeader xmlns="${PARTNER}"><sessionId>sd1_abc</sessionId></SessionHeader>`;

function soap(headerEntries: string, body = `<getUserInfo xmlns="${PARTNER}"/>`): string {
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${SOAP_ENV}"><soapenv:Header>${headerEntries}</soapenv:Header><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;
}

function refusal(xml: string): SessiondError {
  try {
    parseSoapRequest(xml);
  } catch (error) {
    assert.ok(error instanceof SessiondError, String(error));
    return error;
  }
  assert.fail('the envelope was read, not refused');
}

/** Elements the soap() frame itself holds: the XML declaration (a processing instruction), Envelope, Header, Body, the operation. */
const FRAME_ELEMENTS = 5;

describe('SOAP envelope limits', () => {
  test('the 248 KB envelope of 62,000 empty Header elements is refused as INVALID_REQUEST', () => {
    const xml = soap('<a/>'.repeat(62_000));
    assert.ok(xml.length > 248_000);
    const error = refusal(xml);
    assert.equal(error.code, 'INVALID_REQUEST');
    assert.match(error.message, new RegExp(`more than ${MAX_SOAP_HEADER_ENTRIES} entries`));
  });

  test('too many elements, wherever they are', () => {
    const inHeader = refusal(soap(`<junk>${'<a/>'.repeat(62_000)}</junk>`));
    assert.equal(inHeader.code, 'INVALID_REQUEST');
    assert.match(inHeader.message, new RegExp(`more than ${MAX_XML_ELEMENTS} elements`));
    const ids = (n: number) => '<sessionIds>x</sessionIds>'.repeat(n);
    const inBody = refusal(soap(SESSION_HEADER, `<invalidateSessions xmlns="${PARTNER}">${ids(MAX_XML_ELEMENTS)}</invalidateSessions>`));
    assert.match(inBody.message, /more than 1000 elements/);
    // Exactly at the bound (frame + SessionHeader + sessionId + the IDs) is read as before.
    const atBound = MAX_XML_ELEMENTS - FRAME_ELEMENTS - 2;
    const read = parseSoapRequest(soap(SESSION_HEADER, `<invalidateSessions xmlns="${PARTNER}">${ids(atBound)}</invalidateSessions>`));
    assert.equal((read.payload as { sessionIds: string[] }).sessionIds.length, atBound);
  });

  test('too many attributes', () => {
    const attrs = (n: number) => Array.from({ length: n }, (_, i) => `a${i}="v"`).join(' ');
    const error = refusal(soap(`<junk ${attrs(MAX_XML_ATTRIBUTES + 1)}/>`));
    assert.equal(error.code, 'INVALID_REQUEST');
    assert.match(error.message, new RegExp(`more than ${MAX_XML_ATTRIBUTES} attributes`));
    // The frame declares two namespaces (soapenv, the operation's); '=' inside a value is not an attribute.
    const read = parseSoapRequest(soap(`<junk ${attrs(MAX_XML_ATTRIBUTES - 2).replace('a0="v"', "a0='x=\"y\"'")}/>`));
    assert.equal(read.operation, 'getUserInfo');
  });

  test('too much text, counting CDATA, comments and attribute values', () => {
    const over = MAX_XML_TEXT_CHARS + 1;
    for (const header of [
      `<junk>${'x'.repeat(over)}</junk>`,
      `<junk><![CDATA[${'x'.repeat(over)}]]></junk>`,
      `<!--${'x'.repeat(over)}-->`,
      `<junk a="${'x'.repeat(over)}"/>`,
      `<junk a="${'x'.repeat(over / 2)}">${'y'.repeat(over / 2)}</junk>`,
    ]) {
      const error = refusal(soap(header));
      assert.equal(error.code, 'INVALID_REQUEST');
      assert.match(error.message, new RegExp(`more than ${MAX_XML_TEXT_CHARS} characters of text`));
    }
    // 200 IDs of the longest accepted length (256) fit.
    const longIds = `<sessionIds>${'i'.repeat(256)}</sessionIds>`.repeat(200);
    const read = parseSoapRequest(soap(SESSION_HEADER, `<invalidateSessions xmlns="${PARTNER}">${longIds}</invalidateSessions>`));
    assert.equal((read.payload as { sessionIds: string[] }).sessionIds.length, 200);
  });

  test('nesting deeper than the bound; tags inside comments and CDATA are text', () => {
    const error = refusal(soap('', `<getUserInfo xmlns="${PARTNER}">${'<a>'.repeat(MAX_XML_DEPTH)}${'</a>'.repeat(MAX_XML_DEPTH)}</getUserInfo>`));
    assert.equal(error.code, 'INVALID_REQUEST');
    assert.match(error.message, new RegExp(`deeper than ${MAX_XML_DEPTH} levels`));
    const read = parseSoapRequest(
      soap(`<!--${'<a>'.repeat(100)}-->${SESSION_HEADER}`, `<login xmlns="${PARTNER}"><username><![CDATA[${'<a>'.repeat(100)}]]></username><password>p</password></login>`),
    );
    assert.equal((read.payload as { username: string }).username, '<a>'.repeat(100));
  });

  test('Header entries sessiond does not read are cut out before parsing; the SessionHeader is still read', () => {
    const entries =
      `<CallOptions xmlns="${PARTNER}"><client>a &amp; b</client></CallOptions>` +
      `<x:Trace xmlns:x="urn:other" a="1"><x:hop id=">">one</x:hop><x:hop/></x:Trace>` +
      '<Empty/>' +
      SESSION_HEADER +
      `<AllowFieldTruncationHeader xmlns="${PARTNER}"><allowFieldTruncation>true</allowFieldTruncation></AllowFieldTruncationHeader>`;
    const xml = soap(entries);
    const { readable } = prescanEnvelope(xml);
    for (const gone of ['CallOptions', 'Trace', 'hop', 'Empty', 'AllowFieldTruncationHeader']) assert.ok(!readable.includes(gone), gone);
    assert.ok(readable.includes(SESSION_HEADER));
    assert.equal(parseSoapRequest(xml).sessionId, 'sd1_abc');
    // An unread entry that would be refused if it were parsed (a reserved name) costs nothing and changes nothing.
    assert.equal(parseSoapRequest(soap(`<__proto__><polluted>yes</polluted></__proto__>${SESSION_HEADER}`)).sessionId, 'sd1_abc');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    // Exactly the bound of entries is read.
    assert.equal(parseSoapRequest(soap('<a/>'.repeat(MAX_SOAP_HEADER_ENTRIES - 1) + SESSION_HEADER)).sessionId, 'sd1_abc');
  });

  test('an unread Header entry must still be well-formed XML', () => {
    const error = refusal(soap(`<junk><a></junk>${SESSION_HEADER}`));
    assert.equal(error.code, 'INVALID_REQUEST');
    assert.match(error.message, /not well-formed/);
  });

  test('fed in pieces, as the body streams in, the scan answers as it does on the whole text', () => {
    const outcome = (scan: () => { readable: string }): string => {
      try {
        return `read ${scan().readable}`;
      } catch (error) {
        assert.ok(error instanceof SessiondError, String(error));
        return `refused ${error.code} ${error.message}`;
      }
    };
    const inPieces = (xml: string, size: number) => () => {
      const scanner = new EnvelopeScanner();
      for (let at = 0; at < xml.length; at += size) scanner.feed(xml.slice(at, at + size));
      const { text, readable } = scanner.end();
      assert.equal(text, xml);
      return { readable };
    };
    const cases = [
      soap(`<CallOptions xmlns="${PARTNER}"><client>a &amp; b</client></CallOptions><x:T xmlns:x="urn:o" a='1>2'><x:hop id=">">1</x:hop></x:T><!-- <a> --><E/>${SESSION_HEADER}`),
      soap(SESSION_HEADER, `<login xmlns="${PARTNER}"><username><![CDATA[<a>]]></username><password>p</password></login>`),
      soap('<a/>'.repeat(MAX_SOAP_HEADER_ENTRIES + 1)),
      soap(`<junk ${Array.from({ length: MAX_XML_ATTRIBUTES + 1 }, (_, i) => `a${i}="v"`).join(' ')}/>`),
      soap(`<junk a="${'x'.repeat(MAX_XML_TEXT_CHARS / 2)}">${'y'.repeat(MAX_XML_TEXT_CHARS / 2 + 1)}</junk>`),
      soap(`<!--${'x'.repeat(MAX_XML_TEXT_CHARS + 1)}-->`),
      soap('', `<getUserInfo xmlns="${PARTNER}">${'<a>'.repeat(MAX_XML_DEPTH)}${'</a>'.repeat(MAX_XML_DEPTH)}</getUserInfo>`),
      // Malformed: the scan stops quietly where the whole-text scan does.
      soap(`<junk a="1><b>`),
      `<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="${SOAP_ENV}"><soapenv:Header><!-- never closed`,
      '<',
      '',
    ];
    for (const xml of cases) {
      const whole = outcome(() => prescanEnvelope(xml));
      for (const size of [1, 2, 3, 5, 8, 13, 64, 1000, 65_536]) {
        assert.equal(outcome(inPieces(xml, size)), whole, `${xml.slice(0, 80)}… in pieces of ${size}`);
      }
    }
  });

  test('a tag or comment that never ends is refused while it streams, once it could only cross a bound', () => {
    const scanner = new EnvelopeScanner();
    scanner.feed(`<soapenv:Envelope xmlns:soapenv="${SOAP_ENV}"><soapenv:Header><!--`);
    assert.throws(() => {
      for (let i = 0; i < 100; i++) scanner.feed('x'.repeat(1024));
    }, /more than 65536 characters of text/);
    const tag = new EnvelopeScanner();
    tag.feed('<soapenv:Envelope ');
    assert.throws(() => {
      for (let i = 0; i < 100; i++) tag.feed(' '.repeat(1024));
    }, /longer than/);
  });
});
