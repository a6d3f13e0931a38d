import { isAscii } from 'node:buffer';
import { TextDecoder } from 'node:util';
import { looksBinary } from '../core/text.js';

/**
 * Bytes to text for scanning. Files come in whatever encoding their author's editor chose:
 * UTF-16 with a byte-order mark (Windows tools, PowerShell redirects) is decoded, a UTF-8 BOM is
 * dropped, invalid UTF-8 becomes U+FFFD rather than an error, and anything else with a NUL byte
 * is binary and not scanned.
 */
export type Decoded = { text: string; encoding: 'utf-8' | 'utf-16le' | 'utf-16be' } | { binary: true };

const utf16le = new TextDecoder('utf-16le');
const utf16be = new TextDecoder('utf-16be');

export function decodeText(buf: Buffer): Decoded {
  if (buf.length >= 2) {
    if (buf[0] === 0xff && buf[1] === 0xfe) return { text: utf16le.decode(buf.subarray(2)), encoding: 'utf-16le' };
    if (buf[0] === 0xfe && buf[1] === 0xff) return { text: utf16be.decode(buf.subarray(2)), encoding: 'utf-16be' };
  }
  if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
    return { text: buf.toString('utf8', 3), encoding: 'utf-8' };
  }
  if (looksBinary(buf)) return { binary: true };
  // Most source files are pure ASCII, where latin1 decoding gives the same string several times
  // faster than UTF-8 decoding (isAscii is one native, vectorised pass).
  if (isAscii(buf)) return { text: buf.toString('latin1'), encoding: 'utf-8' };
  return { text: buf.toString('utf8'), encoding: 'utf-8' };
}
