import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { runInNewContext } from 'node:vm';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { inputError, parserMessage } from '../core/errors.js';
import { compileRule, parseAllowlist, type Allowlist, type RawRule, type Rule } from '../providers/rules.js';

// Loaded on first use: a project without custom rules never pays for the parser or the checker.
const yaml = (): typeof import('yaml') => createRequire(import.meta.url)('yaml') as typeof import('yaml');
const require = createRequire(import.meta.url);

/**
 * A project's own detection rules and allowlist: credctl.yaml's `detection:` section, inline or
 * in a rules file it names, in the same schema as providers/<id>/rules.yaml.
 *
 *   detection:
 *     rules: security/credctl-rules.yaml     # a file: provider: <id>, rules: [...], allowlist: {...}
 *     # or inline:  provider: acme
 *     #             rules: [ { id: acme-internal-token, ... } ]
 *     allowlist: { paths: ['^test/fixtures/'], values: ['^acme_test_'] }
 *
 * These regexes come from a repository, so they are hostile input until checked: each rule needs
 * keywords (so it runs only near them), a bounded regex with no backreferences, which the scslre
 * analyser (a ReDoS checker for JavaScript regexes) finds no super-linear backtracking in, and
 * which then runs over adversarial text within a time budget. A rule that fails any check is an
 * error that names it, never a silently slow scan.
 */
export interface ProjectDetection {
  /** Where the rules came from, for messages (credctl.yaml or the rules file, relative to the root). */
  where: string;
  provider: string;
  /** Raw rule documents (plain data: they travel to the scan threads and are compiled there). */
  rules: RawRule[];
  allowlist?: { values?: string[]; paths?: string[] };
}

const MAX_REGEX = 1000;
const MAX_RULES = 200;
const MAX_FILE_BYTES = 512 * 1024;
const PROBE_BUDGET_MS = 150;

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * credctl.yaml's detection section for the project at `root`, or undefined when there is none. A
 * quick look at the text first: the YAML parser is loaded only for a file that mentions detection.
 */
export function loadProjectDetection(root: string): ProjectDetection | undefined {
  const config = join(root, 'credctl.yaml');
  if (!existsSync(config)) return undefined;
  const text = readBounded(config, 'credctl.yaml');
  if (!/^detection[ \t]*:/m.test(text)) return undefined;
  const doc = parseYaml(text, 'credctl.yaml');
  const section = isMap(doc) ? doc.detection : undefined;
  if (section === undefined || section === null) return undefined;
  if (!isMap(section)) throw inputError('credctl.yaml: detection must be a mapping (rules, provider, allowlist)');
  for (const k of Object.keys(section)) {
    if (!['rules', 'provider', 'allowlist'].includes(k)) throw inputError(`credctl.yaml: detection.${k} is not a setting (use rules, provider, allowlist)`);
  }
  const allowlist = section.allowlist === undefined ? undefined : plainAllowlist(section.allowlist, 'credctl.yaml: detection.allowlist');
  if (typeof section.rules === 'string') {
    const file = rulesFilePath(root, section.rules);
    const fromFile = readRulesFile(file, relative(root, file).split(sep).join('/'));
    return { ...fromFile, allowlist: mergeAllow(allowlist, fromFile.allowlist) };
  }
  const provider = section.provider === undefined ? 'custom' : providerId(section.provider, 'credctl.yaml: detection.provider');
  return { where: 'credctl.yaml', provider, rules: section.rules === undefined ? [] : ruleList(section.rules, 'credctl.yaml: detection.rules'), allowlist };
}

/** A rules file in the providers/<id>/rules.yaml schema (provider, rules, optional allowlist). */
export function readRulesFile(file: string, shown: string): ProjectDetection {
  const doc = parseYaml(readBounded(file, shown), shown);
  if (!isMap(doc)) throw inputError(`${shown}: expected a mapping with provider and rules`);
  for (const k of Object.keys(doc))
    if (!['provider', 'rules', 'allowlist'].includes(k)) throw inputError(`${shown}: ${k} is not a field of a rules file (provider, rules, allowlist)`);
  const provider = providerId(doc.provider, `${shown}: provider`);
  const allowlist = doc.allowlist === undefined ? undefined : plainAllowlist(doc.allowlist, `${shown}: allowlist`);
  return { where: shown, provider, rules: ruleList(doc.rules, shown), ...(allowlist ? { allowlist } : {}) };
}

/** Compile and check a project's rules: the rules (each held to the safety checks) and the allowlist. */
export function compileProjectDetection(
  det: ProjectDetection,
  shippedIds: Set<string> = new Set(),
  alreadyChecked = false,
): { rules: Rule[]; allowlist?: Allowlist } {
  const rules: Rule[] = [];
  const seen = new Set<string>();
  for (const raw of det.rules) {
    const rule = compileRule(det.provider, raw, det.where);
    const at = `${det.where}: rule ${rule.id}`;
    if (seen.has(rule.id) || shippedIds.has(rule.id))
      throw inputError(`${at}: the id is already taken`, 'Give each of your rules its own id (prefix them with your provider name).');
    seen.add(rule.id);
    if (!alreadyChecked) checkSafe(rule, raw, at);
    rules.push(rule);
  }
  const allowlist = det.allowlist ? parseAllowlist(det.allowlist, `${det.where}: allowlist`) : undefined;
  if (allowlist && !alreadyChecked) for (const re of [...allowlist.values, ...allowlist.paths]) checkPattern(re, `${det.where}: allowlist`);
  return { rules, ...(allowlist ? { allowlist } : {}) };
}

/** The checks a repository's rule must pass before it runs on anyone's files. */
function checkSafe(rule: Rule, raw: RawRule, at: string): void {
  if (rule.keywords.length === 0 || rule.keywords.some((k) => k.length < 3)) {
    throw inputError(`${at}: needs keywords of at least 3 characters`, 'Keywords are the prefilter: a custom rule runs only where one occurs.');
  }
  if (raw.anchor !== undefined) throw inputError(`${at}: anchor is for credctl's own rules`);
  checkPattern(rule.regex, at);
  // Every other pattern a rule carries runs too (on paths and values): held to the same checks.
  const others = [
    ...(rule.paths ?? []),
    ...(rule.skipPaths ?? []),
    ...rule.environment.map((e) => e.match),
    ...(rule.allowlist?.values ?? []),
    ...(rule.allowlist?.paths ?? []),
  ];
  for (const re of others) checkPattern(re, `${at}: pattern ${JSON.stringify(re.source.slice(0, 40))}`);
}

export function checkPattern(re: RegExp, at: string): void {
  if (re.source.length > MAX_REGEX) throw inputError(`${at}: regex is ${re.source.length} characters; custom rules may have at most ${MAX_REGEX}`);
  if (/\\[1-9]|\\k</.test(re.source.replace(/\\\\/g, '')))
    throw inputError(`${at}: regex uses a backreference, which custom rules may not (matching them can take exponential time)`);
  const { analyse } = require('scslre') as typeof import('scslre');
  const { RegExpParser } = require('@eslint-community/regexpp') as typeof import('@eslint-community/regexpp');
  let reports: unknown[];
  try {
    reports = analyse(new RegExpParser().parseLiteral(`/${re.source}/${re.flags.replace(/[gdy]/g, '')}`), { maxReports: 1 }).reports;
  } catch (err) {
    throw inputError(`${at}: regex cannot be checked: ${parserMessage(err)}`);
  }
  if (reports.length > 0) {
    throw inputError(
      `${at}: regex can backtrack catastrophically (a repeated part can match the same text in more than one way)`,
      'Make adjacent or nested repetitions match different characters, or bound them ({0,64}).',
    );
  }
  probe(re, at);
}

/**
 * Run the regex over adversarial text built from its own literal characters and common
 * separators, within a time budget: the static check misses what it cannot model (scslre finds
 * nothing wrong with `^(a|a)*$`, which takes exponential time). The run happens in a vm context
 * with a timeout, which interrupts even a regex stuck in backtracking, so a hostile pattern costs
 * the budget and an error, never a hung process.
 */
function probe(re: RegExp, at: string): void {
  const literal = re.source.replace(/\\[dswDSWbB]|\\.|[[\](){}?*+|^$.]/g, '').slice(0, 40) || 'a';
  const seeds = [literal, 'a', 'A1', '0', ' ', '=', '-_', 'a.', '\n', '"a'];
  const flags = re.flags.replace(/[gy]/g, '') + 'g';
  try {
    runInNewContext(PROBE_SCRIPT, { source: re.source, flags, literal, seeds }, { timeout: PROBE_BUDGET_MS });
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw err;
    throw inputError(
      `${at}: regex is too slow on adversarial input (over ${PROBE_BUDGET_MS} ms for 80 kB)`,
      'Bound its repetitions and avoid alternatives that overlap.',
    );
  }
}

const PROBE_SCRIPT = `
  const probeRe = new RegExp(source, flags);
  for (const seed of seeds) {
    const text = literal + seed.repeat(Math.ceil(8000 / seed.length)) + '!';
    probeRe.lastIndex = 0;
    for (let n = 0; n < 200 && probeRe.exec(text); n++) if (probeRe.lastIndex === 0) break;
  }
`;

function plainAllowlist(v: unknown, where: string): { values?: string[]; paths?: string[] } {
  parseAllowlist(v, where); // validates the shape and each regex
  return v as { values?: string[]; paths?: string[] };
}

function mergeAllow(a?: { values?: string[]; paths?: string[] }, b?: { values?: string[]; paths?: string[] }) {
  if (!a) return b;
  if (!b) return a;
  return { values: [...(a.values ?? []), ...(b.values ?? [])], paths: [...(a.paths ?? []), ...(b.paths ?? [])] };
}

function ruleList(v: unknown, where: string): RawRule[] {
  if (!Array.isArray(v)) throw inputError(`${where} must be a list of rules`);
  if (v.length > MAX_RULES) throw inputError(`${where}: ${v.length} rules; at most ${MAX_RULES}`);
  return v as RawRule[];
}

function providerId(v: unknown, where: string): string {
  if (typeof v !== 'string' || !/^[a-z0-9][a-z0-9-]{0,40}$/.test(v)) throw inputError(`${where} must be a kebab-case name`);
  return v;
}

/** The rules file a credctl.yaml names: inside the project, never through a path that leaves it. */
function rulesFilePath(root: string, p: string): string {
  const file = resolve(root, p);
  const rel = relative(root, file);
  if (isAbsolute(p) || rel.startsWith('..') || isAbsolute(rel)) throw inputError('credctl.yaml: detection.rules must be a file inside the project');
  if (!existsSync(file)) throw inputError(`credctl.yaml: detection.rules names ${rel.split(sep).join('/')}, which does not exist`);
  // A symlink must not lead out of the project either.
  const real = relative(realpathSync(root), realpathSync(file));
  if (real.startsWith('..') || isAbsolute(real)) throw inputError('credctl.yaml: detection.rules must be a file inside the project (it links outside)');
  return file;
}

function readBounded(path: string, shown: string): string {
  const size = statSync(path).size;
  if (size > MAX_FILE_BYTES) throw inputError(`${shown} is ${Math.round(size / 1024)} KB; credctl reads at most ${MAX_FILE_BYTES / 1024} KB of settings`);
  return readFileSync(path, 'utf8');
}

function parseYaml(text: string, where: string): unknown {
  try {
    return yaml().parse(text, { logLevel: 'error' });
  } catch (err) {
    throw inputError(`${where}: invalid YAML: ${parserMessage(err)}`);
  }
}
