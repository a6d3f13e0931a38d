import { existsSync } from 'node:fs';
import { atomicWriteFileSync } from '../core/atomic-write.js';
import { inputError, readInputText } from '../core/errors.js';
import type { AuditPaths } from './log.js';
import { committedPublicKey, parsePublicKey } from './keys.js';
import { verifyAudit, type VerifyResult } from './verify.js';

/**
 * An audit bundle: everything needed to verify a log offline on another machine, in one JSON file.
 * `log` and `checkpoints` are the files' exact text (hashes and Merkle leaves are over exact
 * bytes); `publicKey` is the SPKI PEM. A verifier should pin the key it trusts with --pubkey (the
 * one committed or published) rather than trust the copy inside the bundle.
 */
export const BUNDLE_FORMAT = 'credctl-audit-bundle/v1';

export interface AuditBundle {
  format: typeof BUNDLE_FORMAT;
  exportedAt: string;
  publicKey: string;
  log: string;
  checkpoints: string;
}

const readOr = (path: string, fallback: string): string => (existsSync(path) ? readInputText(path, path) : fallback);

export function readLocalAudit(paths: AuditPaths, pubkeyFile?: string): { logText: string; checkpointsText: string; publicKeyPem: string; pubSource: string } {
  const pubPath = pubkeyFile ?? paths.auditPub;
  if (!existsSync(pubPath)) {
    throw inputError(
      pubkeyFile ? `public key file ${pubkeyFile} does not exist` : `no audit public key at ${paths.auditPub} (nothing was ever audited here?)`,
      'Pass the published key with --pubkey FILE.',
    );
  }
  // Pinned: a tracked audit.pub is verified as committed, never as whatever the working copy holds.
  const committed = pubkeyFile ? undefined : committedPublicKey(paths.auditPub);
  const working = readOr(pubPath, '');
  return {
    logText: readOr(paths.audit, ''),
    checkpointsText: readOr(paths.auditCheckpoints, ''),
    publicKeyPem: committed ?? working,
    pubSource:
      committed === undefined ? pubPath : `${pubPath} as committed at HEAD${committed.trim() === working.trim() ? '' : ' (the working copy differs from it)'}`,
  };
}

export function exportBundle(paths: AuditPaths, outFile: string): AuditBundle {
  const local = readLocalAudit(paths);
  const bundle: AuditBundle = {
    format: BUNDLE_FORMAT,
    exportedAt: new Date().toISOString(),
    publicKey: local.publicKeyPem,
    log: local.logText,
    checkpoints: local.checkpointsText,
  };
  atomicWriteFileSync(outFile, JSON.stringify(bundle, null, 1) + '\n', { mode: 0o644 });
  return bundle;
}

export function readBundle(file: string): AuditBundle {
  const raw = readInputText(file, `bundle ${file}`);
  let b: Partial<AuditBundle>;
  try {
    b = JSON.parse(raw) as Partial<AuditBundle>;
  } catch {
    throw inputError(`${file} is not a credctl audit bundle (invalid JSON)`);
  }
  if (b?.format !== BUNDLE_FORMAT || typeof b.publicKey !== 'string' || typeof b.log !== 'string' || typeof b.checkpoints !== 'string') {
    throw inputError(`${file} is not a credctl audit bundle (${BUNDLE_FORMAT})`);
  }
  return b as AuditBundle;
}

export function verifyBundle(file: string, pubkeyPem?: string, published: { label: string; text: string }[] = []): VerifyResult & { pinnedKey: boolean } {
  const b = readBundle(file);
  const publicKey = parsePublicKey(pubkeyPem ?? b.publicKey, pubkeyPem ? 'the --pubkey file' : `the public key in ${file}`);
  return { ...verifyAudit({ logText: b.log, checkpointsText: b.checkpoints, publicKey, published }), pinnedKey: pubkeyPem !== undefined };
}
