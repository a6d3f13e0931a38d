import { shownSafely } from '../core/redact.js';
import { usageError } from '../core/errors.js';
import { VERSION_LABELS, type SecretEntryInfo, type SecretVersionInfo, type VersionLabel } from './types.js';

/**
 * Version and label bookkeeping shared by both backends, over plain JSON metadata (never values),
 * so the keychain and the encrypted file cannot disagree on what "moving a label" means.
 */
export interface VersionMeta {
  version: number;
  createdAt: string;
  fingerprint: string;
}

export interface SecretMeta {
  versions: VersionMeta[];
  labels: Partial<Record<VersionLabel, number>>;
  updatedAt: string;
}

const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.:/@+-]{0,199}$/;

export function checkSecretName(name: string): void {
  // A value typed where the name goes (`store put sk_live_...`) must not become a name that is
  // printed by list and kept unencrypted in the metadata.
  if (shownSafely(name) !== name) {
    throw usageError(
      `that looks like a credential value (${shownSafely(name)}), not a name`,
      'Names are like STRIPE_SECRET_KEY; the value is read from stdin or a hidden prompt, never from the command line.',
    );
  }
  if (!NAME_RE.test(name) || name.includes('..')) {
    throw usageError(
      `invalid secret name "${name.slice(0, 60)}"`,
      'Use 1-200 characters of letters, digits and _ . : / @ + - (e.g. STRIPE_SECRET_KEY or example/admin).',
    );
  }
}

export function checkLabel(label: string): asserts label is VersionLabel {
  if (!(VERSION_LABELS as readonly string[]).includes(label)) {
    throw usageError(`unknown label "${label}"`, `Labels are ${VERSION_LABELS.join(', ')}.`);
  }
}

export function nextVersion(meta: SecretMeta | undefined): number {
  return meta && meta.versions.length ? Math.max(...meta.versions.map((v) => v.version)) + 1 : 1;
}

/** Move `label` to `version`, with the AWS-style side effects documented in types.ts. */
export function moveLabel(meta: SecretMeta, version: number, label: VersionLabel): void {
  if (!meta.versions.some((v) => v.version === version)) {
    throw usageError(`version ${version} does not exist`);
  }
  if (label === 'current') {
    const old = meta.labels.current;
    if (old !== undefined && old !== version) meta.labels.previous = old;
    if (meta.labels.pending === version) delete meta.labels.pending;
    if (meta.labels.previous === version) delete meta.labels.previous;
  }
  if (label === 'rolled-back' && meta.labels.pending === version) delete meta.labels.pending;
  meta.labels[label] = version;
}

/** Resolve a selection to a version number, or null when it names nothing. */
export function selectVersion(meta: SecretMeta | undefined, select: { version?: number; label?: VersionLabel } = {}): number | null {
  if (!meta || meta.versions.length === 0) return null;
  if (select.version !== undefined) {
    const v = meta.versions.find((x) => x.version === select.version);
    if (!v) return null;
    if (select.label !== undefined && meta.labels[select.label] !== v.version) return null;
    return v.version;
  }
  if (select.label !== undefined) return meta.labels[select.label] ?? null;
  return Math.max(...meta.versions.map((v) => v.version));
}

export function versionInfos(meta: SecretMeta | undefined): SecretVersionInfo[] {
  if (!meta) return [];
  return [...meta.versions]
    .sort((a, b) => a.version - b.version)
    .map((v) => ({
      version: v.version,
      createdAt: v.createdAt,
      fingerprint: v.fingerprint,
      labels: VERSION_LABELS.filter((l) => meta.labels[l] === v.version),
    }));
}

export function entryInfo(name: string, meta: SecretMeta): SecretEntryInfo {
  return {
    name,
    versions: meta.versions.length,
    latest: nextVersion(meta) - 1,
    labels: { ...meta.labels },
    updatedAt: meta.updatedAt,
  };
}

export function addVersion(meta: SecretMeta | undefined, fp: string, labels: VersionLabel[] = [], now = new Date()): { meta: SecretMeta; info: VersionMeta } {
  const m: SecretMeta = meta
    ? { versions: [...meta.versions], labels: { ...meta.labels }, updatedAt: meta.updatedAt }
    : { versions: [], labels: {}, updatedAt: '' };
  const info: VersionMeta = { version: nextVersion(m), createdAt: now.toISOString(), fingerprint: fp };
  m.versions.push(info);
  m.updatedAt = info.createdAt;
  for (const l of labels) moveLabel(m, info.version, l);
  return { meta: m, info };
}
