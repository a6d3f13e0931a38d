import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { listProjectFiles } from '../scan/files.js';
import type { PendingDeletion } from '../apply/deletions.js';
import type { InventoryItem } from './inventory.js';

/**
 * What is due: credentials older than the policy's max_age (since credctl last rotated them, or
 * since their value was last written), certificates and JWTs and provider credentials near or
 * past their expiry, and old credentials deactivated for a grace period that has ended (to be
 * deleted with `credctl finalize`); and, from commands/status.ts, incidents with open items and
 * revoked values still found in the project. A non-zero exit code when anything is due makes it a CI gate.
 */
export type DueReason = 'rotation-overdue' | 'expired' | 'expires-soon' | 'deletion-due' | 'incident-open' | 'revoked-value-in-use';

export interface DueItem {
  what: string;
  kind: 'credential' | 'certificate';
  reason: DueReason;
  detail: string;
  /** Days overdue (positive) or days left (for expires-soon). */
  days: number;
  file?: string;
}

export interface StatusInput {
  root: string;
  items: InventoryItem[];
  /** Old credentials deactivated for a grace period (src/apply/deletions.ts). */
  pendingDeletions?: PendingDeletion[];
  maxAgeDays?: number;
  expiryWarningDays: number;
  now?: Date;
}

const DAY = 86_400_000;
const MAX_CERT_FILE = 1 << 20;

/** PEM certificates in the project's files, parsed with node:crypto. */
export function findCertificates(root: string): { file: string; subject: string; validTo: Date }[] {
  const out: { file: string; subject: string; validTo: Date }[] = [];
  for (const file of listProjectFiles(root)) {
    let text: string;
    try {
      if (statSync(join(root, file)).size > MAX_CERT_FILE) continue;
      text = readFileSync(join(root, file), 'utf8');
    } catch {
      continue;
    }
    if (!text.includes('-----BEGIN CERTIFICATE-----')) continue;
    for (const pem of text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []) {
      try {
        const cert = new X509Certificate(pem);
        out.push({ file, subject: cert.subject.replace(/\n/g, ', '), validTo: new Date(cert.validTo) });
      } catch {
        /* not a parseable certificate: not ours to judge */
      }
    }
  }
  return out;
}

export function dueItems(input: StatusInput): DueItem[] {
  const now = (input.now ?? new Date()).getTime();
  const due: DueItem[] = [];
  const expiry = (what: string, kind: DueItem['kind'], at: Date, file?: string) => {
    const days = Math.floor((at.getTime() - now) / DAY);
    if (at.getTime() <= now)
      due.push({ what, kind, reason: 'expired', detail: `expired ${at.toISOString().slice(0, 10)}`, days: -days, ...(file ? { file } : {}) });
    else if (days < input.expiryWarningDays)
      due.push({ what, kind, reason: 'expires-soon', detail: `expires ${at.toISOString().slice(0, 10)} (in ${days} days)`, days, ...(file ? { file } : {}) });
  };
  for (const item of input.items) {
    const name = `${item.names[0] ?? item.id} ${item.redacted}`;
    if (item.expiresAt) expiry(name, 'credential', new Date(item.expiresAt));
    if (input.maxAgeDays !== undefined) {
      const since = item.lastRotated ?? item.lastWritten?.at;
      if (!since) continue;
      const age = Math.floor((now - Date.parse(since)) / DAY);
      if (age > input.maxAgeDays) {
        const how = item.lastRotated ? 'last rotated by credctl' : item.lastWritten?.source === 'git' ? 'value last committed' : 'file last modified';
        due.push({
          what: name,
          kind: 'credential',
          reason: 'rotation-overdue',
          detail: `${how} ${since.slice(0, 10)}, ${age} days ago (policy: ${input.maxAgeDays})`,
          days: age - input.maxAgeDays,
        });
      }
    }
  }
  for (const cert of findCertificates(input.root)) expiry(`certificate ${cert.subject}`, 'certificate', cert.validTo, cert.file);
  for (const p of input.pendingDeletions ?? []) {
    const after = Date.parse(p.deleteAfter);
    if (after > now) continue; // still within its grace period: rollback may want it
    due.push({
      what: `${p.name} ${p.redacted} (old, deactivated)`,
      kind: 'credential',
      reason: 'deletion-due',
      detail: `grace period over ${p.deleteAfter.slice(0, 10)}: delete it with credctl finalize (run ${p.runId})`,
      days: Math.floor((now - after) / DAY),
    });
  }
  return due.sort((a, b) => (a.reason === b.reason ? b.days - a.days : a.reason.localeCompare(b.reason)));
}
