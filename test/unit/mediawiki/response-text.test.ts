import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAscii } from 'node:buffer';
import { asciiJson, responseText } from '../../../lib/mediawiki/response-text.ts';

const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const sample = { content: "Ärger über [[Datei:Köln.jpg]] — 東京 😀 'quotes' \\ \" \u0000 \u007f \u0080", title: 'Żółw' };

describe('responseText', () => {
  test('an ascii answer decodes to the same value as the UTF-8 answer of the same data', () => {
    const json = JSON.stringify(sample);
    const ascii = asciiJson(json);
    assert.ok(isAscii(Buffer.from(ascii)), 'an ascii answer holds only ASCII bytes');
    assert.deepEqual(JSON.parse(responseText(bytes(ascii))), sample);
    assert.deepEqual(JSON.parse(responseText(bytes(json))), sample);
  });

  test('a UTF-8 answer (a server that ignored ascii) decodes as UTF-8, not byte by byte', () => {
    assert.equal(responseText(bytes('"Köln 東京 😀"')), '"Köln 東京 😀"');
  });

  test('a leading byte-order mark is dropped and invalid UTF-8 becomes U+FFFD', () => {
    assert.equal(responseText(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d])), '{}');
    assert.equal(responseText(new Uint8Array([0x22, 0xc3, 0x22])), '"\ufffd"');
  });

  test('a view into a larger buffer decodes only its own bytes', () => {
    const whole = Buffer.from('xx{"a":1}yy');
    assert.equal(responseText(new Uint8Array(whole.buffer, whole.byteOffset + 2, 7)), '{"a":1}');
  });

  test('an empty answer is the empty string', () => {
    assert.equal(responseText(new Uint8Array(0)), '');
  });
});
