import { existsSync } from 'node:fs';
import { parseDuration } from '../core/duration.js';
import { readInputText, usageError } from '../core/errors.js';
import type { AuditEntry } from './entry.js';

/**
 * Reading the log for people: parse the entries (skipping lines that do not parse; `audit verify`
 * is the place that reports them) and filter by credential and time.
 */
export interface ShowFilter {
  /**
   * An env or store name, a credential id or fingerprint (or a prefix of one, from `fp_`): every
   * entry about that credential, whatever its kind (see relatedEntries).
   */
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
  const about = filter.credential ? relatedEntries(entries, filter.credential) : undefined;
  return entries.filter((e) => {
    if (since !== undefined && !(Date.parse(e.time) >= since)) return false;
    return !about || about.has(e);
  });
}

const FINGERPRINT = /^fp_[0-9a-f]{6,}$/;

/**
 * What an entry says about which credential it concerns, never a value: the env or store name
 * (subject.name), the env names (subject.names, rotate.*), and every fingerprint it carries in
 * its subject or details: the credential id (subject.credential, rotate.*), subject.fingerprint
 * (store.*, credential.*, rollback.*), the replacement's (details.newFingerprint, rotate.create)
 * and the one a rollback returned to (details.to).
 */
function identities(e: AuditEntry): { names: string[]; fingerprints: string[] } {
  const names: string[] = [];
  const fingerprints: string[] = [];
  const s = e.subject ?? {};
  for (const v of [s.name, ...(Array.isArray(s.names) ? s.names : [])]) if (typeof v === 'string' && v) names.push(v);
  const scan = (v: unknown): void => {
    if (typeof v === 'string' && FINGERPRINT.test(v)) fingerprints.push(v);
    else if (Array.isArray(v)) v.forEach(scan);
  };
  for (const v of [...Object.values(s), ...Object.values(e.details ?? {})]) scan(v);
  return { names, fingerprints };
}

/**
 * Every entry about the credential `query` names: the entries that name it (a name exactly; a
 * fingerprint or credential id from its prefix), then, until nothing is added, every entry that
 * shares a name or fingerprint with those. So a name finds its rotation's rotate.* entries, the
 * rollback's entries about the replacement (linked by rotate.create's newFingerprint), and the
 * store's entries; a fingerprint finds the names and everything under them.
 */
export function relatedEntries(entries: AuditEntry[], query: string): Set<AuditEntry> {
  const ids = entries.map(identities);
  const names = new Set<string>();
  const fps = new Set<string>();
  const isPrefix = query.startsWith('fp_');
  ids.forEach((id) => {
    if (id.names.includes(query)) names.add(query);
    for (const fp of id.fingerprints) if (fp === query || (isPrefix && fp.startsWith(query))) fps.add(fp);
  });
  const found = new Set<AuditEntry>();
  for (let grew = true; grew; ) {
    grew = false;
    ids.forEach((id, i) => {
      const entry = entries[i]!;
      if (found.has(entry)) return;
      if (!id.names.some((n) => names.has(n)) && !id.fingerprints.some((f) => fps.has(f))) return;
      found.add(entry);
      grew = true;
      for (const n of id.names) names.add(n);
      for (const f of id.fingerprints) fps.add(f);
    });
  }
  return found;
}
