#!/usr/bin/env node
// Writes test/mutation/SURVIVORS.md: every mutant of the listed modules that no test caught
// (survived, or reached by no test), with its place, its mutator and what it changed, read from
// the committed results files (test/mutation/<module>.json). A survivor that is not equivalent is
// a known gap, listed so it is not mistaken for covered; an equivalent one is marked in the source
// instead (`// Stryker disable next-line ...: <why>`) and is not listed here.
//
// Run by scripts/mutation.mjs after every run; alone: `node scripts/mutation-survivors.mjs`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MUTATED_MODULES, resultsFileFor } from '../stryker.config.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = 'test/mutation/SURVIVORS.md';

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

export function survivorsReport() {
  const sections = [];
  let total = 0;
  for (const { file } of MUTATED_MODULES) {
    const results = join(root, resultsFileFor(file));
    if (!existsSync(results)) {
      sections.push(`## ${file}\n\nNot measured yet (no ${resultsFileFor(file)}).\n`);
      continue;
    }
    const entry = JSON.parse(readFileSync(results, 'utf8')).files?.[file];
    if (!entry) continue;
    const left = entry.mutants
      .filter((m) => m.status === 'Survived' || m.status === 'NoCoverage')
      .sort((a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column);
    total += left.length;
    if (!left.length) {
      sections.push(`## ${file}\n\nNone.\n`);
      continue;
    }
    const rows = left.map(
      (m) =>
        `| ${m.location.start.line}:${m.location.start.column} | ${m.mutatorName} | ${code(original(entry.source, m.location))} | ${code(oneLine(m.replacement ?? ''))} | ${m.status === 'NoCoverage' ? 'no test reaches it' : 'survived'} |`,
    );
    sections.push(`## ${file}\n\n| line:col | mutator | original | replaced by | status |\n|---|---|---|---|---|\n${rows.join('\n')}\n`);
  }
  return `# Mutants no test catches

Written by \`scripts/mutation-survivors.mjs\` from the results in this folder (the last
\`npm run mutation\` of each module); do not edit by hand. ${total} in all. Equivalent mutants
(no behaviour can tell them apart) are not here: they are marked in the source with the reason.
What is left are known gaps, mostly messages and hints no test reads; the README (Mutation
testing) says which kinds.

${sections.join('\n')}`;
}

export function writeSurvivorsReport() {
  writeFileSync(join(root, out), survivorsReport());
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) console.log(`wrote ${writeSurvivorsReport()}`);
