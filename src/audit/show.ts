import { existsSync } from 'node:fs';
import { parseDuration } from '../core/duration.js';
import { readInputText, usageError } from '../core/errors.js';
import type { AuditEntry } from './entry.js';

/**
 * Reading the log for people: parse the entries (skipping lines that do not parse; `audit verify`
 * is the place that reports them) and filter by credential and time.
 */
export interface ShowFilter {
  /** A fingerprint (or its prefix) or a name, matched against subject.fingerprint / subject.name. */
  credential?: string;
  /** ISO date/time, or a duration back from now: 30m, 24h, 7d, 2w. */
  since?: string;
}

export function parseSince(text: string, now = Date.now()): number {
  // A duration back from now (the grammar of every duration, src/core/duration.ts), or a date.
  if (/^\s*\d+\s*[a-z]+\s*$/i.test(text)) return now - parseDuration(text, { what: '--since', error: usageError });
  const t = Date.parse(text);
  if (Number.isNaN(t))
    throw usageError(`--since "${text}" is not a date or a duration`, 'Use an ISO date (2025-01-31, 2025-01-31T12:00Z) or a duration (30m, 24h, 7d, 2w).');
  return t;
}

export function readEntries(path: string): AuditEntry[] {
  if (!existsSync(path)) return [];
  const text = readInputText(path, path);
  const out: AuditEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as AuditEntry);
    } catch {
      // reported by `audit verify`
    }
  }
  return out;
}

export function filterEntries(entries: AuditEntry[], filter: ShowFilter): AuditEntry[] {
  const since = filter.since ? parseSince(filter.since) : undefined;
  const cred = filter.credential;
  return entries.filter((e) => {
    if (since !== undefined && !(Date.parse(e.time) >= since)) return false;
    if (cred) {
      const fp = typeof e.subject?.fingerprint === 'string' ? e.subject.fingerprint : '';
      const name = typeof e.subject?.name === 'string' ? e.subject.name : '';
      if (!(name === cred || (cred.startsWith('fp_') && fp.startsWith(cred)))) return false;
    }
    return true;
  });
}
