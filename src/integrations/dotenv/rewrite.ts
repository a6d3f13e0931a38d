import { parseDotenv, type DotenvEntry, type DotenvParse, type DotenvQuote } from '../../core/dotenv.js';
import { inputError, refusedError } from '../../core/errors.js';

/**
 * Rewrite one name's value in dotenv text, touching nothing but the value's span(s).
 *
 * Duplicates: dotenv readers take the last occurrence, so that one is rewritten; earlier
 * occurrences that held the same (old) value are rewritten too, so that a reader with
 * "first wins" semantics (some shells sourcing the file with `set -a`, older tools) cannot keep
 * using the old credential; earlier occurrences with other values are left alone (they were
 * already dead, and they are someone's deliberate history). Rollback is symmetric.
 *
 * Quoting: the original quote style is kept when the new value can be written in it with the
 * same meaning for every common reader (dotenv, docker compose, dotenv-expand, this parser);
 * otherwise the next safe style is chosen (single quotes, then double quotes); a value that no
 * style can hold unambiguously is refused (ExitCode.Refused) and the file is not touched.
 * The result is re-parsed before it is returned: the name must read back as the new value and
 * every other entry, and every warning, must be exactly as before.
 */
export interface DotenvRewrite {
  text: string;
  changed: boolean;
  /** How many occurrences were rewritten (0 when unchanged, 1 when appended). */
  rewritten: number;
  appended: boolean;
}

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
/** Characters every reader takes literally in an unquoted value. */
const UNQUOTED_SAFE = /^[A-Za-z0-9_\-./+=:@%,~]*$/;

export function assertDotenvName(name: string): void {
  if (!NAME_RE.test(name)) throw inputError(`"${name.slice(0, 60)}" is not a valid dotenv variable name`);
}

/** The value written in `quote` style, or null when that style cannot hold it unambiguously. */
export function encodeDotenvValue(value: string, quote: DotenvQuote): string | null {
  if (value.includes('\0')) return null;
  switch (quote) {
    case '':
      return UNQUOTED_SAFE.test(value) ? value : null;
    case "'":
      return /['\r\n]/.test(value) ? null : `'${value}'`;
    case '`':
      return /[`\r\n]/.test(value) ? null : '`' + value + '`';
    case '"':
      // Readers disagree on \\, \" and $ inside double quotes (npm dotenv keeps backslashes,
      // compose and dotenv-expand interpolate $), so such values never go in double quotes.
      // Newlines are the one escape everyone reads the same way.
      if (/[\\"$]/.test(value)) return null;
      return `"${value.replace(/\r/g, '\\r').replace(/\n/g, '\\n')}"`;
  }
}

function chooseEncoding(value: string, original: DotenvQuote): string {
  const order: DotenvQuote[] = [original, "'", '"'];
  for (const q of order) {
    const enc = encodeDotenvValue(value, q);
    if (enc !== null) return enc;
  }
  throw refusedError(
    'the new value cannot be written safely into a dotenv file (it holds both quote kinds, or a quote with backslashes or $, or a NUL)',
    'the file was left unchanged; keep this credential in another target or change its format',
  );
}

export function rewriteDotenv(src: string | null, name: string, value: string): DotenvRewrite {
  assertDotenvName(name);
  if (src === null) {
    const text = `${name}=${chooseEncoding(value, '')}\n`;
    checkRewrite(parseDotenv(''), parseDotenv(text), name, value, new Set(), true);
    return { text, changed: true, rewritten: 1, appended: true };
  }
  const before = parseDotenv(src);
  const last = before.values.get(name);
  if (last && last.value === value) return { text: src, changed: false, rewritten: 0, appended: false };

  if (!last) {
    const body = src.charCodeAt(0) === 0xfeff ? src.slice(1) : src;
    const sep = body === '' || src.endsWith('\n') ? '' : before.eol;
    const text = `${src}${sep}${name}=${chooseEncoding(value, '')}${before.eol}`;
    checkRewrite(before, parseDotenv(text), name, value, new Set(), true);
    return { text, changed: true, rewritten: 1, appended: true };
  }

  const targets = before.entries.filter((e) => e.name === name && e.value === last.value);
  // Replace from the end so earlier offsets stay valid.
  const ordered = [...targets].sort((a, b) => b.valueStart - a.valueStart);
  let text = src;
  for (const e of ordered) {
    text = text.slice(0, e.valueStart) + chooseEncoding(value, e.quote) + text.slice(e.valueEnd);
  }
  checkRewrite(before, parseDotenv(text), name, value, new Set(targets.map((e) => before.entries.indexOf(e))), false);
  return { text, changed: true, rewritten: targets.length, appended: false };
}

function checkRewrite(before: DotenvParse, after: DotenvParse, name: string, value: string, rewritten: Set<number>, appended: boolean): void {
  const fail = (why: string) => refusedError(`writing ${name} would change the file's meaning (${why}); refused`, 'the file was left unchanged');
  const expected: Array<Pick<DotenvEntry, 'name' | 'value'>> = before.entries.map((e, i) => ({
    name: e.name,
    value: rewritten.has(i) ? value : e.value,
  }));
  if (appended) expected.push({ name, value });
  if (after.entries.length !== expected.length) throw fail('the number of entries changed');
  for (let i = 0; i < expected.length; i++) {
    const a = after.entries[i]!;
    const x = expected[i]!;
    if (a.name !== x.name || a.value !== x.value) throw fail(`entry ${i + 1} (${x.name}) would not read back as intended`);
  }
  if (after.values.get(name)?.value !== value) throw fail('the name would not read back as the new value');
  const warn = (p: DotenvParse) => JSON.stringify(p.warnings);
  if (warn(before) !== warn(after)) throw fail('the parser would see the file differently');
  if (before.bom !== after.bom) throw fail('the byte-order mark changed');
}
