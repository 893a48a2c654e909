import { escapeXml } from './xml-text.ts';

/**
 * Writes element trees as XML text: strings are escaped, `null` is `xsi:nil`, arrays repeat
 * the element, `undefined` leaves it out. Callers own the namespace declarations.
 */
export type XmlValue = string | number | boolean | null | undefined | XmlTree | XmlValue[];
export interface XmlTree {
  [name: string]: XmlValue;
}

export function xmlElement(name: string, value: XmlValue): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.map((v) => xmlElement(name, v)).join('');
  if (value === null) return `<${name} xsi:nil="true"/>`;
  if (typeof value === 'object') {
    const inner = Object.entries(value)
      .map(([child, v]) => xmlElement(child, v))
      .join('');
    return inner ? `<${name}>${inner}</${name}>` : `<${name}/>`;
  }
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}
