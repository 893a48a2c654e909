import { SessiondError } from '../../core/errors.ts';
import { MAX_IDS_PER_CALL } from '../../core/status-codes.ts';

/**
 * What an envelope may hold before sessiond builds anything from it. A SOAP request arrives
 * unauthenticated, and building a parse tree costs far more per byte than reading the text:
 * one 248 KB envelope of 62,000 empty Header elements cost 130–330 ms of event loop before
 * any session was checked (issue 16). So one linear pass over the text counts what the parser
 * would build and refuses an envelope over any bound with the usual INVALID_REQUEST fault; it
 * also marks the Header entries sessiond does not read, which are cut out before parsing.
 *
 * The bounds leave ample room for every call sessiond serves: the largest,
 * invalidateSessions with 200 IDs, is about 210 elements, 5 attributes and 52 KiB of text at
 * the longest IDs accepted (256 characters).
 */

/** Elements (and processing instructions) in the whole envelope: five times the largest call. */
export const MAX_XML_ELEMENTS = 5 * MAX_IDS_PER_CALL;
/** Attributes, namespace declarations included: clients declare a handful, never hundreds. */
export const MAX_XML_ATTRIBUTES = 200;
/** Characters of text, CDATA, comments and attribute values: 200 IDs of the longest accepted length, plus room. */
export const MAX_XML_TEXT_CHARS = 64 * 1024;
/** Element nesting: a Partner call nests 5 deep; the parser would spend stack on deeper. */
export const MAX_XML_DEPTH = 32;
/** Entries in the SOAP Header: Partner clients send one to a few (SessionHeader, CallOptions…). */
export const MAX_SOAP_HEADER_ENTRIES = 16;
/** The only Header entry sessiond reads; every other one is cut out before parsing. */
const READ_HEADER_ENTRIES = new Set(['SessionHeader']);

const invalid = (message: string) => new SessiondError('INVALID_REQUEST', message);

export interface PrescanResult {
  /**
   * The text with the Header entries sessiond does not read cut out. Only meaningful for
   * well-formed XML: the caller validates the original text first.
   */
  readable: string;
}

const LT = 60; // <
const GT = 62; // >
const SLASH = 47;
const BANG = 33;
const QUESTION = 63;
const QUOTE = 34;
const APOSTROPHE = 39;
const EQUALS = 61;

const isNameEnd = (c: number) => c === GT || c === SLASH || c === 32 || c === 9 || c === 10 || c === 13;
const localName = (name: string): string => name.slice(name.indexOf(':') + 1);

/**
 * One pass over `xml`, throwing INVALID_REQUEST on the first bound exceeded. Malformed input
 * (an unterminated tag, comment or CDATA section) ends the scan quietly: the validator that
 * runs next names the fault.
 */
export function prescanEnvelope(xml: string): PrescanResult {
  const length = xml.length;
  let elements = 0;
  let attributes = 0;
  let text = 0;
  let depth = 0;
  let headerEntries = 0;
  /** The element open at depth 2 (a child of the Envelope) is the Header. */
  let inHeader = false;
  /** Where the Header entry being skipped starts, or -1. */
  let skipFrom = -1;
  const skipped: Array<[number, number]> = [];

  const addText = (chars: number) => {
    text += chars;
    if (text > MAX_XML_TEXT_CHARS) throw invalid(`The request holds more than ${MAX_XML_TEXT_CHARS} characters of text.`);
  };
  const addElement = () => {
    if (++elements > MAX_XML_ELEMENTS) throw invalid(`The request holds more than ${MAX_XML_ELEMENTS} elements.`);
  };

  let at = 0;
  while (at < length) {
    const open = xml.indexOf('<', at);
    if (open === -1) {
      addText(length - at);
      break;
    }
    addText(open - at);
    const next = xml.charCodeAt(open + 1);

    if (next === BANG || next === QUESTION) {
      // Comments and CDATA are text (tags written inside them are not markup); processing
      // instructions count as elements. DTDs were refused before this scan.
      const comment = xml.startsWith('<!--', open);
      const cdata = !comment && xml.startsWith('<![CDATA[', open);
      const [skip, terminator] = comment ? [4, '-->'] : cdata ? [9, ']]>'] : next === QUESTION ? [2, '?>'] : [2, '>'];
      const end = xml.indexOf(terminator, open + skip);
      if (end === -1) break;
      if (comment || cdata) addText(end - open - skip);
      else addElement();
      at = end + terminator.length;
      continue;
    }

    if (next === SLASH) {
      const end = xml.indexOf('>', open);
      if (end === -1) break;
      depth--;
      if (depth === 2 && skipFrom !== -1) {
        skipped.push([skipFrom, end + 1]);
        skipFrom = -1;
      }
      if (depth === 1) inHeader = false;
      at = end + 1;
      continue;
    }

    // A start tag: its name, then attributes up to the '>' that is not inside a quoted value.
    let cursor = open + 1;
    while (cursor < length && !isNameEnd(xml.charCodeAt(cursor))) cursor++;
    const name = xml.slice(open + 1, cursor);
    let quote = 0;
    let valueFrom = 0;
    let end = -1;
    for (; cursor < length; cursor++) {
      const c = xml.charCodeAt(cursor);
      if (quote !== 0) {
        if (c === quote) {
          quote = 0;
          addText(cursor - valueFrom);
        }
      } else if (c === QUOTE || c === APOSTROPHE) {
        quote = c;
        valueFrom = cursor + 1;
      } else if (c === EQUALS) {
        if (++attributes > MAX_XML_ATTRIBUTES) throw invalid(`The request holds more than ${MAX_XML_ATTRIBUTES} attributes.`);
      } else if (c === GT) {
        end = cursor;
        break;
      }
    }
    if (end === -1) break;
    addElement();
    const selfClosing = xml.charCodeAt(end - 1) === SLASH;
    depth++;
    if (depth > MAX_XML_DEPTH) throw invalid(`The request nests elements deeper than ${MAX_XML_DEPTH} levels.`);
    if (depth === 2) {
      inHeader = !selfClosing && localName(name) === 'Header';
    } else if (depth === 3 && inHeader) {
      if (++headerEntries > MAX_SOAP_HEADER_ENTRIES) {
        throw invalid(`The SOAP Header holds more than ${MAX_SOAP_HEADER_ENTRIES} entries.`);
      }
      if (!READ_HEADER_ENTRIES.has(localName(name))) {
        if (selfClosing) skipped.push([open, end + 1]);
        else skipFrom = open;
      }
    }
    if (selfClosing) depth--;
    at = end + 1;
  }

  if (skipped.length === 0) return { readable: xml };
  const kept: string[] = [];
  let from = 0;
  for (const [start, stop] of skipped) {
    kept.push(xml.slice(from, start));
    from = stop;
  }
  kept.push(xml.slice(from));
  return { readable: kept.join('') };
}
