import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeXmlText, escapeXml, XmlTextError } from '@sessiond/client/protocol';

describe('XML text decoding (entity processing is off in the parser)', () => {
  test("decodes XML's predefined entities and character references", () => {
    assert.equal(decodeXmlText('a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;'), 'a & b <c> "d" \'e\'');
    assert.equal(decodeXmlText('&#65;&#x42;&#x1F600;'), 'AB😀');
    assert.equal(decodeXmlText('plain'), 'plain');
  });

  test('refuses declared or unknown entities, bare ampersands and characters XML forbids', () => {
    for (const bad of ['&xxe;', '&lol9;', 'a & b', '&amp', '&#0;', '&#x110000;', '&#xD800;', '&#x;']) {
      assert.throws(() => decodeXmlText(bad), XmlTextError, bad);
    }
  });

  test('escaping round-trips through decoding', () => {
    const text = `<a href="x">Tom & 'Jerry'</a>`;
    assert.equal(decodeXmlText(escapeXml(text)), text);
    assert.doesNotMatch(escapeXml(text), /[<>"']/);
  });
});
