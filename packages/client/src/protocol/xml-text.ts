/**
 * Text in and out of XML, by hand: the parser runs with entity processing off (so no DTD
 * entity can ever expand), and this decodes only what XML itself predefines.
 */
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Decodes the five predefined entities and character references; anything else is an error. */
export function decodeXmlText(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&([^;&\s]{0,10});?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) throw new XmlTextError('a bare & in text');
    const predefined = PREDEFINED[name];
    if (predefined !== undefined) return predefined;
    const match = /^#(?:x([0-9A-Fa-f]{1,6})|([0-9]{1,7}))$/.exec(name);
    if (!match) throw new XmlTextError(`the entity &${name}; (only XML's predefined entities are accepted)`);
    const code = match[1] !== undefined ? Number.parseInt(match[1], 16) : Number(match[2]);
    if (!isXmlChar(code)) throw new XmlTextError(`a character reference to a character XML does not allow`);
    return String.fromCodePoint(code);
  });
}

function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

export class XmlTextError extends Error {
  override name = 'XmlTextError';
}
