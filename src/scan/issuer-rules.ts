import { inputError } from '../core/errors.js';
import { CREDENTIAL_KINDS, compileRule, type RawRule, type Rule } from '../providers/rules.js';
import { RegExpParser, visitRegExpAST } from '@eslint-community/regexpp';
import type { Pattern } from '@eslint-community/regexpp/ast';
import { checkPattern } from './custom-rules.js';

/**
 * Detection rules from an issuer's manifest: `credential_patterns` (spec 0.2, decision 8), so the
 * keys of an issuer credctl has never heard of are recognised as that provider's from its
 * manifest alone. A manifest is fetched from the network and is hostile input until checked:
 * each pattern must be anchored (`^...$`), at most 512 characters, free of backreferences and
 * lookaround (RE2-compatible), and not super-linear (the scslre check and the time-boxed probe
 * custom project rules pass, src/scan/custom-rules.ts). A pattern that fails is a one-line error
 * (exit 3) naming the provider and the pattern's index.
 *
 * A scan looks for a credential inside text, so the anchors give way to identifier boundaries,
 * and the pattern's literal prefix (`acme_live_`) is the rule's keyword: a pattern with no
 * literal prefix of 3 characters or more (`^[0-9a-f]{32}$`) would match every hash in a
 * repository, so it recognises pasted values only and is not scanned for.
 *
 * A manifest cannot claim another vendor's keys: where a shipped vendor rule matches the same
 * value, the shipped rule wins (src/scan/detect.ts), so an issuer never receives, for
 * verification or rotation, a key credctl knows to be someone else's.
 *
 * The groups live in this module for the process (set by the onboarding step before a command
 * runs, and handed to scan threads in their start-up data), so every rule loader sees them.
 */
export interface IssuerPattern {
  name: string;
  regex: string;
  kind?: string;
  environment?: string;
}

export interface IssuerRuleGroup {
  provider: string;
  /** For messages: `providers.acme (https://acme.example)`. */
  where: string;
  rules: RawRule[];
}

export const MAX_ISSUER_PATTERN = 512;
/** Literal starts of values generic rules recognise; an issuer's pattern starting so is not scanned for. */
const GENERIC_SHAPES = ['eyj', 'http', '-----', 'postgres', 'mysql', 'mongodb', 'redis', 'amqp', 'ssh-', 'xox'];
const BOUNDARY = '0-9A-Za-z_';

/** Throws (exit 3) unless every pattern is safe to compile and run; returns the scannable rules. */
export function issuerRuleGroup(provider: string, where: string, patterns: readonly IssuerPattern[]): { group: IssuerRuleGroup; unscanned: number[] } {
  const rules: RawRule[] = [];
  const unscanned: number[] = [];
  patterns.forEach((p, i) => {
    const at = `${where}: credential_patterns[${i}]`;
    const inner = checkIssuerPattern(p?.regex, at);
    const prefix = literalPrefix(inner);
    // Too short, or the start of a shape shipped generic rules already find (a JWT, a URL, a PEM
    // block, a connection string): a manifest may not claim those values for its issuer.
    if (prefix.length < 4 || GENERIC_SHAPES.some((g) => prefix.startsWith(g))) {
      unscanned.push(i);
      return;
    }
    const kind = typeof p.kind === 'string' && (CREDENTIAL_KINDS as readonly string[]).includes(p.kind) ? p.kind : 'api_key';
    rules.push({
      id: `${provider}-issuer-pattern-${i}`,
      name: typeof p.name === 'string' && p.name ? p.name.slice(0, 200) : `${provider} credential`,
      kind,
      regex: `(?<![${BOUNDARY}])(${inner})(?![${BOUNDARY}])`,
      secretGroup: 1,
      keywords: [prefix],
      ...(typeof p.environment === 'string' && /^[a-z0-9_-]{1,40}$/i.test(p.environment) ? { environment: [{ match: '^', env: p.environment }] } : {}),
    });
  });
  return { group: { provider, where, rules }, unscanned };
}

/** The pattern without its anchors, after every check; throws a one-line error naming `at`. */
export function checkIssuerPattern(regex: unknown, at: string): string {
  if (typeof regex !== 'string' || regex === '') throw inputError(`${at}: regex must be a non-empty string`);
  if (regex.length > MAX_ISSUER_PATTERN) throw inputError(`${at}: regex is ${regex.length} characters; at most ${MAX_ISSUER_PATTERN}`);
  if (!regex.startsWith('^') || !regex.endsWith('$') || /(^|[^\\])(\\\\)*\\\$$/.test(regex) || regex.length < 3)
    throw inputError(`${at}: regex must be anchored (^...$) to match a whole credential`);
  const inner = regex.slice(1, -1);
  // Read by a real regex parser (regexpp, which scslre also uses), not by patterns over its text.
  const ast = parseInner(inner, at);
  let backreference = false;
  let lookaround = false;
  visitRegExpAST(ast, {
    onBackreferenceEnter: () => {
      backreference = true;
    },
    onAssertionEnter: (node) => {
      if (node.kind === 'lookahead' || node.kind === 'lookbehind') lookaround = true;
    },
  });
  // `^a|b$` anchors only its two ends: every top-level alternative must be anchored at both.
  const anchored = parseInner(regex, at).alternatives.every((alt) => {
    const first = alt.elements[0];
    const last = alt.elements.at(-1);
    return first?.type === 'Assertion' && first.kind === 'start' && last?.type === 'Assertion' && last.kind === 'end';
  });
  if (!anchored) throw inputError(`${at}: regex must be anchored (^...$) as a whole: group its alternatives, ^(?:a|b)$`);
  const repetition = repetitionProblem(ast);
  if (repetition) throw inputError(`${at}: regex ${repetition}`, 'A credential format needs neither: bound each repeat once ([A-Za-z0-9]{32,64}).');
  if (backreference) throw inputError(`${at}: regex uses a backreference (not RE2-compatible)`);
  if (lookaround) throw inputError(`${at}: regex uses lookaround (not RE2-compatible)`);
  let re: RegExp;
  try {
    re = new RegExp(regex);
  } catch (err) {
    throw inputError(`${at}: regex does not compile: ${(err as Error).message.replace(/\s+/g, ' ').slice(0, 120)}`);
  }
  checkPattern(re, at); // scslre: no super-linear backtracking; and a timed probe
  return inner;
}

/** The longest counted repeat an issuer pattern may have: past it, scanning a hostile line costs too much. */
export const MAX_REPEAT = 1024;

/**
 * V8 backtracks where RE2 would not: a repeat inside a repeat (`(?:(?:x{0,200}){0,200}){0,200}`)
 * can take exponential time, and a huge counted repeat quadratic time, on text the scan reads.
 * scslre and the probe miss some of these, so an issuer's pattern (fetched from the network) may
 * not have either. Undefined when it has neither; else what is wrong.
 */
function repetitionProblem(ast: Pattern): string | undefined {
  let problem: string | undefined;
  const repeats = (node: { type: string; max?: number }) => node.type === 'Quantifier' && (node.max ?? 0) > 1;
  visitRegExpAST(ast, {
    onQuantifierEnter: (node) => {
      if (problem) return;
      if (node.max !== Number.POSITIVE_INFINITY && node.max > MAX_REPEAT) problem = `repeats up to ${node.max} times; at most ${MAX_REPEAT}`;
      else if (node.max > 1) {
        let nested = false;
        visitRegExpAST(node.element as never, {
          onQuantifierEnter: (inner) => {
            if (repeats(inner)) nested = true;
          },
        });
        if (nested) problem = 'repeats a part that itself repeats (nested repetition can take exponential time)';
      }
    },
  });
  return problem;
}

function parseInner(inner: string, at: string): Pattern {
  try {
    return new RegExpParser().parsePattern(inner);
  } catch (err) {
    throw inputError(`${at}: regex does not compile: ${(err as Error).message.replace(/\s+/g, ' ').slice(0, 120)}`);
  }
}

/**
 * The literal characters every match must start with (`acme_live_` of `acme_live_[0-9A-Za-z]{32}`),
 * lower-cased: the scan's keyword for the rule. None when the pattern has alternatives at its top
 * level, or starts with a group, a class or an optional character.
 */
export function literalPrefix(inner: string): string {
  let ast: Pattern;
  try {
    ast = new RegExpParser().parsePattern(inner);
  } catch {
    return '';
  }
  if (ast.alternatives.length !== 1) return '';
  let out = '';
  for (const element of ast.alternatives[0]!.elements) {
    // A character on its own occurs exactly once; a quantified one, a class or a group ends the prefix.
    if (element.type !== 'Character') break;
    const ch = String.fromCodePoint(element.value);
    if (!/[0-9A-Za-z_.:/-]/.test(ch)) break;
    out += ch;
  }
  return out.toLowerCase();
}

let groups: IssuerRuleGroup[] = [];
let compiledGroups: Rule[] | undefined;

/** The issuer rules this process scans with (replaces any earlier set: one command, one project). */
export function setIssuerRules(next: readonly IssuerRuleGroup[]): void {
  groups = [...next];
  compiledGroups = undefined;
}

export function issuerRuleGroups(): IssuerRuleGroup[] {
  return groups;
}

/** The groups compiled (checked when they were made; compiled once per set). */
export function issuerRules(): Rule[] {
  compiledGroups ??= groups.flatMap((g) => g.rules.map((r) => ({ ...compileRule(g.provider, r, g.where), fromIssuer: true })));
  return compiledGroups;
}
