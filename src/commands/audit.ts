import { inputError, readInputText } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import { shortFingerprint } from '../core/fingerprint.js';
import { note, paint, printJson, printLine } from '../core/output.js';
import { projectPaths } from '../core/paths.js';
import { exportBundle, readLocalAudit, verifyBundle } from '../audit/bundle.js';
import { noteText, parseCheckpoints } from '../audit/checkpoint.js';
import { parsePublicKey } from '../audit/keys.js';
import { filterEntries, readEntries } from '../audit/show.js';
import { verifyAudit, type VerifyResult } from '../audit/verify.js';
import * as io from '../core/io.js';

/** What `credctl audit ...` does, behind the flag parsing in src/cli/commands/audit.ts. */
export async function auditShow(opts: { credential?: string; since?: string; json?: boolean }): Promise<void> {
  const entries = filterEntries(readEntries(projectPaths().audit), opts);
  if (opts.json) return printJson(entries, 'entries');
  if (entries.length === 0) return note('no audit entries');
  const p = paint();
  for (const e of entries) {
    const s = e.subject ?? {};
    // rotate.* entries name the credential by its env names and id; store.* by a name and fingerprint.
    const name = s.name ?? (Array.isArray(s.names) ? s.names.join(',') : undefined);
    const fp = typeof s.fingerprint === 'string' ? s.fingerprint : typeof s.credential === 'string' ? s.credential : undefined;
    const subj = [name, fp ? shortFingerprint(fp) : undefined, s.provider, s.target].filter(Boolean).join(' ');
    const outcome = e.outcome === 'ok' ? p.green(e.outcome) : e.outcome === 'started' ? e.outcome : p.yellow(String(e.outcome));
    printLine(`${String(e.seq).padStart(5)}  ${e.time}  ${e.actor}  ${e.action}  ${subj}  ${outcome}`);
  }
}

const readPubkey = (file: string): string => readInputText(file, `public key ${file}`);

function report(result: VerifyResult, what: string, json?: boolean, extra: Record<string, unknown> = {}): void {
  if (json) printJson({ ...result, ...extra });
  else if (result.ok) {
    const cp = result.latestCheckpoint ? `, latest checkpoint at ${result.latestCheckpoint.size}` : ', no checkpoint';
    printLine(
      `${paint().green('verified')}: ${what}: ${result.entries} entries, ${result.checkpoints} checkpoint${result.checkpoints === 1 ? '' : 's'}${cp} (log ${result.logId})`,
    );
  } else {
    const first = result.firstProblem!;
    io.err().write(`credctl: ${what} does not verify: ${first.message}\n`);
    for (const p of result.problems.slice(1, 10)) io.err().write(`  also: ${p.message}\n`);
    if (result.problems.length > 10) io.err().write(`  ... and ${result.problems.length - 10} more\n`);
  }
  if (!result.ok) process.exitCode = ExitCode.Integrity;
}

function readPublished(files: string[] = []): { label: string; text: string }[] {
  return files.map((file) => ({ label: `published ${file}`, text: readInputText(file, `checkpoint file ${file}`) }));
}

export async function auditVerify(opts: { pubkey?: string; bundle?: string; checkpoint?: string[]; json?: boolean }): Promise<void> {
  const pinned = opts.pubkey ? readPubkey(opts.pubkey) : undefined;
  const published = readPublished(opts.checkpoint);
  if (opts.bundle) {
    const result = verifyBundle(opts.bundle, pinned, published);
    if (!result.pinnedKey && !opts.json) note('note: verified against the public key inside the bundle; pass --pubkey with the published key to pin it.');
    return report(result, `bundle ${opts.bundle}`, opts.json);
  }
  const paths = projectPaths();
  const local = readLocalAudit(paths, opts.pubkey);
  const publicKey = parsePublicKey(local.publicKeyPem, local.pubSource);
  const result = verifyAudit({ logText: local.logText, checkpointsText: local.checkpointsText, publicKey, published });
  report(result, `audit log ${paths.audit} (checked against ${local.pubSource})`, opts.json);
}

/**
 * `credctl audit checkpoint`: the newest signed checkpoint, verified against the log first, to be
 * kept somewhere the log's owner cannot rewrite (another repository, a ticket, a chat). Later,
 * `credctl audit verify --checkpoint FILE` proves the log still holds everything it covered.
 */
export async function auditCheckpoint(opts: { json?: boolean }): Promise<void> {
  const paths = projectPaths();
  const local = readLocalAudit(paths);
  const publicKey = parsePublicKey(local.publicKeyPem, local.pubSource);
  const result = verifyAudit({ logText: local.logText, checkpointsText: local.checkpointsText, publicKey });
  if (!result.ok) return report(result, `audit log ${paths.audit}`, opts.json);
  const latest = parseCheckpoints(local.checkpointsText)
    .checkpoints.filter((cp) => cp.size === result.latestCheckpoint?.size)
    .at(-1);
  if (!latest) throw inputError('the audit log has no checkpoint yet', 'Checkpoints are written when a command appends to the log (rotate, store put ...).');
  if (opts.json) return printJson({ size: latest.size, rootHash: latest.rootHash, logId: result.logId, note: noteText(latest) });
  io.out().write(noteText(latest));
  note(`checkpoint of ${latest.size} entries. Keep it where the log's owner cannot rewrite it; later: credctl audit verify --checkpoint FILE`);
}

export async function auditExport(opts: { out: string; json?: boolean }): Promise<void> {
  const paths = projectPaths();
  const bundle = exportBundle(paths, opts.out);
  const entries = bundle.log ? bundle.log.split('\n').filter(Boolean).length : 0;
  if (opts.json) return printJson({ out: opts.out, entries, format: bundle.format });
  printLine(`wrote ${opts.out}: ${entries} entries with checkpoints and the public key`);
  note(`check it anywhere with: credctl audit verify --bundle ${opts.out} --pubkey <published audit.pub>`);
}
