import type { KeyObject } from 'node:crypto';
import { checkpointSignedBy, parseCheckpoints } from './checkpoint.js';
import { entryHash, GENESIS_PREV, type AuditEntry } from './entry.js';
import { logIdOf, verifyEntryHash } from './keys.js';
import { merkleRoot } from './merkle.js';

/**
 * Verify an audit log offline: every line parses, its hash matches its content, its signature
 * verifies with the given public key, its seq is the previous one plus one and its prev is the
 * previous entry's hash; every checkpoint is signed by the same key, covers no more entries than
 * the log holds (truncation), and its RFC 6962 root matches the log's first `size` lines.
 *
 * The result names the first bad entry by seq and line. Checking continues after a problem
 * (re-synchronising on the bad entry) so one edit is reported once, not as a cascade.
 */
export type ProblemKind = 'malformed' | 'partial' | 'edited' | 'signature' | 'missing' | 'out-of-order' | 'chain' | 'truncated' | 'checkpoint';

export interface VerifyProblem {
  kind: ProblemKind;
  /** 1-based line in audit.jsonl (or entries index in a bundle). */
  line?: number;
  /** The seq the entry claims, or the seq expected where one is missing. */
  seq?: number;
  message: string;
}

export interface VerifyResult {
  ok: boolean;
  entries: number;
  checkpoints: number;
  logId: string;
  /** The newest valid checkpoint: its size and root. */
  latestCheckpoint?: { size: number; rootHash: string };
  firstProblem?: VerifyProblem;
  problems: VerifyProblem[];
}

export interface VerifyInput {
  /** The log's text, exactly as stored. */
  logText: string;
  checkpointsText: string;
  publicKey: KeyObject;
  /**
   * Checkpoints kept somewhere else (published, committed elsewhere, pasted in a ticket). They are
   * checked like the local ones; they are what catches a log truncated together with its local
   * checkpoints file.
   */
  published?: { label: string; text: string }[];
}

const MAX_PROBLEMS = 50;

export function verifyAudit(input: VerifyInput): VerifyResult {
  const problems: VerifyProblem[] = [];
  const add = (p: VerifyProblem) => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  const { publicKey } = input;
  let text = input.logText;
  if (text.length && !text.endsWith('\n')) {
    const partialLine = text.split('\n').length;
    add({ kind: 'partial', line: partialLine, message: `line ${partialLine} is a partial entry (no newline): an interrupted write or a cut file` });
    text = text.slice(0, text.lastIndexOf('\n') + 1);
  }
  const lines = text ? text.slice(0, -1).split('\n') : [];

  // Where each seq appears, so a seq that shows up early is told apart as reordering, not deletion.
  const seqLines = new Map<number, number>();
  lines.forEach((raw, i) => {
    const m = /"seq":(\d+)/.exec(raw);
    if (m && !seqLines.has(Number(m[1]))) seqLines.set(Number(m[1]), i + 1);
  });

  let expectSeq = 1;
  let expectPrev = GENESIS_PREV;
  let anySigOk = false;
  lines.forEach((raw, i) => {
    const line = i + 1;
    let e: AuditEntry;
    try {
      e = JSON.parse(raw) as AuditEntry;
      // A null, a number or a string has no seq. (Without the `?.`, reading a field of null throws
      // into the same catch.)
      // Stryker disable next-line OptionalChaining: equivalent, as said above
      if (typeof e?.seq !== 'number' || typeof e.hash !== 'string' || typeof e.prev !== 'string' || typeof e.sig !== 'string')
        // Stryker disable next-line StringLiteral: the error's text is never shown (the catch reports the line)
        throw new Error('shape');
    } catch {
      add({ kind: 'malformed', line, seq: expectSeq, message: `line ${line} is not an audit entry (invalid JSON or missing fields)` });
      expectSeq++;
      expectPrev = '';
      return;
    }
    const where = `entry seq ${e.seq} (line ${line})`;
    if (entryHash(e) !== e.hash) {
      add({ kind: 'edited', line, seq: e.seq, message: `${where} was edited: its content does not match its hash` });
    } else if (!verifyEntryHash(publicKey, e.hash, e.sig)) {
      add({
        kind: 'signature',
        line,
        seq: e.seq,
        message: anySigOk
          ? `${where} has an invalid signature: it was forged or re-hashed after an edit`
          : `${where} is not signed by this public key (wrong key, or a forged entry)`,
      });
    } else {
      anySigOk = true;
    }
    if (e.seq !== expectSeq) {
      const laterLine = seqLines.get(expectSeq);
      // Stryker disable next-line EqualityOperator: e.seq differs from expectSeq here, so > and >= agree
      const ahead = e.seq > expectSeq;
      // Stryker disable next-line EqualityOperator: expectSeq first appears on another line than this one, which holds e.seq
      if (ahead && laterLine !== undefined && laterLine > line) {
        add({ kind: 'out-of-order', line, seq: e.seq, message: `${where}: expected seq ${expectSeq} here, which is at line ${laterLine} (entries reordered)` });
      } else if (ahead) {
        const gap = e.seq - expectSeq === 1 ? `seq ${expectSeq} is` : `seq ${expectSeq}..${e.seq - 1} are`;
        add({ kind: 'missing', line, seq: e.seq, message: `${where}: ${gap} missing before it (deleted entries)` });
      } else {
        add({ kind: 'out-of-order', line, seq: e.seq, message: `${where}: expected seq ${expectSeq} here (entries inserted, duplicated or reordered)` });
      }
    } else if (expectPrev && e.prev !== expectPrev) {
      add({
        kind: 'chain',
        line,
        seq: e.seq,
        message: `${where} does not follow the entry before it (its prev hash differs: an entry was replaced, inserted or reordered)`,
      });
    }
    expectSeq = e.seq + 1;
    expectPrev = e.hash;
  });

  let latest: VerifyResult['latestCheckpoint'];
  const checkCheckpoints = (text: string, label: string): number => {
    const name = (n: number) => (label ? `${label}: checkpoint ${n}` : `checkpoint ${n}`);
    const parsed = parseCheckpoints(text);
    for (const err of parsed.errors) add({ kind: 'checkpoint', message: label ? `${label}: ${err.message}` : err.message });
    let maxSize = 0;
    parsed.checkpoints.forEach((cp, idx) => {
      const n = idx + 1;
      if (!checkpointSignedBy(cp, publicKey)) {
        add({ kind: 'checkpoint', message: `${name(n)} (size ${cp.size}) is not signed by this public key` });
        return;
      }
      if (cp.size < maxSize) {
        add({ kind: 'checkpoint', message: `${name(n)} (size ${cp.size}) is smaller than an earlier checkpoint (${maxSize}): the checkpoint file was edited` });
      }
      maxSize = Math.max(maxSize, cp.size);
      if (cp.size > lines.length) {
        add({
          kind: 'truncated',
          line: lines.length + 1,
          seq: lines.length + 1,
          message: `the log was truncated: ${name(n)} covers ${cp.size} entries but the log has ${lines.length}; entries ${lines.length + 1}..${cp.size} are missing`,
        });
        return;
      }
      const root = merkleRoot(lines.slice(0, cp.size)).toString('base64');
      if (root !== cp.rootHash) {
        add({ kind: 'checkpoint', message: `${name(n)} (size ${cp.size}) does not match the log: entries 1..${cp.size} were changed after it was signed` });
        return;
      }
      // Stryker disable next-line EqualityOperator: two valid checkpoints of one size have one root (both match the log's first lines)
      if (!latest || cp.size >= latest.size) latest = { size: cp.size, rootHash: cp.rootHash };
    });
    return parsed.checkpoints.length;
  };
  const localCheckpoints = checkCheckpoints(input.checkpointsText, '');
  for (const p of input.published ?? []) {
    if (checkCheckpoints(p.text, p.label) === 0) add({ kind: 'checkpoint', message: `${p.label}: holds no checkpoint` });
  }

  // Report the problem that comes first in the log (checkpoint-level problems after entry ones).
  const ordered = [...problems].sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
  return {
    ok: problems.length === 0,
    entries: lines.length,
    checkpoints: localCheckpoints,
    logId: logIdOf(publicKey),
    latestCheckpoint: latest,
    firstProblem: ordered[0],
    problems: ordered,
  };
}
