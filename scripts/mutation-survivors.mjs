#!/usr/bin/env node
// Writes test/mutation/SURVIVORS.md: every mutant of the listed modules that no test caught
// (survived, or reached by no test), with its place, its mutator, what it changed, and why it is
// left, read from the committed results files (test/mutation/<module>.json).
//
// Why a mutant is left comes from test/mutation/reasons/: all.yaml for rules that hold in every
// module, <module>.yaml (named like its results file) for one module. Three answers count:
//   equivalent  no behaviour can tell the mutant from the original (a status undici never returns)
//   redundant   another guard does the same job, so nothing observable changes (a value masked
//               by name is also cut by the long-token rule); the other guard's tests catch it there
//   wording     the text of a message or hint: tests check what a message names and the exit
//               code, not its words (issue 18 asks not to pin message strings)
// A survivor no reason covers is "unexplained": a gap a test should close. `npm run mutation`
// fails while a module it ran has one.
//
// A reason matches a survivor by its mutator and original text (exactly as the table shows it,
// or /a regex/), and optionally by what it was replaced with and by `near`: a piece of the text
// of the survivor's line, to tell apart alike mutants in one module.
//
// Run by scripts/mutation.mjs after every run; alone: `node scripts/mutation-survivors.mjs`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { MUTATED_MODULES, resultsFileFor } from '../stryker.config.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = 'test/mutation/SURVIVORS.md';
export const reasonsDir = 'test/mutation/reasons';
const KINDS = ['equivalent', 'redundant', 'wording'];

/** The text a mutant replaced (its first line, at most 70 characters), from the module's source as tested. */
function original(source, { start, end }) {
  const lines = source.split('\n');
  const text = start.line === end.line ? lines[start.line - 1].slice(start.column - 1, end.column - 1) : `${lines[start.line - 1].slice(start.column - 1)} …`;
  return oneLine(text);
}

function oneLine(text) {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 70 ? `${flat.slice(0, 69)}…` : flat;
}

/** Backticks would end the code span and a bar the table cell: a look-alike, and an escaped bar. */
const code = (text) => `\`${text.replaceAll('`', 'ˋ').replaceAll('|', '\\|')}\``;

/** The reasons of one file (all.yaml, or a module's), checked: a bad entry stops the report. */
export function readReasons(path) {
  if (!existsSync(path)) return [];
  const entries = parse(readFileSync(path, 'utf8')) ?? [];
  if (!Array.isArray(entries)) throw new Error(`${path}: expected a list of reasons`);
  return entries.map((e, i) => {
    const where = `${path} entry ${i + 1}`;
    if (!e || typeof e.mutator !== 'string' || typeof e.original !== 'string') throw new Error(`${where}: needs mutator and original`);
    if (!KINDS.includes(e.kind)) throw new Error(`${where}: kind must be one of ${KINDS.join(', ')}`);
    if (typeof e.why !== 'string' || !e.why.trim()) throw new Error(`${where}: needs a why`);
    return { ...e, where, used: 0 };
  });
}

/** An exact text, or a /regex/ (written so in the YAML). */
function matches(pattern, text) {
  if (pattern === undefined) return true;
  const re = /^\/(.*)\/([a-z]*)$/s.exec(pattern);
  return re ? new RegExp(re[1], re[2]).test(text) : pattern === text;
}

/** The reason that explains a survivor, if any; marks it used. */
export function reasonFor(reasons, survivor) {
  const found = reasons.find(
    (r) =>
      r.mutator === survivor.mutator &&
      matches(r.original, survivor.original) &&
      matches(r.replaced, survivor.replaced) &&
      (r.near === undefined || survivor.line.includes(r.near)),
  );
  if (found) found.used++;
  return found;
}

/** The reasons file of a module (named like its results file), which may not exist yet. */
export function reasonsFileFor(file) {
  return join(reasonsDir, basename(resultsFileFor(file)).replace(/\.json$/, '.yaml'));
}

/** Every survivor of every measured module, each with its reason (or none). */
export function survivors() {
  const general = readReasons(join(root, reasonsDir, 'all.yaml'));
  const modules = [];
  const unused = [];
  for (const { file } of MUTATED_MODULES) {
    const results = join(root, resultsFileFor(file));
    const own = readReasons(join(root, reasonsFileFor(file)));
    if (!existsSync(results)) {
      modules.push({ file, measured: false, left: [] });
      continue;
    }
    const entry = JSON.parse(readFileSync(results, 'utf8')).files?.[file];
    if (!entry) continue;
    const lines = entry.source.split('\n');
    const left = entry.mutants
      .filter((m) => m.status === 'Survived' || m.status === 'NoCoverage')
      .sort((a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column)
      .map((m) => {
        const s = {
          at: `${m.location.start.line}:${m.location.start.column}`,
          mutator: m.mutatorName,
          original: original(entry.source, m.location),
          replaced: oneLine(m.replacement ?? ''),
          line: lines[m.location.start.line - 1],
          status: m.status === 'NoCoverage' ? 'no test reaches it' : 'survived',
        };
        // A module's own reasons first: they may say more than a general rule.
        return { ...s, reason: reasonFor(own, s) ?? reasonFor(general, s) };
      });
    modules.push({ file, measured: true, left });
    unused.push(...own.filter((r) => !r.used));
  }
  return { modules, unused };
}

export function survivorsReport({ modules } = survivors()) {
  const all = modules.flatMap((m) => m.left);
  const count = (kind) => all.filter((s) => s.reason?.kind === kind).length;
  const unexplained = all.filter((s) => !s.reason).length;
  const sections = modules.map(({ file, measured, left }) => {
    if (!measured) return `## ${file}\n\nNot measured yet (no ${resultsFileFor(file)}).\n`;
    if (!left.length) return `## ${file}\n\nNone.\n`;
    const rows = left.map(
      (s) =>
        `| ${s.at} | ${s.mutator} | ${code(s.original)} | ${code(s.replaced)} | ${s.status} | ${s.reason ? `${s.reason.kind}: ${s.reason.why.trim().replace(/\s+/g, ' ').replaceAll('|', '\\|')}` : '**unexplained**'} |`,
    );
    return `## ${file}\n\n| line:col | mutator | original | replaced by | status | why it is left |\n|---|---|---|---|---|---|\n${rows.join('\n')}\n`;
  });
  return `# Mutants no test catches

Written by \`scripts/mutation-survivors.mjs\` from the results in this folder (the last
\`npm run mutation\` of each module) and the reasons in \`reasons/\`; do not edit by hand.
${all.length} in all: ${count('equivalent')} equivalent (no behaviour can tell them apart),
${count('redundant')} redundant (another guard does the same job), ${count('wording')} wording
of a message or hint, ${unexplained} unexplained. Mutants marked equivalent in the source
(\`// Stryker disable next-line ...: <why>\`) are not run and not listed.

${sections.join('\n')}`;
}

/** Writes the report; returns its path, the unexplained survivors by module, and reasons that matched nothing. */
export function writeSurvivorsReport() {
  const found = survivors();
  writeFileSync(join(root, out), survivorsReport(found));
  const unexplained = Object.fromEntries(found.modules.map((m) => [m.file, m.left.filter((s) => !s.reason).length]).filter(([, n]) => n));
  return { path: out, unexplained, unused: found.unused.map((r) => `${r.where} (${r.mutator} ${r.original})`) };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { path, unexplained, unused } = writeSurvivorsReport();
  console.log(`wrote ${path}`);
  for (const [file, n] of Object.entries(unexplained)) console.log(`${file}: ${n} unexplained`);
  for (const u of unused) console.log(`matches no survivor: ${u}`);
}
