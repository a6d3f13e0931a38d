import { TextDecoder } from 'node:util';
import { looksBinary } from '../core/text.js';
import type { CompiledRuleSet } from './detect.js';
import type { Finding } from './finding.js';
import type { BatchResult } from './scan-file.js';
import { scanText } from './scan-text.js';
import { emptyStats } from './types.js';

/**
 * Scan a stream (stdin: a pasted CI log; a named pipe) in bounded memory: cut the text at line
 * ends into ~1 MiB slices and scan each slice with the last lines of the previous one prepended,
 * so a multi-line secret (a PEM key) cut by a slice boundary is still seen whole. Findings seen
 * twice in that overlap are reported once.
 */
const SLICE_CHARS = 1 << 20;
const CARRY_LINES = 100;
const CARRY_CHARS = 64 * 1024;

export async function scanStream(set: CompiledRuleSet, input: AsyncIterable<Buffer | string>, display: string): Promise<BatchResult> {
  const stats = emptyStats();
  const findings: Finding[] = [];
  const seen = new Set<string>();
  let decoder: TextDecoder | undefined;
  let pending = '';
  let carry = '';
  let carryFirstLine = 1; // line number of carry's first line
  let head: Buffer | undefined; // first bytes, held until the encoding is known
  let binary = false;

  const scanSlice = (slice: string) => {
    const text = carry + slice;
    const r = scanText(set, text, display, { firstLine: carryFirstLine });
    stats.suppressed.allowComment += r.allowed;
    for (const f of r.findings) {
      const k = `${f.line}:${f.column}:${f.ruleId}`;
      if (seen.has(k)) continue;
      seen.add(k);
      findings.push(f);
    }
    // Keep the tail for the next slice; forget keys that can no longer reappear.
    let cut = text.length;
    for (let i = 0; i < CARRY_LINES && cut > 0; i++) {
      const nl = text.lastIndexOf('\n', cut - 2);
      if (nl < 0 || text.length - nl - 1 > CARRY_CHARS) break;
      cut = nl + 1;
    }
    let linesBefore = 0;
    for (let i = text.indexOf('\n'); i !== -1 && i < cut; i = text.indexOf('\n', i + 1)) linesBefore++;
    carryFirstLine += linesBefore;
    carry = text.slice(cut);
    for (const k of seen) if (Number(k.slice(0, k.indexOf(':'))) < carryFirstLine) seen.delete(k);
  };

  const push = (text: string, final: boolean) => {
    pending += text;
    while (pending.length >= SLICE_CHARS || (final && pending.length > 0)) {
      let end = final && pending.length < SLICE_CHARS ? pending.length : pending.lastIndexOf('\n', SLICE_CHARS) + 1;
      if (end <= 0) end = Math.min(pending.length, SLICE_CHARS * 4); // one enormous line: cut it anyway
      scanSlice(pending.slice(0, end));
      pending = pending.slice(end);
    }
  };

  const startDecoding = (buf: Buffer): Buffer => {
    if (buf[0] === 0xff && buf[1] === 0xfe) {
      decoder = new TextDecoder('utf-16le');
      return buf.subarray(2);
    }
    if (buf[0] === 0xfe && buf[1] === 0xff) {
      decoder = new TextDecoder('utf-16be');
      return buf.subarray(2);
    }
    if (looksBinary(buf)) binary = true;
    decoder = new TextDecoder('utf-8'); // drops a UTF-8 BOM itself; invalid bytes become U+FFFD
    return buf;
  };

  for await (const chunk of input) {
    if (binary) continue;
    let buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    stats.bytesScanned += buf.length;
    if (!decoder) {
      head = head ? Buffer.concat([head, buf]) : buf;
      if (head.length < 8192) continue;
      buf = startDecoding(head);
      head = undefined;
      if (binary) continue;
    }
    push(decoder!.decode(buf, { stream: true }), false);
  }
  if (!decoder && head) {
    const buf = startDecoding(head);
    if (!binary) push(decoder!.decode(buf, { stream: true }), false);
  }
  if (binary) {
    stats.bytesScanned = 0;
    stats.skipped.binary++;
    return { findings, stats };
  }
  if (decoder) push(decoder.decode(), true);
  stats.filesScanned = 1;
  return { findings, stats };
}
