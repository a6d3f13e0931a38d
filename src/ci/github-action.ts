import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gitSync } from '../core/git.js';

/**
 * The GitHub Action's scan step (action.yml runs this file with node). It works out what to scan
 * from the workflow's event, runs the credctl CLI like a person would, and leaves behind what
 * GitHub shows: a SARIF file for code scanning, a job summary, one annotation per finding, and
 * step outputs. On a pull request it adds the blast radius of the credentials the pull request
 * adds. Everything it prints comes from credctl's own output, so values appear only redacted.
 *
 *   scan: changes  the commits of the push or pull request (`credctl scan --range BASE..HEAD`);
 *                  when those commits are not in the checkout (actions/checkout fetches one
 *                  commit unless `fetch-depth: 0`), the whole tree instead, with a notice
 *   scan: tree     every file in the checkout
 *   scan: history  every commit on every branch
 */
export interface ActionEnv {
  [name: string]: string | undefined;
}

interface Target {
  mode: 'range' | 'tree' | 'history';
  range?: string;
  /** Why the requested scan could not be done, for a notice. */
  fallback?: string;
  pullRequest: boolean;
}

interface SarifFinding {
  ruleId: string;
  message: string;
  file: string;
  line: number;
  redacted?: string;
  fingerprint?: string;
  commit?: string;
}

const BIN = fileURLToPath(new URL('../../bin/credctl', import.meta.url));
const ZERO_SHA = /^0+$/;
const SHA = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

export function runAction(env: ActionEnv = process.env): number {
  const input = (name: string, fallback: string) => (env[`INPUT_${name}`] ?? '').trim() || fallback;
  const scan = input('SCAN', 'changes');
  if (!['changes', 'tree', 'history'].includes(scan)) return fail(env, 'the scan input must be changes, tree or history');
  const workspace = resolve(env.GITHUB_WORKSPACE ?? process.cwd(), input('PATH', '.'));
  const sarifFile = resolve(process.cwd(), input('SARIF_FILE', 'credctl.sarif'));
  const blast = input('BLAST_RADIUS', 'true') === 'true';

  const target = whatToScan(scan, env, workspace);
  if (target.fallback) process.stdout.write(`::notice title=credctl::${command(target.fallback)}\n`);
  const args = target.mode === 'range' ? ['scan', '--range', target.range!] : target.mode === 'history' ? ['scan', '--history'] : ['scan', '--no-graph'];
  const result = credctl([...args, '--format', 'sarif'], workspace, env);
  if (result.status !== 0 && result.status !== 1) {
    return fail(env, `credctl scan failed (exit ${result.status}): ${firstLine(result.stderr)}`);
  }
  mkdirSync(dirname(sarifFile), { recursive: true });
  writeFileSync(sarifFile, result.stdout);
  const findings = sarifFindings(result.stdout);

  for (const f of findings) {
    process.stdout.write(`::error file=${property(f.file)},line=${f.line},title=${property(`credctl: ${f.ruleId}`)}::${command(f.message)}\n`);
  }
  let summary = jobSummary(findings, target, env);
  if (target.pullRequest && findings.length && blast) summary += blastRadiusSection(sarifFile, workspace, env, target);
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, summary);
  output(env, {
    findings: String(findings.length),
    'sarif-file': relative(process.cwd(), sarifFile) || sarifFile,
    scanned: target.mode === 'range' ? target.range! : target.mode,
  });
  return 0;
}

/** What the event asks to scan, and whether the checkout holds it. */
export function whatToScan(scan: string, env: ActionEnv, workspace: string): Target {
  const event = readEvent(env.GITHUB_EVENT_PATH);
  const name = env.GITHUB_EVENT_NAME ?? '';
  const pullRequest = name === 'pull_request' || name === 'pull_request_target';
  if (scan === 'tree') return { mode: 'tree', pullRequest };
  if (scan === 'history') return { mode: 'history', pullRequest };
  let base: unknown;
  let head: unknown;
  if (pullRequest) {
    const pr = (event?.pull_request ?? {}) as { base?: { sha?: unknown }; head?: { sha?: unknown } };
    base = pr.base?.sha;
    head = pr.head?.sha;
  } else if (name === 'push') {
    base = event?.before;
    head = event?.after;
  } else {
    return { mode: 'tree', pullRequest, fallback: `a ${name || 'workflow'} event has no commit range: scanned the whole tree` };
  }
  if (typeof base !== 'string' || typeof head !== 'string' || !SHA.test(base) || !SHA.test(head)) {
    return { mode: 'tree', pullRequest, fallback: 'the event names no commit range: scanned the whole tree' };
  }
  if (ZERO_SHA.test(base)) return { mode: 'tree', pullRequest, fallback: 'a new branch has no previous commit to compare with: scanned the whole tree' };
  for (const sha of [base, head]) {
    if (!hasCommit(workspace, sha)) {
      return {
        mode: 'tree',
        pullRequest,
        fallback: `commit ${sha.slice(0, 12)} is not in the checkout (use actions/checkout with fetch-depth: 0 to scan only the new commits): scanned the whole tree`,
      };
    }
  }
  return { mode: 'range', range: `${base}..${head}`, pullRequest };
}

function readEvent(path: string | undefined): Record<string, unknown> | undefined {
  if (!path) return undefined;
  try {
    const doc = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function hasCommit(cwd: string, sha: string): boolean {
  try {
    gitSync(cwd, ['cat-file', '-e', `${sha}^{commit}`]);
    return true;
  } catch {
    return false;
  }
}

function credctl(args: string[], cwd: string, env: ActionEnv): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, env: { ...env, NO_COLOR: '1' } as NodeJS.ProcessEnv, encoding: 'utf8', maxBuffer: 256 << 20 });
  // credctl's messages (counts, what was skipped) belong in the log; they never hold a value.
  if (r.stderr) process.stderr.write(r.stderr);
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

interface SarifResult {
  ruleId?: string;
  message?: { text?: string };
  locations?: { physicalLocation?: { artifactLocation?: { uri?: string }; region?: { startLine?: number } } }[];
  properties?: { redacted?: string; fingerprint?: string; commit?: string };
}

export function sarifFindings(text: string): SarifFinding[] {
  const doc = JSON.parse(text) as { runs?: { results?: SarifResult[] }[] };
  return (doc.runs ?? []).flatMap((run) =>
    (run.results ?? []).map((r) => {
      const loc = r.locations?.[0]?.physicalLocation;
      return {
        ruleId: String(r.ruleId ?? 'credential'),
        message: String(r.message?.text ?? ''),
        file: decodeURIComponent(String(loc?.artifactLocation?.uri ?? '?')),
        line: Number(loc?.region?.startLine ?? 1),
        redacted: r.properties?.redacted,
        fingerprint: r.properties?.fingerprint,
        commit: r.properties?.commit,
      };
    }),
  );
}

function jobSummary(findings: SarifFinding[], target: Target, env: ActionEnv): string {
  const what =
    target.mode === 'range'
      ? target.pullRequest
        ? 'what this pull request adds'
        : 'what this push adds'
      : target.mode === 'history'
        ? 'the whole history'
        : 'the checked-out tree';
  const lines = [
    `## credctl: ${findings.length === 0 ? 'no credentials found' : `${findings.length} credential${findings.length === 1 ? '' : 's'} found`} in ${what}`,
    '',
  ];
  if (target.mode === 'range') lines.push(`Scanned the commits \`${target.range}\`.`, '');
  if (target.fallback) lines.push(`> ${markdown(target.fallback)}`, '');
  if (findings.length) {
    lines.push('| where | what | fingerprint | commit |', '| --- | --- | --- | --- |');
    for (const f of findings) {
      lines.push(
        `| ${code(`${f.file}:${f.line}`)} | ${markdown(f.message.split(' (fp_')[0]!)} | ${f.fingerprint ? code(f.fingerprint.slice(0, 15)) : ''} | ${f.commit ? code(f.commit.slice(0, 10)) : ''} |`,
      );
    }
    lines.push(
      '',
      '**What to do:** rotate each credential first (it is exposed to everyone who can read the repository or this pull request), then remove it and read it from the environment or a secret store. A deliberate fake: add a comment containing `credctl:allow` on its line, or accept it with `credctl scan --update-baseline`.',
    );
  }
  if (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY)
    lines.push('', `Code scanning alerts: ${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/security/code-scanning?query=tool%3Acredctl`);
  return lines.join('\n') + '\n\n';
}

/** `credctl blast-radius --from-report` on the pull request's findings, as a Markdown section. */
function blastRadiusSection(sarifFile: string, workspace: string, env: ActionEnv, target: Target): string {
  const r = credctl(['blast-radius', '--from-report', sarifFile, '--format', 'md', '--no-probe'], workspace, env);
  const heading = `### Blast radius of the credentials ${target.mode === 'range' ? 'this pull request adds' : "in this pull request's tree"}\n\n`;
  // The report's own headings go below this section's.
  if (r.status === 0 || r.status === 1) return heading + r.stdout.trim().replace(/^(#{1,3}) /gm, '$1### ') + '\n\n';
  return heading + `> The blast radius could not be computed: ${markdown(firstLine(r.stderr))}\n\n`;
}

function output(env: ActionEnv, values: Record<string, string>): void {
  if (!env.GITHUB_OUTPUT) return;
  appendFileSync(
    env.GITHUB_OUTPUT,
    Object.entries(values)
      .map(([k, v]) => `${k}=${v.replace(/[\r\n]/g, ' ')}\n`)
      .join(''),
  );
}

function fail(env: ActionEnv, message: string): number {
  process.stdout.write(`::error title=credctl::${command(message)}\n`);
  output(env, { findings: '', 'sarif-file': '', scanned: '' });
  return 2;
}

const firstLine = (s: string) => s.trim().split('\n')[0] ?? '';
// Workflow command encoding (https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions).
const command = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const property = (s: string) => command(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
const markdown = (s: string) => s.replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`);
const code = (s: string) => `<code>${s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '&#124;')}</code>`;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = runAction();
}
