import type { ChalkInstance } from 'chalk';
import { shortFingerprint } from '../core/fingerprint.js';
import { jsonDocument } from '../core/output.js';
import { VERSION } from '../core/version.js';
import type { Finding } from './finding.js';
import { toJunit } from './format-junit.js';
import type { ScanResult, ScanStats } from './types.js';
import { escapeControl, mapStrings } from '../core/text.js';

/**
 * Every way scan results are printed. Each takes Findings (which hold no values) and returns
 * text, so nothing here can leak a secret by construction.
 */
export const FORMATS = ['table', 'json', 'jsonl', 'sarif', 'junit'] as const;
export type Format = (typeof FORMATS)[number];

/** What SARIF and the table know about a rule beyond its id. */
export interface RuleInfo {
  name: string;
  provider: string;
  kind: string;
}

export interface FormatOptions {
  /** Chalk for the table (plain when piped or NO_COLOR). */
  chalk?: ChalkInstance;
  rules?: Map<string, RuleInfo>;
}

export function formatResult(result: ScanResult, format: Format, options: FormatOptions = {}): string {
  switch (format) {
    case 'json':
      return jsonDocument({ findings: result.findings, stats: result.stats });
    case 'jsonl':
      return result.findings.map((f) => JSON.stringify(f) + '\n').join('');
    case 'sarif':
      return JSON.stringify(toSarif(result.findings, options.rules), null, 2) + '\n';
    case 'junit':
      return toJunit(result, options.rules);
    case 'table':
      // File names come from the repository: no control character reaches the terminal.
      return formatTable(mapStrings(result.findings, escapeControl), options.chalk);
  }
}

function formatTable(findings: Finding[], chalk?: ChalkInstance): string {
  if (findings.length === 0) return '';
  const history = findings.some((f) => f.commit);
  const git = findings.some((f) => f.git);
  const header = [
    'LOCATION',
    'RULE',
    'VALUE',
    'ENV',
    'FINGERPRINT',
    ...(git ? ['GIT'] : []),
    ...(history ? ['FIRST COMMIT', 'DATE', 'AUTHOR', 'COMMITS', 'STATUS'] : []),
  ];
  const rows = findings.map((f) => [
    `${f.file}:${f.line}:${f.column}`,
    f.severity === 'info' ? `${f.ruleId} (info)` : f.ruleId,
    f.redacted,
    f.environment ?? '',
    shortFingerprint(f.fingerprint),
    ...(git ? [GIT_WORDS[f.git ?? ''] ?? ''] : []),
    ...(history ? [f.commit?.slice(0, 10) ?? '', f.date?.slice(0, 10) ?? '', f.author ?? '', String(f.commits ?? ''), f.status ?? ''] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const pad = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const c = chalk;
  const lines = [c ? c.bold(pad(header)) : pad(header)];
  for (const [i, r] of rows.entries()) {
    const f = findings[i]!;
    let line = pad(r);
    if (c) {
      // Colour whole cells after padding so alignment is computed on plain text.
      const cells = r.map((cell, j) => (j === r.length - 1 ? cell : cell.padEnd(widths[j]!)));
      cells[0] = c.cyan(cells[0]!);
      cells[2] = f.severity === 'info' ? c.dim(cells[2]!) : f.confidence === 'high' ? c.red(cells[2]!) : c.yellow(cells[2]!);
      if (history) cells[cells.length - 1] = f.status === 'present' ? c.red(cells[cells.length - 1]!) : c.dim(cells[cells.length - 1]!);
      line = cells.join('  ').trimEnd();
    }
    lines.push(line);
  }
  return lines.join('\n') + '\n';
}

/** How the table says where a file stands with git. */
export const GIT_WORDS: Record<string, string> = { committed: 'committed', untracked: 'untracked', ignored: 'ignored (local only)' };

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/** One line for stderr: what was found, what was looked at, what was skipped and why. */
export function summarize(stats: ScanStats, findings: Finding[]): string {
  const files = new Set(findings.filter((f) => f.severity !== 'info').map((f) => f.file)).size;
  let found = stats.findings === 0 ? 'no credentials found' : `${plural(stats.findings, 'finding')} in ${plural(files, 'file')}`;
  if (stats.informational) found += ` (and ${stats.informational} public by design, shown as info)`;
  const what =
    stats.commitsScanned !== undefined
      ? `${plural(stats.commitsScanned, 'commit')}, ${formatBytes(stats.bytesScanned)} added`
      : `${plural(stats.filesScanned, 'file')} (${formatBytes(stats.bytesScanned)})`;
  const parts = [`${found}; scanned ${what} in ${(stats.durationMs / 1000).toFixed(2)} s`];
  const skipped = (Object.entries(stats.skipped) as [string, number][]).filter(([, n]) => n > 0).map(([why, n]) => `${n} ${SKIP_WORDS[why] ?? why}`);
  if (skipped.length) parts.push(`skipped ${skipped.join(', ')}`);
  const sup = [
    stats.suppressed.allowComment ? `${stats.suppressed.allowComment} by credctl:allow` : '',
    stats.suppressed.baseline ? `${stats.suppressed.baseline} by baseline` : '',
  ].filter(Boolean);
  if (sup.length) parts.push(`suppressed ${sup.join(', ')}`);
  return parts.join('; ');
}

const SKIP_WORDS: Record<string, string> = { binary: 'binary', tooLarge: 'over the size limit', unreadable: 'unreadable', ignored: 'by .credctlignore' };

/**
 * SARIF 2.1.0 as GitHub code scanning reads it: tool.driver with name and rules, results with
 * ruleId, message.text, a physical location (repository-relative uri + startLine) and
 * partialFingerprints. The partial fingerprint is the credential's own fingerprint, so an alert
 * follows the value when its line moves instead of closing and reopening.
 */
export function toSarif(findings: Finding[], rules?: Map<string, RuleInfo>): object {
  const ruleIds = [...new Set(findings.map((f) => f.ruleId))].sort();
  const index = new Map(ruleIds.map((id, i) => [id, i]));
  const sarifRules = ruleIds.map((id) => {
    const info = rules?.get(id);
    const name = info?.name ?? id;
    return {
      id,
      name: camel(id),
      shortDescription: { text: `${name} committed to the repository` },
      fullDescription: {
        text: `A ${name}${info ? ` (${info.provider}, ${info.kind})` : ''} appears in plain text. Anyone who can read the repository or its history can use it.`,
      },
      help: {
        text: 'Rotate the credential (credctl plan / credctl apply), then remove it from the code and read it from the environment or a secret store. If it is a deliberate fake, mark the line with a `credctl:allow` comment or accept it in a baseline.',
      },
      defaultConfiguration: { level: 'error' },
      properties: { tags: ['security', 'secret', info?.provider ?? 'credential'], precision: 'high', 'security-severity': '9.0' },
    };
  });
  const results = findings.map((f) => {
    const region: Record<string, number> = { startLine: f.line, startColumn: f.column };
    const result: Record<string, unknown> = {
      ruleId: f.ruleId,
      ruleIndex: index.get(f.ruleId),
      // A public-by-design value is a note; a secret is an error (a warning at low confidence).
      level: f.severity === 'info' ? 'note' : f.confidence === 'low' ? 'warning' : 'error',
      message: {
        text: `${rules?.get(f.ruleId)?.name ?? f.ruleId} ${f.redacted} (${shortFingerprint(f.fingerprint)})${f.commit ? ` first added in commit ${f.commit.slice(0, 12)}, now ${f.status}` : ''}`,
      },
      locations: [{ physicalLocation: { artifactLocation: artifactLocation(f.file), region } }],
      partialFingerprints: { 'credctl/v1': `${f.ruleId}:${f.fingerprint}` },
      properties: {
        provider: f.provider,
        kind: f.kind,
        fingerprint: f.fingerprint,
        redacted: f.redacted,
        confidence: f.confidence,
        ...(f.severity ? { severity: f.severity } : {}),
        ...(f.encoding ? { encoding: f.encoding } : {}),
        ...(f.environment ? { environment: f.environment } : {}),
        ...(f.pairedWith ? { pairedWith: f.pairedWith } : {}),
        ...(f.git ? { git: f.git } : {}),
        ...(f.commit ? { commit: f.commit, author: f.author, date: f.date, commits: f.commits, status: f.status } : {}),
      },
    };
    return result;
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'credctl', version: VERSION, semanticVersion: VERSION, rules: sarifRules } },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
}

function camel(id: string): string {
  return id.replace(/(^|-)([a-z0-9])/g, (_, __, ch: string) => ch.toUpperCase());
}

/**
 * Relative paths become URI references against the checkout root (%SRCROOT%), percent-encoded
 * per segment; files outside the scanned tree keep an absolute file: URI.
 */
function artifactLocation(file: string): { uri: string; uriBaseId?: string } {
  const encoded = file.split('/').map(encodeURIComponent).join('/');
  if (file.startsWith('/')) return { uri: `file://${encoded}` };
  return { uri: encoded, uriBaseId: '%SRCROOT%' };
}
