import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { inputError, parserMessage } from '../core/errors.js';

// Loaded on first use: a pre-commit scan that hits the rules cache never pays for the YAML parser.
const yaml = (): typeof import('yaml') => createRequire(import.meta.url)('yaml') as typeof import('yaml');

/**
 * Detection rules live with their provider: `providers/<id>/rules.yaml`. Adding a provider is
 * adding a folder; this module finds every folder, validates its rules and compiles them once.
 *
 * rules.yaml:
 *   provider: stripe                 # must equal the folder name
 *   rules:
 *     - id: stripe-secret-key        # globally unique, kebab-case
 *       name: Stripe secret key
 *       kind: api_key                # see CredentialKind
 *       regex: '\b(sk_(?:live|test)_[0-9a-zA-Z]{24,99})\b'
 *       secretGroup: 1               # capture group holding the secret (default 1, or 0 without groups)
 *       nameGroup: 2                 # optional: capture group holding an assigned name (generic rules)
 *       keywords: [sk_live_, sk_test_]  # prefilter: the rule runs only if one occurs (case-insensitive)
 *       entropy: 3.5                 # optional Shannon-entropy floor (bits/char) for the secret
 *       confidence: high             # high | medium | low (default high)
 *       environment:                 # optional: live/test/prod/dev from the key's own form
 *         - { match: '^sk_live_', env: live }
 *       envNames: [STRIPE_SECRET_KEY] # env-var names this credential is usually bound to
 *       pairs: aws-access-key-id     # optional: another rule whose nearby finding belongs with this one
 *       anchor: identifier           # optional, for speed: every match starts where the identifier
 *                                    # ([0-9A-Za-z_.-] run) holding a keyword starts; see ANCHOR_PREFIX
 *       valueNeeds: '[0-9]'          # optional, with anchor, for speed: the regex cannot match unless
 *                                    # the line holds one of these characters after the keyword
 *                                    # (its value requires one), so the scanner checks that first
 *       paths: ['(^|/)\.netrc$']    # optional: run only on files whose path matches one of these
 *       skipPaths: ['(^|/)yarn\.lock$'] # optional: never run on these files
 *       examplePath: .netrc          # the path the examples are tested under (for rules with paths)
 *       acceptWeak: true             # optional: in a file whose purpose is credentials, a weak or
 *                                    # word-like value is real (only templates and masks are dropped)
 *       near: 3                      # optional: a keyword must occur within this many lines of the match
 *       severity: info               # optional: a public identifier, reported but not a secret
 *       supersedes: [google-api-key] # optional: on the same span, this rule wins over those
 *       decode: base64               # optional: the secret is the base64 decoding of the match
 *       allowlist: { values: ['^sk_test_'], paths: ['^test/'] }  # optional: matches to drop
 *       examples:
 *         positive: ['STRIPE_KEY=sk_live_...']   # each must produce a finding of this rule
 *         negative: ['sk_live_short']            # each must produce none of this rule
 */

export type CredentialKind =
  | 'api_key'
  | 'access_key_id'
  | 'secret_access_key'
  | 'oauth_client'
  | 'oauth_token'
  | 'webhook_secret'
  | 'webhook_url'
  | 'db_password'
  | 'connection_string'
  | 'private_key'
  | 'certificate'
  | 'jwt'
  | 'token'
  | 'password'
  | 'password_hash'
  | 'service_account'
  | 'generic_secret';

export const CREDENTIAL_KINDS: readonly CredentialKind[] = [
  'api_key',
  'access_key_id',
  'secret_access_key',
  'oauth_client',
  'oauth_token',
  'webhook_secret',
  'webhook_url',
  'db_password',
  'connection_string',
  'private_key',
  'certificate',
  'jwt',
  'token',
  'password',
  'password_hash',
  'service_account',
  'generic_secret',
];

export type Confidence = 'high' | 'medium' | 'low';

/**
 * `secret`: a credential to rotate. `info`: a value that is public by design (a Firebase web API
 * key, a PostHog ingestion key): reported so a reader knows it is there, never a reason to fail a
 * scan or to plan a rotation.
 */
export type Severity = 'secret' | 'info';

/** Matches a rule (or a whole rules file) declares harmless: by value or by file path. */
export interface Allowlist {
  values: RegExp[];
  paths: RegExp[];
}

export interface Rule {
  id: string;
  provider: string;
  name: string;
  kind: CredentialKind;
  /** Compiled with the `g` flag (plus any flags given in the file). */
  regex: RegExp;
  secretGroup: number;
  nameGroup?: number;
  /** Lower-cased. */
  keywords: string[];
  entropy?: number;
  confidence: Confidence;
  environment: { match: RegExp; env: string }[];
  envNames: string[];
  pairs?: string;
  /**
   * Set for `anchor: identifier`: the same regex, sticky (y) instead of global, tried only at the
   * start of each identifier that holds a keyword rather than at every position of the line.
   */
  anchoredRegex?: RegExp;
  /**
   * `valueNeeds`, for an anchored rule: per ASCII code, 1 if the character is one the value needs
   * (a match needs one of them after the keyword, on the same line).
   */
  valueNeeds?: Uint8Array;
  /** Whether the rule may run line by line, when already worked out (the rules cache keeps it). */
  lineLocalHint?: boolean;
  /** Run only on files whose reported path matches one of these. */
  paths?: RegExp[];
  /** Never run on files whose reported path matches one of these. */
  skipPaths?: RegExp[];
  /** The path a rule's examples are tested under (rules with `paths`). */
  examplePath?: string;
  /** Weak or word-like values are kept (a file whose purpose is credentials): no entropy floor, only templates and masks dropped. */
  acceptWeak?: boolean;
  /** A keyword must occur within this many lines of the match (context that must be near, not anywhere in the file). */
  near?: number;
  severity: Severity;
  /** Rule ids this rule beats when both match the same span. */
  supersedes: string[];
  /** The matched text is an encoding of the secret. */
  decode?: 'base64';
  allowlist?: Allowlist;
  examples: { positive: string[]; negative: string[] };
  /** Made from an issuer's manifest (src/scan/issuer-rules.ts): never wins a value a shipped vendor rule also matches. */
  fromIssuer?: boolean;
}

/**
 * What `anchor: identifier` requires of a rule's regex: it opens with this prefix, which takes a
 * whole identifier (a run of [0-9A-Za-z_.-]) as group 1 where one starts, and the identifier must
 * hold one of the rule's keywords (which are made of identifier characters). A match then always
 * starts where an identifier holding a keyword starts, so trying the regex only there finds
 * exactly what a scan of the whole line finds (test/scan/fast-paths.test.ts checks this on the
 * examples, the fixtures and the corpus). The lookahead takes the identifier atomically, so a
 * failing attempt never backtracks through it.
 */
export const ANCHOR_PREFIX = '(?<![0-9A-Za-z_.-])(?=([0-9A-Za-z_.-]+))\\1';
export const IDENTIFIER_CHAR = /[0-9A-Za-z_.-]/;
/**
 * What an anchored rule must require right after the name: an assignment. The matcher checks the
 * same thing with a few character reads before it tries the regex (assignmentFollows in
 * src/scan/detect.ts), so most keyword occurrences in code never reach the regex.
 */
export const ANCHOR_ASSIGNMENT = `(?=["'\\]]{0,2}[ \\t]*(?:=>|:=|\\?=|\\.=|[:=])|["'][ \\t]*,|[ \\t]+string[ \\t]*=)`;

export interface RawRule {
  id?: unknown;
  name?: unknown;
  kind?: unknown;
  regex?: unknown;
  flags?: unknown;
  secretGroup?: unknown;
  nameGroup?: unknown;
  keywords?: unknown;
  entropy?: unknown;
  confidence?: unknown;
  environment?: unknown;
  envNames?: unknown;
  pairs?: unknown;
  anchor?: unknown;
  valueNeeds?: unknown;
  examples?: unknown;
  paths?: unknown;
  skipPaths?: unknown;
  examplePath?: unknown;
  acceptWeak?: unknown;
  near?: unknown;
  severity?: unknown;
  supersedes?: unknown;
  decode?: unknown;
  allowlist?: unknown;
}

/** Every field a rule may have: a misspelt one (`keyword:`) is an error, not a silently ignored line. */
export const RULE_FIELDS = new Set([
  'id',
  'name',
  'kind',
  'regex',
  'flags',
  'secretGroup',
  'nameGroup',
  'keywords',
  'entropy',
  'confidence',
  'environment',
  'envNames',
  'pairs',
  'anchor',
  'valueNeeds',
  'examples',
  'paths',
  'skipPaths',
  'examplePath',
  'acceptWeak',
  'near',
  'severity',
  'supersedes',
  'decode',
  'allowlist',
]);

/** The providers/ folder shipped with credctl (next to dist/ and src/). Overridable for tests. */
export function providersDir(): string {
  return process.env.CREDCTL_PROVIDERS_DIR ?? fileURLToPath(new URL('../../providers/', import.meta.url));
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/**
 * How many capture groups a regex source has, read from the source: every `(` that is not
 * escaped, not inside a character class, and not `(?:`, `(?=`, `(?!`, `(?<=`, `(?<!` (a named
 * group `(?<name>` counts). Asking V8 instead (`new RegExp(src + '|').exec('')`) compiles every
 * rule's regex, ~5 ms of a pre-commit hook's start-up.
 */
export function countCaptureGroups(source: string): number {
  let groups = 0;
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') {
      if (source[i + 1] !== '?') groups++;
      else if (source[i + 2] === '<' && source[i + 3] !== '=' && source[i + 3] !== '!') groups++;
    }
  }
  return groups;
}

export function compileRule(provider: string, raw: RawRule, where: string): Rule {
  const fail = (msg: string) => inputError(`${where}: ${msg}`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw fail('each rule must be a map');
  if (typeof raw.id !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(raw.id)) throw fail('rule id must be kebab-case');
  const at = `${where}: rule ${raw.id}`;
  for (const k of Object.keys(raw)) if (!RULE_FIELDS.has(k)) throw inputError(`${at}: unknown field ${JSON.stringify(k)}`);
  if (typeof raw.regex !== 'string') throw inputError(`${at}: regex is required`);
  if (typeof raw.kind !== 'string' || !CREDENTIAL_KINDS.includes(raw.kind as CredentialKind)) {
    throw inputError(`${at}: unknown kind ${JSON.stringify(raw.kind)}`);
  }
  let regex: RegExp;
  try {
    // g: iterate matches; d: match indices, to report the secret group's exact column.
    const flags = new Set(['g', 'd', ...(typeof raw.flags === 'string' ? raw.flags : '')]);
    regex = new RegExp(raw.regex, [...flags].join(''));
  } catch (err) {
    throw inputError(`${at}: invalid regex: ${(err as Error).message}`);
  }
  const groups = countCaptureGroups(raw.regex);
  const secretGroup = typeof raw.secretGroup === 'number' ? raw.secretGroup : groups > 0 ? 1 : 0;
  if (secretGroup > groups) throw inputError(`${at}: secretGroup ${secretGroup} but the regex has ${groups} groups`);
  const environment = Array.isArray(raw.environment)
    ? raw.environment.map((e: { match?: unknown; env?: unknown }) => {
        if (typeof e?.match !== 'string' || typeof e?.env !== 'string') throw inputError(`${at}: environment entries need match and env`);
        return { match: new RegExp(e.match), env: e.env };
      })
    : [];
  const keywords = strings(raw.keywords).map((k) => k.toLowerCase());
  let anchoredRegex: RegExp | undefined;
  if (raw.anchor !== undefined) {
    if (raw.anchor !== 'identifier') throw inputError(`${at}: anchor must be "identifier"`);
    if (!raw.regex.startsWith(ANCHOR_PREFIX)) throw inputError(`${at}: anchor: identifier needs a regex starting with ${ANCHOR_PREFIX}`);
    // With u or v and i, [A-Za-z] also matches ſ and the Kelvin sign, which the keyword search
    // and the identifier walk treat as separators: the anchor would land in the wrong place.
    if (/[uv]/.test(regex.flags)) throw inputError(`${at}: anchor: identifier cannot be used with the u or v flag`);
    if (keywords.length === 0 || keywords.some((k) => ![...k].every((c) => IDENTIFIER_CHAR.test(c)))) {
      throw inputError(`${at}: anchor: identifier needs keywords made of identifier characters only`);
    }
    if (!raw.regex.includes(ANCHOR_ASSIGNMENT))
      throw inputError(`${at}: anchor: identifier needs the assignment lookahead ${ANCHOR_ASSIGNMENT} after the name`);
    anchoredRegex = new RegExp(regex.source, regex.flags.replace('g', '') + 'y');
  }
  let valueNeeds: Uint8Array | undefined;
  if (raw.valueNeeds !== undefined) {
    if (!anchoredRegex) throw inputError(`${at}: valueNeeds needs anchor: identifier`);
    if (typeof raw.valueNeeds !== 'string' || !/^\[[^\]]+\]$/.test(raw.valueNeeds) || raw.valueNeeds.length > 100)
      throw inputError(`${at}: valueNeeds must be one character class, such as '[0-9]'`);
    let cls: RegExp;
    try {
      cls = new RegExp(`^${raw.valueNeeds}$`, regex.flags.replace(/[gymsd]/g, ''));
    } catch (err) {
      throw inputError(`${at}: valueNeeds: ${(err as Error).message}`);
    }
    valueNeeds = new Uint8Array(128);
    for (let c = 0; c < 128; c++) valueNeeds[c] = cls.test(String.fromCharCode(c)) ? 1 : 0;
  }
  const ex = (raw.examples ?? {}) as { positive?: unknown; negative?: unknown };
  const confidence = raw.confidence === 'medium' || raw.confidence === 'low' ? raw.confidence : 'high';
  const paths = regexList(raw.paths, `${at}: paths`);
  const skipPaths = regexList(raw.skipPaths, `${at}: skipPaths`);
  if (raw.near !== undefined && (typeof raw.near !== 'number' || !Number.isInteger(raw.near) || raw.near < 0 || raw.near > 50)) {
    throw inputError(`${at}: near must be a whole number of lines from 0 to 50`);
  }
  if (raw.severity !== undefined && raw.severity !== 'secret' && raw.severity !== 'info') throw inputError(`${at}: severity must be secret or info`);
  if (raw.decode !== undefined && raw.decode !== 'base64') throw inputError(`${at}: decode must be base64`);
  return {
    id: raw.id,
    provider,
    name: typeof raw.name === 'string' ? raw.name : raw.id,
    kind: raw.kind as CredentialKind,
    regex,
    secretGroup,
    nameGroup: typeof raw.nameGroup === 'number' ? raw.nameGroup : undefined,
    keywords,
    entropy: typeof raw.entropy === 'number' ? raw.entropy : undefined,
    confidence,
    environment,
    envNames: strings(raw.envNames),
    pairs: typeof raw.pairs === 'string' ? raw.pairs : undefined,
    anchoredRegex,
    ...(valueNeeds ? { valueNeeds } : {}),
    ...(paths ? { paths } : {}),
    ...(skipPaths ? { skipPaths } : {}),
    ...(typeof raw.examplePath === 'string' ? { examplePath: raw.examplePath } : {}),
    ...(raw.acceptWeak === true ? { acceptWeak: true } : {}),
    ...(typeof raw.near === 'number' ? { near: raw.near } : {}),
    severity: raw.severity === 'info' ? 'info' : 'secret',
    supersedes: strings(raw.supersedes),
    ...(raw.decode === 'base64' ? { decode: 'base64' as const } : {}),
    ...(raw.allowlist !== undefined ? { allowlist: parseAllowlist(raw.allowlist, `${at}: allowlist`) } : {}),
    examples: { positive: strings(ex.positive), negative: strings(ex.negative) },
  };
}

/** A list of regex sources (paths, allowlists), compiled; undefined when absent. */
function regexList(v: unknown, where: string): RegExp[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw inputError(`${where} must be a list of regular expressions`);
  return (v as string[]).map((src) => {
    try {
      return new RegExp(src);
    } catch (err) {
      throw inputError(`${where}: invalid regex: ${(err as Error).message}`);
    }
  });
}

/** `allowlist: { values: [regex], paths: [regex] }`, in a rule or at the top of a rules file. */
export function parseAllowlist(v: unknown, where: string): Allowlist {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw inputError(`${where} must be a map with values and/or paths`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (k !== 'values' && k !== 'paths') throw inputError(`${where}: unknown field ${k} (use values and paths)`);
  return { values: regexList(o.values, `${where}.values`) ?? [], paths: regexList(o.paths, `${where}.paths`) ?? [] };
}

/** Parse one provider's rules.yaml text. */
export function parseRulesFile(provider: string, text: string, where: string): Rule[] {
  let doc: { provider?: unknown; rules?: unknown };
  try {
    doc = yaml().parse(text, { logLevel: 'error' }) ?? {};
  } catch (err) {
    throw inputError(`${where}: invalid YAML: ${parserMessage(err)}`);
  }
  if (doc.provider !== provider) throw inputError(`${where}: provider must be "${provider}" (the folder name)`);
  if (!Array.isArray(doc.rules)) throw inputError(`${where}: rules must be a list`);
  return doc.rules.map((r: RawRule) => compileRule(provider, r, where));
}

let cached: Rule[] | undefined;

/** Every rule of every provider folder, compiled once per process. */
export function loadRules(dir: string = providersDir()): Rule[] {
  if (cached && dir === providersDir()) return cached;
  const rules: Rule[] = [];
  const seen = new Set<string>();
  for (const provider of readdirSync(dir).sort()) {
    const file = join(dir, provider, 'rules.yaml');
    if (!existsSync(file)) continue;
    for (const rule of parseRulesFile(provider, readFileSync(file, 'utf8'), `providers/${provider}/rules.yaml`)) {
      if (seen.has(rule.id)) throw inputError(`providers/${provider}/rules.yaml: duplicate rule id ${rule.id}`);
      seen.add(rule.id);
      rules.push(rule);
    }
  }
  if (dir === providersDir()) cached = rules;
  return rules;
}
