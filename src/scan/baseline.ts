import { existsSync, readFileSync } from 'node:fs';
import { atomicWriteFileSync } from '../core/atomic-write.js';
import { inputError, parserMessage } from '../core/errors.js';
import { isFingerprint } from '../core/fingerprint.js';
import type { Finding } from './finding.js';

/**
 * A baseline: findings someone looked at and accepted, so they stop failing the build.
 *
 * Keyed by content fingerprint + rule id, never by file or line: moving the line, reformatting
 * the file or squash-merging a branch does not bring an accepted finding back, while a different
 * value (a new secret) on the same line still fails. The file holds fingerprints only, no
 * values and no redacted forms, so it is safe to commit. `file` is a hint for the reader.
 */
export interface BaselineEntry {
  ruleId: string;
  fingerprint: string;
  /** Where it was when accepted (informational; not used for matching). */
  file?: string;
}

export interface Baseline {
  version: 1;
  entries: BaselineEntry[];
}

const key = (ruleId: string, fp: string) => `${ruleId}\0${fp}`;

export function readBaseline(path: string, { mustExist = true } = {}): Baseline {
  if (!existsSync(path)) {
    if (mustExist) throw inputError(`baseline ${path} not found`, 'Create it with `credctl scan --baseline FILE --update-baseline`.');
    return { version: 1, entries: [] };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw inputError(`baseline ${path} is not valid JSON: ${parserMessage(err)}`);
  }
  const d = doc as { version?: unknown; entries?: unknown };
  if (d?.version !== 1 || !Array.isArray(d.entries)) throw inputError(`baseline ${path} is not a credctl baseline (expected {"version": 1, "entries": [...]})`);
  const entries: BaselineEntry[] = [];
  for (const [i, e] of (d.entries as Partial<BaselineEntry>[]).entries()) {
    if (typeof e?.ruleId !== 'string' || typeof e.fingerprint !== 'string' || !isFingerprint(e.fingerprint)) {
      throw inputError(`baseline ${path}: entry ${i} needs ruleId and a fingerprint (fp_ + 24 hex)`);
    }
    entries.push({ ruleId: e.ruleId, fingerprint: e.fingerprint, ...(typeof e.file === 'string' ? { file: e.file } : {}) });
  }
  return { version: 1, entries };
}

export type BaselineMatcher = (f: Pick<Finding, 'ruleId' | 'fingerprint'>) => boolean;

export function baselineMatcher(baseline: Baseline): BaselineMatcher {
  const keys = new Set(baseline.entries.map((e) => key(e.ruleId, e.fingerprint)));
  return (f) => keys.has(key(f.ruleId, f.fingerprint));
}

/**
 * Add the findings to the baseline and write it. Existing entries are kept (a baseline only
 * grows on update; an entry for a value that is gone matches nothing and costs nothing), so
 * updating from a partial scan such as --staged never drops what others accepted.
 * Returns how many entries were new.
 */
export function updateBaseline(path: string, findings: Finding[]): { added: number; total: number } {
  const baseline = readBaseline(path, { mustExist: false });
  const seen = new Set(baseline.entries.map((e) => key(e.ruleId, e.fingerprint)));
  let added = 0;
  for (const f of findings) {
    const k = key(f.ruleId, f.fingerprint);
    if (seen.has(k)) continue;
    seen.add(k);
    baseline.entries.push({ ruleId: f.ruleId, fingerprint: f.fingerprint, file: f.file });
    added++;
  }
  // Sorted so that two people adding entries produce a small, mergeable diff.
  baseline.entries.sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || a.ruleId.localeCompare(b.ruleId) || a.fingerprint.localeCompare(b.fingerprint));
  const doc = {
    version: 1,
    note: 'credctl scan baseline: accepted findings, matched by rule id + fingerprint. Holds no secret values.',
    entries: baseline.entries,
  };
  atomicWriteFileSync(path, JSON.stringify(doc, null, 2) + '\n', { mode: 0o644 });
  return { added, total: baseline.entries.length };
}
