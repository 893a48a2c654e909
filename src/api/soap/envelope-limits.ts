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

/** A single tag, comment or declaration still open at a chunk's end may grow this long before it is refused. */
export const MAX_XML_TOKEN_CHARS = MAX_XML_TEXT_CHARS + 8 * 1024;

/**
 * One pass over `xml`, throwing INVALID_REQUEST on the first bound exceeded. Malformed input
 * (an unterminated tag, comment or CDATA section) ends the scan quietly: the validator that
 * runs next names the fault.
 */
export function prescanEnvelope(xml: string): PrescanResult {
  const scanner = new EnvelopeScanner();
  scanner.feed(xml);
  return { readable: scanner.end().readable };
}

/**
 * The same pass, fed the body as it arrives (soap-api.ts reads the request stream through it),
 * so an envelope over a bound is refused at the chunk that crosses it, before the rest is read,
 * joined or parsed. A tag, comment or section cut by a chunk's end is scanned again, whole,
 * with the next chunk; counts are committed only for complete ones, so nothing counts twice.
 */
export class EnvelopeScanner {
  private readonly pieces: string[] = [];
  /** Text not scanned yet: it starts at the token a chunk's end cut. */
  private pending = '';
  /** Where `pending` starts in the whole text. */
  private base = 0;
  private elements = 0;
  private attributes = 0;
  private text = 0;
  private depth = 0;
  private headerEntries = 0;
  /** The element open at depth 2 (a child of the Envelope) is the Header. */
  private inHeader = false;
  /** Where the Header entry being skipped starts (in the whole text), or -1. */
  private skipFrom = -1;
  private readonly skipped: Array<[number, number]> = [];
  /** Malformed input was met: the rest is only kept, not scanned. */
  private stopped = false;

  /** Scans the next piece of text; throws INVALID_REQUEST as soon as a bound is crossed. */
  feed(chunk: string): void {
    if (chunk === '') return;
    this.pieces.push(chunk);
    if (this.stopped) return;
    this.pending += chunk;
    this.scan(false);
  }

  /** The whole text, and what the parser reads of it (the unread Header entries cut out). */
  end(): { text: string; readable: string } {
    if (!this.stopped) this.scan(true);
    const text = this.pieces.join('');
    if (this.skipped.length === 0) return { text, readable: text };
    const kept: string[] = [];
    let from = 0;
    for (const [start, stop] of this.skipped) {
      kept.push(text.slice(from, start));
      from = stop;
    }
    kept.push(text.slice(from));
    return { text, readable: kept.join('') };
  }

  private addText(chars: number): void {
    this.text += chars;
    if (this.text > MAX_XML_TEXT_CHARS) throw invalid(`The request holds more than ${MAX_XML_TEXT_CHARS} characters of text.`);
  }

  private addElement(): void {
    if (++this.elements > MAX_XML_ELEMENTS) throw invalid(`The request holds more than ${MAX_XML_ELEMENTS} elements.`);
  }

  /**
   * Scans `pending` up to the last complete token. At the end of the body (`final`), a token
   * that never ends is malformed: the scan stops quietly.
   */
  private scan(final: boolean): void {
    const xml = this.pending;
    const length = xml.length;
    let at = 0;
    /**
     * The token starting at `from` is not complete yet: kept for the next chunk (refused now if
     * its text so far, `partialText`, or its length already crosses a bound), or, at the end of
     * the body, malformed.
     */
    const cut = (from: number, partialText = 0): void => {
      if (final) {
        this.stopped = true;
        return;
      }
      this.addTextBound(partialText);
      if (length - from > MAX_XML_TOKEN_CHARS) throw invalid(`The request holds a tag or section longer than ${MAX_XML_TOKEN_CHARS} characters.`);
      at = from;
    };

    scan: while (at < length) {
      const open = xml.indexOf('<', at);
      if (open === -1) {
        this.addText(length - at);
        at = length;
        break;
      }
      this.addText(open - at);
      at = open;
      if (open + 1 >= length) {
        cut(open);
        break;
      }
      const next = xml.charCodeAt(open + 1);

      if (next === BANG || next === QUESTION) {
        // Comments and CDATA are text (tags written inside them are not markup); processing
        // instructions count as elements. DTDs are refused after this scan, before any parser.
        if (!final && open + 9 > length) {
          // Too short yet to tell a comment or CDATA section from a declaration.
          cut(open);
          break;
        }
        const comment = xml.startsWith('<!--', open);
        const cdata = !comment && xml.startsWith('<![CDATA[', open);
        const [skip, terminator] = comment ? [4, '-->'] : cdata ? [9, ']]>'] : next === QUESTION ? [2, '?>'] : [2, '>'];
        const end = xml.indexOf(terminator, open + skip);
        if (end === -1) {
          // An open comment or section past the text bound would cross it once closed.
          cut(open, comment || cdata ? length - open - skip : 0);
          break;
        }
        if (comment || cdata) this.addText(end - open - skip);
        else this.addElement();
        at = end + terminator.length;
        continue;
      }

      if (next === SLASH) {
        const end = xml.indexOf('>', open);
        if (end === -1) {
          cut(open);
          break;
        }
        this.depth--;
        if (this.depth === 2 && this.skipFrom !== -1) {
          this.skipped.push([this.skipFrom, this.base + end + 1]);
          this.skipFrom = -1;
        }
        if (this.depth === 1) this.inHeader = false;
        at = end + 1;
        continue;
      }

      // A start tag: its name, then attributes up to the '>' that is not inside a quoted value.
      // Its counts are committed once its '>' is seen (a cut tag is scanned again, whole).
      let cursor = open + 1;
      while (cursor < length && !isNameEnd(xml.charCodeAt(cursor))) cursor++;
      const name = xml.slice(open + 1, cursor);
      let quote = 0;
      let valueFrom = 0;
      let end = -1;
      let tagAttributes = 0;
      let tagText = 0;
      for (; cursor < length; cursor++) {
        const c = xml.charCodeAt(cursor);
        if (quote !== 0) {
          if (c === quote) {
            quote = 0;
            tagText += cursor - valueFrom;
            this.addTextBound(tagText);
          }
        } else if (c === QUOTE || c === APOSTROPHE) {
          quote = c;
          valueFrom = cursor + 1;
        } else if (c === EQUALS) {
          if (this.attributes + ++tagAttributes > MAX_XML_ATTRIBUTES) throw invalid(`The request holds more than ${MAX_XML_ATTRIBUTES} attributes.`);
        } else if (c === GT) {
          end = cursor;
          break;
        }
      }
      if (end === -1) {
        cut(open, quote !== 0 ? tagText + length - valueFrom : tagText);
        break scan;
      }
      this.attributes += tagAttributes;
      this.addText(tagText);
      this.addElement();
      const selfClosing = xml.charCodeAt(end - 1) === SLASH;
      this.depth++;
      if (this.depth > MAX_XML_DEPTH) throw invalid(`The request nests elements deeper than ${MAX_XML_DEPTH} levels.`);
      if (this.depth === 2) {
        this.inHeader = !selfClosing && localName(name) === 'Header';
      } else if (this.depth === 3 && this.inHeader) {
        if (++this.headerEntries > MAX_SOAP_HEADER_ENTRIES) {
          throw invalid(`The SOAP Header holds more than ${MAX_SOAP_HEADER_ENTRIES} entries.`);
        }
        if (!READ_HEADER_ENTRIES.has(localName(name))) {
          if (selfClosing) this.skipped.push([this.base + open, this.base + end + 1]);
          else this.skipFrom = this.base + open;
        }
      }
      if (selfClosing) this.depth--;
      at = end + 1;
    }

    if (this.stopped) {
      this.pending = '';
      return;
    }
    this.pending = at >= length ? '' : xml.slice(at);
    this.base += at;
  }

  /** Refuses when `more` characters on top of the text so far would cross the bound (nothing is counted). */
  private addTextBound(more: number): void {
    if (this.text + more > MAX_XML_TEXT_CHARS) throw invalid(`The request holds more than ${MAX_XML_TEXT_CHARS} characters of text.`);
  }
}
