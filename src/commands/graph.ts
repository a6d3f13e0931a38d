/** Printing and argument helpers for `credctl graph` and `credctl where`. */
import { resolve } from 'node:path';
import { inputError } from '../core/errors.js';
import { paint, printLine } from '../core/output.js';
import { requireProjectRoot } from '../core/project-root.js';
import { isDirectory } from '../scan/files.js';
import type { WhereResult, WhereTarget } from '../graph/query.js';
import { escapeControl, mapStrings } from '../core/text.js';

export function resolveRoot(dir: string | undefined, flag = 'DIR'): string {
  if (dir === undefined) return requireProjectRoot(undefined, flag);
  const abs = resolve(dir);
  if (!isDirectory(abs)) throw inputError(`${dir} is not a directory`);
  return abs;
}

/** A tree: names, credentials with their places, consumers with the lines they use it at, targets. */
export function printWhereTree(raw: WhereResult): void {
  const r = mapStrings(raw, escapeControl);
  const p = paint();
  const short = (id: string) => id.slice(0, 15);
  printLine(p.bold(r.query) + p.dim(`  (${r.matched}${r.matched !== 'name' && r.names.length ? `: ${r.names.join(', ')}` : ''})`));
  const sections: [string, string[][]][] = [];
  sections.push([
    'credentials',
    r.credentials.map((c) => [
      `${short(c.id)} ${c.redacted}  ${c.provider}/${c.kind}${c.environment ? ` (${c.environment})` : ''}  ${c.names.join(', ')}`,
      ...r.places.filter((pl) => pl.credential === c.id).map((pl) => `${pl.file}:${pl.line}`),
    ]),
  ]);
  sections.push([
    'consumers',
    r.consumers.map((c) => [
      `${c.label}  ${p.dim(`[${c.kind}] ${c.file}:${c.line}`)}${c.attrs?.environment ? `  environment ${c.attrs.environment}` : ''}${Array.isArray(c.attrs?.deploysTo) ? `  deploys to ${(c.attrs!.deploysTo as string[]).join(', ')}` : ''}`,
      ...c.uses.map((u) => `${u.name}${u.as ? ` as ${u.as}` : ''} at ${u.file}:${u.line}${u.via ? p.dim(` from ${u.via.replace(/^target:/, '')}`) : ''}`),
    ]),
  ]);
  const tgt = (t: WhereTarget) => [`${t.label}${t.inferred ? p.dim(' (inferred)') : ''}`, ...t.credentials.map(short)];
  sections.push(['targets', r.targets.map(tgt)]);
  if (r.guards.length) sections.push(['guards (needed to write)', r.guards.map(tgt)]);
  sections.forEach(([title, items], si) => {
    const last = si === sections.length - 1;
    printLine(`${last ? '└─' : '├─'} ${title} (${items.length})`);
    const pad = last ? '   ' : '│  ';
    items.forEach(([head, ...children], i) => {
      const lastItem = i === items.length - 1;
      printLine(`${pad}${lastItem ? '└─' : '├─'} ${head}`);
      children.forEach((ch, j) => printLine(`${pad}${lastItem ? '   ' : '│  '}${j === children.length - 1 ? '└─' : '├─'} ${ch}`));
    });
  });
}
