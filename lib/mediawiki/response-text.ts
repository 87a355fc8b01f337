// Turns an Action API answer's bytes into the string JSON.parse reads. The client asks for `ascii` answers
// (non-ASCII as \uXXXX escapes), which decode several times faster than UTF-8 (see docs/design-decisions.md).
import { isAscii } from 'node:buffer';

const utf8 = new TextDecoder('utf-8');

/**
 * The text of `bytes`. Pure ASCII (what `ascii=1` answers are) is copied byte for byte; anything else (a proxy
 * or a server that ignored the parameter) is decoded as UTF-8, a leading BOM dropped and bad sequences
 * replaced by U+FFFD, exactly as before.
 */
export function responseText(bytes: Uint8Array): string {
  if (isAscii(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  return utf8.decode(bytes);
}

/** `json` with every non-ASCII UTF-16 unit written as a \uXXXX escape: the shape of an `ascii=1` answer. */
export function asciiJson(json: string): string {
  return json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
