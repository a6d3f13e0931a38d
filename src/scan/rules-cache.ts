import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { atomicWriteFileSync } from '../core/atomic-write.js';
import { inputError } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { compileRule, loadRules, providersDir, type Rule } from '../providers/rules.js';
import { compileRuleSet, detect, isLineLocal, type CompiledRuleSet } from './detect.js';
import { compileProjectDetection, type ProjectDetection } from './custom-rules.js';
import { issuerRules } from './issuer-rules.js';

// Loaded on first use: a pre-commit scan that hits the rules cache never pays for the YAML parser.
const yaml = (): typeof import('yaml') => createRequire(import.meta.url)('yaml') as typeof import('yaml');

/**
 * Rules without the YAML parse on every run. Parsing ~60 KB of rules.yaml costs ~80 ms, more than
 * half of the pre-commit budget, so the parsed (not compiled) rule documents are kept as JSON in
 * the user's cache directory, keyed by every rules.yaml's size and mtime and credctl's version.
 * A miss (or any cache problem) falls back to loadRules(), which also validates everything.
 * The cache holds rule definitions only: no findings, no values.
 */
interface CacheDoc {
  signature: string;
  providers: [string, unknown[]][];
  /** Ids of the rules that may run line by line (isLineLocal runs each rule's examples: worked out once, here). */
  lineLocal?: string[];
}

/** credctl's per-user cache: CREDCTL_CACHE_DIR, else $XDG_CACHE_HOME/credctl or ~/.cache/credctl. */
export function userCacheDir(): string {
  return cacheDir();
}

function cacheDir(): string {
  if (process.env.CREDCTL_CACHE_DIR) return process.env.CREDCTL_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'credctl');
}

function ruleFiles(dir: string): { provider: string; file: string; sig: string }[] {
  const out = [];
  for (const provider of readdirSync(dir).sort()) {
    const file = join(dir, provider, 'rules.yaml');
    try {
      const st = statSync(file);
      out.push({ provider, file, sig: `${provider}:${st.size}:${st.mtimeMs}` });
    } catch {
      /* a folder without rules.yaml */
    }
  }
  return out;
}

/**
 * Every rule: the shipped ones (cached as below), then those of the issuers credctl.yaml names
 * that credctl learnt from their manifests this run (src/scan/issuer-rules.ts).
 */
export function loadRulesCached(dir: string = providersDir()): Rule[] {
  const fromIssuers = issuerRules();
  const shipped = loadShippedRules(dir);
  return fromIssuers.length ? [...shipped, ...fromIssuers] : shipped;
}

function loadShippedRules(dir: string): Rule[] {
  if (process.env.CREDCTL_NO_RULES_CACHE) return loadRules(dir);
  let files: ReturnType<typeof ruleFiles>;
  try {
    files = ruleFiles(dir);
  } catch {
    return loadRules(dir); // let the loader report the problem
  }
  const signature = createHash('sha256')
    .update(`${VERSION}\0${dir}\0${files.map((f) => f.sig).join('\0')}`)
    .digest('hex');
  const known = compiled.get(signature);
  if (known) return known;
  const rules = loadOrParse(dir, files, signature);
  compiled.set(signature, rules);
  return rules;
}

// Rules already compiled in this process, by signature: a command that scans and then formats
// (or builds the graph) compiles them once.
const compiled = new Map<string, Rule[]>();

function loadOrParse(dir: string, files: ReturnType<typeof ruleFiles>, signature: string): Rule[] {
  const cacheFile = join(cacheDir(), `rules-${createHash('sha256').update(dir).digest('hex').slice(0, 16)}.json`);
  try {
    const doc = JSON.parse(readFileSync(cacheFile, 'utf8')) as CacheDoc;
    if (doc.signature === signature) {
      const rules = compileAll(doc.providers);
      if (doc.lineLocal) {
        const local = new Set(doc.lineLocal);
        for (const r of rules) r.lineLocalHint = local.has(r.id);
      }
      return rules;
    }
  } catch {
    /* no cache yet, or unreadable: rebuild it */
  }
  const rules = loadRules(dir); // validates (and throws a clear error for a broken rules.yaml)
  try {
    const providers: [string, unknown[]][] = files.map((f) => [
      f.provider,
      (yaml().parse(readFileSync(f.file, 'utf8'), { logLevel: 'error' }) as { rules: unknown[] }).rules,
    ]);
    mkdirSync(cacheDir(), { recursive: true, mode: 0o700 });
    const lineLocal = rules.filter((r) => isLineLocal(r)).map((r) => r.id);
    atomicWriteFileSync(cacheFile, JSON.stringify({ signature, providers, lineLocal } satisfies CacheDoc), { mode: 0o600 });
  } catch {
    /* a read-only home is fine: next run parses again */
  }
  return rules;
}

function compileAll(providers: [string, unknown[]][]): Rule[] {
  const rules: Rule[] = [];
  const seen = new Set<string>();
  for (const [provider, raws] of providers) {
    for (const raw of raws) {
      const rule = compileRule(provider, raw as Parameters<typeof compileRule>[1], `providers/${provider}/rules.yaml`);
      if (seen.has(rule.id)) throw inputError(`providers/${provider}/rules.yaml: duplicate rule id ${rule.id}`);
      seen.add(rule.id);
      rules.push(rule);
    }
  }
  return rules;
}

/**
 * The rules (from the cache when it is fresh) compiled into a matcher, with a project's own rules
 * and allowlist from credctl.yaml when given (checked for safety unless `checked` says the main
 * thread already did).
 */
export function compileRules(rulesDir?: string, project?: ProjectDetection, checked = false): CompiledRuleSet {
  const rules = loadRulesCached(rulesDir);
  if (!project) return compileRuleSet(rules);
  const custom = compileProjectDetection(project, new Set(rules.map((r) => r.id)), checked);
  const all = [...rules, ...custom.rules];
  // The values the project's own examples plant (in credctl.yaml or its rules file) are test
  // data: allowlisted by exact value, so the rules file does not report itself.
  const examples = new Set<string>();
  const plain = compileRuleSet(all);
  for (const r of custom.rules) for (const ex of r.examples.positive) for (const m of detect(plain, ex, r.examplePath)) examples.add(m.value);
  const exact = [...examples].map((v) => new RegExp(`^${v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  const allowlist = { values: [...(custom.allowlist?.values ?? []), ...exact], paths: custom.allowlist?.paths ?? [] };
  return compileRuleSet(all, allowlist.values.length || allowlist.paths.length ? { allowlist } : {});
}
