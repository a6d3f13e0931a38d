import { readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { fingerprint } from '../core/fingerprint.js';
import { inputError, readInputText } from '../core/errors.js';
import { redact } from '../core/redact.js';
import { loadRulesCached } from '../scan/rules-cache.js';
import { compileRuleSet, detect, type CompiledRuleSet } from '../scan/detect.js';
import { lineStarts, positionOf } from '../core/text.js';

/**
 * What was exposed, from every kind of evidence a person has the hour after a leak. Each source
 * becomes a list of Exposed items: the fingerprint of a credential (values are fingerprinted the
 * moment they are read and then dropped), or a name / location to resolve against the graph.
 */
/**
 * Values seen while reading exposure evidence, by fingerprint: kept in memory only, so that
 * blast-radius can ask a provider whether a leaked credential is still live. Never serialised.
 */
export type ValueVault = Map<string, string>;

export interface Exposed {
  /** Present when the value itself was seen. */
  fingerprint?: string;
  redacted?: string;
  ruleId?: string;
  provider?: string;
  kind?: string;
  /** An env name that was exposed (from --name, or the name a leaked value was assigned to). */
  name?: string;
  /** How it was exposed, for the report: "leaked file .env line 3", "process environment". */
  via: string;
  /** Publicly visible (repo made public, public paste): raises the exposure score. */
  public?: boolean;
  /** The reporting scanner checked it against the provider and found it live (trufflehog Verified). */
  verified?: boolean;
}

let ruleSet: CompiledRuleSet | undefined;
const MAX_LINE = 64 * 1024;
const rules = () => (ruleSet ??= compileRuleSet(loadRulesCached()));

/** Credentials in any leaked text (a .env, a CI log, a paste). */
export function exposedInText(text: string, via: string, isPublic = false, vault?: ValueVault): Exposed[] {
  const out: Exposed[] = [];
  const seen = new Set<string>();
  const lines = text.split('\n');
  const starts = lineStarts(text);
  const lineAt = (index: number) => positionOf(starts, index).line;
  for (const m of detect(rules(), text)) {
    const fp = fingerprint(m.value);
    if (seen.has(fp)) continue;
    seen.add(fp);
    vault?.set(fp, m.value);
    // The name it was leaked under, when the rule did not capture one (`NAME=value` on its line).
    const line = lines[lineAt(m.index) - 1] ?? '';
    const name = m.name ?? (line.length <= MAX_LINE ? /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*[=:]/.exec(line)?.[1] : undefined);
    out.push({
      fingerprint: fp,
      redacted: redact(m.value),
      ruleId: m.rule.id,
      provider: m.rule.provider,
      kind: m.rule.kind,
      ...(name ? { name } : {}),
      via: `${via} line ${lineAt(m.index)}`,
      public: isPublic,
    });
  }
  // A .env-style leak also exposes values that no rule knows, bound to secret-looking names; a
  // leaked Kubernetes Secret exposes its base64 `data:` values once decoded.
  for (const [i, line] of lines.entries()) {
    // Assignments and Secret data are short lines; a megabyte "line" (minified JS, a dump) is not
    // one, and running these regexes over it could exhaust the stack.
    if (line.length > MAX_LINE) continue;
    const b64 = /^\s+([\w.-]+):\s+([A-Za-z0-9+/]{12,}={0,2})\s*$/.exec(line);
    if (b64) {
      const decoded = Buffer.from(b64[2]!, 'base64').toString('utf8');
      if (/^[\x20-\x7e]{8,}$/.test(decoded)) {
        const fp = fingerprint(decoded);
        if (!seen.has(fp)) {
          seen.add(fp);
          vault?.set(fp, decoded);
          out.push({ fingerprint: fp, redacted: redact(decoded), name: b64[1], via: `${via} line ${i + 1} (base64)`, public: isPublic });
        }
      }
    }
    const mm = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*["']?([^"'\s#]{8,})["']?\s*$/.exec(line);
    if (!mm) continue;
    const fp = fingerprint(mm[2]!);
    if (seen.has(fp)) continue;
    seen.add(fp);
    vault?.set(fp, mm[2]!);
    out.push({ fingerprint: fp, redacted: redact(mm[2]!), name: mm[1], via: `${via} line ${i + 1}`, public: isPublic });
  }
  return out;
}

export function exposedInFile(path: string, isPublic = false, vault?: ValueVault): Exposed[] {
  const text = readInputText(path === '-' ? 0 : path, path);
  return exposedInText(text, path === '-' ? 'leaked text (stdin)' : `leaked file ${path}`, isPublic, vault);
}

/** The stolen-environment case: every value in this process's environment. */
export function exposedInEnvironment(env: NodeJS.ProcessEnv = process.env, vault?: ValueVault): Exposed[] {
  const out: Exposed[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!value || value.length < 8) continue;
    vault?.set(fingerprint(value), value);
    out.push({ fingerprint: fingerprint(value), redacted: redact(value), name, via: 'process environment' });
    // A value may embed a credential (a DATABASE_URL's password): expose that too.
    for (const m of detect(rules(), `${name}=${value}`)) {
      if (m.value !== value) vault?.set(fingerprint(m.value), m.value);
      if (m.value !== value)
        out.push({
          fingerprint: fingerprint(m.value),
          redacted: redact(m.value),
          name,
          ruleId: m.rule.id,
          provider: m.rule.provider,
          kind: m.rule.kind,
          via: 'process environment',
        });
    }
  }
  return out;
}

/**
 * Another scanner's report: gitleaks JSON, trufflehog JSON/JSONL, or SARIF 2.1.0. Reports that
 * carry the secret (gitleaks `Secret`, trufflehog `Raw`) are fingerprinted at once; reports that
 * only carry a location (SARIF) are resolved by reading that line under `root` and detecting.
 */
export function exposedInReport(path: string, root: string): Exposed[] {
  // `-`: the report on stdin (gitleaks ... -r - | credctl blast-radius --from-report -).
  const text = readInputText(path === '-' ? 0 : path, path === '-' ? 'report from stdin' : `report ${path}`);
  const docs = parseJsonOrJsonl(text, path);
  const first = docs[0] as Record<string, unknown> | undefined;
  if (docs.length === 1 && first && typeof first === 'object' && !Array.isArray(first) && 'runs' in first) return fromSarif(first, root, path);
  const items = docs.length === 1 && Array.isArray(docs[0]) ? (docs[0] as unknown[]) : docs;
  const out: Exposed[] = [];
  for (const [i, raw] of items.entries()) {
    const item = raw as Record<string, unknown>;
    if (!item || typeof item !== 'object') throw inputError(`${path}: item ${i} is not an object`);
    if ('RuleID' in item || 'Secret' in item) for (const e of fromGitleaks(item, root)) out.push(e);
    else if ('DetectorName' in item || 'Raw' in item || 'SourceMetadata' in item) for (const e of fromTrufflehog(item, root)) out.push(e);
    else throw inputError(`${path}: item ${i} is neither a gitleaks nor a trufflehog finding`, 'Supported: gitleaks JSON, trufflehog JSON/JSONL, SARIF 2.1.0.');
  }
  return out;
}

function parseJsonOrJsonl(text: string, path: string): unknown[] {
  const trimmed = text.trim();
  if (!trimmed) return [[]];
  try {
    return [JSON.parse(trimmed)];
  } catch {
    const out: unknown[] = [];
    for (const [i, line] of trimmed.split('\n').entries()) {
      if (!line.trim()) continue;
      try {
        out.push(JSON.parse(line));
      } catch {
        throw inputError(`${path}:${i + 1}: not JSON or JSON lines`);
      }
    }
    return out;
  }
}

/**
 * gitleaks --redact writes "REDACTED" in place of the secret (its pre-commit hook and its GitHub
 * Action redact by default); --redact=N keeps the first characters and ends in "...". Neither is
 * the value: such a finding is read from its file and line instead.
 */
const REDACTED = /^(?:REDACTED|\*+)$|(?:\.\.\.|…)$/;

function fromValueOrLocation(value: unknown, file: unknown, line: unknown, root: string, via: string, tool: string): Exposed[] {
  if (typeof value === 'string' && value.length > 0 && !REDACTED.test(value)) {
    const hit = detect(rules(), value)[0];
    return [
      {
        fingerprint: fingerprint(value),
        redacted: redact(value),
        via: `${tool}: ${via}`,
        ...(hit && hit.value === value ? { ruleId: hit.rule.id, provider: hit.rule.provider, kind: hit.rule.kind } : {}),
      },
    ];
  }
  if (typeof file === 'string' && typeof line === 'number') return atLocation(root, file, line, `${tool}: ${via}`);
  return [];
}

function fromGitleaks(item: Record<string, unknown>, root: string): Exposed[] {
  const via = `${item.File ?? '?'}:${item.StartLine ?? '?'} (${item.RuleID ?? 'rule'})`;
  return fromValueOrLocation(item.Secret, item.File, item.StartLine, root, via, 'gitleaks');
}

function fromTrufflehog(item: Record<string, unknown>, root: string): Exposed[] {
  const data = ((item.SourceMetadata as Record<string, unknown> | undefined)?.Data ?? {}) as Record<string, Record<string, unknown>>;
  const src = data.Git ?? data.Filesystem ?? data.Github ?? Object.values(data)[0] ?? {};
  const verified = item.Verified === true;
  // ExtraData (the AWS account and ARN, the token's user or scopes) is evidence of what the key
  // reaches; kept as short text, and only where it does not repeat the secret.
  const extra = extraData(item.ExtraData, [item.Raw, item.RawV2]);
  const via = `${src.file ?? '?'}:${src.line ?? '?'} (${item.DetectorName ?? 'detector'}${verified ? ', verified live by trufflehog' : ''}${extra ? `; ${extra}` : ''})`;
  return fromValueOrLocation(item.Raw, src.file, src.line, root, via, 'trufflehog').map((e) => (verified ? { ...e, verified } : e));
}

function extraData(v: unknown, secrets: unknown[]): string {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return '';
  const raw = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 8);
  const parts: string[] = [];
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (typeof val !== 'string' && typeof val !== 'number' && typeof val !== 'boolean') continue;
    const text = String(val);
    if (!/^[\w .:/@+=,-]{1,200}$/.test(k) || text.length > 200) continue;
    if (raw.some((s) => text.includes(s) || (s.includes(text) && text.length >= 8))) continue;
    if (detect(rules(), text).length > 0) continue; // never carry something that looks like a secret
    parts.push(`${k}: ${text}`);
    if (parts.length >= 6) break;
  }
  return parts.join(', ');
}

function fromSarif(doc: Record<string, unknown>, root: string, path: string): Exposed[] {
  const runs = doc.runs;
  if (!Array.isArray(runs)) throw inputError(`${path}: SARIF without a runs array`);
  const out: Exposed[] = [];
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  for (const [r, run] of runs.entries()) {
    if (!isObject(run)) throw inputError(`${path}: runs[${r}] is not an object`);
    const driver = isObject(run.tool) && isObject(run.tool.driver) ? run.tool.driver : {};
    const tool = typeof driver.name === 'string' ? driver.name : 'sarif';
    for (const [k, result] of list(run.results).entries()) {
      if (!isObject(result)) throw inputError(`${path}: runs[${r}].results[${k}] is not an object`);
      for (const loc of list(result.locations)) {
        const physical = isObject(loc) && isObject(loc.physicalLocation) ? loc.physicalLocation : {};
        const file = isObject(physical.artifactLocation) ? physical.artifactLocation.uri : undefined;
        const line = isObject(physical.region) ? physical.region.startLine : undefined;
        if (typeof file !== 'string' || typeof line !== 'number') continue;
        let path2: string;
        try {
          path2 = decodeURIComponent(file.replace(/^file:\/\//, ''));
        } catch {
          path2 = file;
        }
        for (const e of atLocation(root, path2, line, `${tool}: ${file}:${line} (${String(result.ruleId ?? 'rule')})`)) out.push(e);
      }
    }
  }
  return out;
}

/** Resolve a reported location by reading that line and detecting what is on it. */
function atLocation(root: string, file: string, line: number, via: string): Exposed[] {
  // A report names files; only files inside the project are read (symlinks resolved first), so a
  // report cannot make credctl read and quote /etc or a home directory.
  let path: string;
  try {
    path = realpathSync(resolve(root, file));
    const rel = relative(realpathSync(root), path);
    if (rel.startsWith('..') || isAbsolute(rel)) return [{ via: `${via} (outside the project; location only)` }];
  } catch {
    return [{ via: `${via} (file not readable here; location only)` }];
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [{ via: `${via} (file not readable here; location only)` }];
  }
  const lineText = text.split('\n')[line - 1] ?? '';
  return detect(rules(), lineText).map((m) => ({
    fingerprint: fingerprint(m.value),
    redacted: redact(m.value),
    ruleId: m.rule.id,
    provider: m.rule.provider,
    kind: m.rule.kind,
    ...(m.name ? { name: m.name } : {}),
    via,
  }));
}
