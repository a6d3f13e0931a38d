import { gitSync } from '../core/git.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ignore from 'ignore';
import { readEntries } from '../audit/show.js';
import type { Graph } from '../graph/types.js';

/**
 * Facts about credentials that inventory and status need, from sources credctl already has:
 * the audit log (when credctl last rotated it), git blame (when its value was last written),
 * CODEOWNERS (who owns the file it sits in), and the value itself (a JWT's `exp`).
 */

/** When credctl last created this credential (it is the replacement in a rotation), ISO time. */
export function rotatedAt(auditFile: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(auditFile)) return out;
  let entries;
  try {
    entries = readEntries(auditFile);
  } catch {
    return out;
  }
  for (const e of entries) {
    const fp = e.details?.newFingerprint;
    // Whichever way the replacement came (the provider's API, pasted at a manual step, generated).
    if (/^rotate\.(?:create|manual-create|generate)$/.test(e.action) && e.outcome === 'ok' && typeof fp === 'string') out.set(fp, e.time);
  }
  return out;
}

/** When the line holding the credential was last written: git blame, else the file's mtime. */
export function valueWrittenAt(root: string, file: string, line: number): { at: string; source: 'git' | 'mtime' } | undefined {
  try {
    // HEAD, not the work tree: annotating the work tree would run the repository's clean filters.
    const out = gitSync(root, ['blame', '--porcelain', '--no-textconv', '-L', `${line},${line}`, 'HEAD', '--', file]).toString('utf8');
    const t = /^author-time (\d+)$/m.exec(out)?.[1];
    const uncommitted = /^author Not Committed Yet$/m.test(out);
    if (t && !uncommitted) return { at: new Date(Number(t) * 1000).toISOString(), source: 'git' };
  } catch {
    /* not tracked or not a repo */
  }
  try {
    return { at: statSync(join(root, file)).mtime.toISOString(), source: 'mtime' };
  } catch {
    return undefined;
  }
}

/** The first place of each credential in the graph: file and line. */
export function firstPlace(graph: Graph, id: string): { file: string; line: number } | undefined {
  const e = graph.edges.find((x) => x.type === 'appears-in' && x.from === id);
  return e ? { file: e.to.replace(/^file:/, ''), line: e.line ?? 1 } : undefined;
}

/** CODEOWNERS: the last matching pattern wins, as on GitHub. */
export function codeOwners(root: string): (file: string) => string | undefined {
  const path = ['CODEOWNERS', '.github/CODEOWNERS', 'docs/CODEOWNERS'].map((p) => join(root, p)).find((p) => existsSync(p));
  if (!path) return () => undefined;
  const rules: { match: ReturnType<typeof ignore>; owners: string }[] = [];
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const [pattern, ...owners] = line.split(/\s+/);
    if (!owners.length) continue;
    rules.push({ match: ignore().add(pattern!), owners: owners.join(' ') });
  }
  return (file) => {
    let owner: string | undefined;
    for (const r of rules) if (r.match.ignores(file)) owner = r.owners;
    return owner;
  };
}

/** A JWT's `exp` (seconds since epoch), read without verifying: we only want the date. */
export function jwtExpiry(value: string): number | undefined {
  const parts = value.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp : undefined;
  } catch {
    return undefined;
  }
}
