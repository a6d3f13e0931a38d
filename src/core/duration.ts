import { type CredctlError, inputError } from './errors.js';

/**
 * The one duration grammar of every flag and credctl.yaml field: a whole number and a unit,
 * `500ms`, `90s`, `15m`, `12h`, `7d`, `4w`. `m` is always minutes. Months and years are not units
 * (a month is 28 to 31 days, so `6m` meant six months in one place and six minutes in another);
 * write days or weeks instead (`30d`, `13w`). A bare number is refused too, because its unit
 * would have to be guessed; only `0` is accepted where a field says zero turns it off.
 *
 * Errors never repeat the value (a config field can hold anything, including a pasted secret):
 * they name the flag or field and show what a valid value looks like.
 */
export const DURATION_UNITS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
export type DurationUnit = keyof typeof DURATION_UNITS;

export const SECOND = DURATION_UNITS.s;
export const DAY = DURATION_UNITS.d;

export const DURATION_EXAMPLES = '90s, 15m, 12h, 7d or 4w';

export interface DurationRule {
  /** The flag or field, as the error names it: `--grace`, `credctl.yaml: policy.max_age`. */
  what: string;
  /** Smallest and largest accepted values, in milliseconds (min defaults to 1 ms). */
  min?: number;
  max?: number;
  /** The value must be a whole number of this many milliseconds (a day for --grace). */
  step?: number;
  /** `0` (with or without a unit) is accepted and means "off". */
  allowZero?: boolean;
  /** Numbers (not strings) are milliseconds: for fields whose name says so, such as timeoutMs. */
  numbersAreMs?: boolean;
  /** usageError for flags (exit 2), inputError for files (exit 3, the default). */
  error?: (message: string, hint?: string) => CredctlError;
}

const GRAMMAR = /^(\d{1,15})(ms|s|m|h|d|w)$/;
const MONTHS_OR_YEARS = /^\d+(?:\.\d+)?\s*(?:mo|mos|mon|month|months|M|y|yr|yrs|year|years)$/;
const FRACTION = /^\d*\.\d+\s*(?:ms|s|m|h|d|w)$/;

/** Milliseconds, or a clear one-line error naming `rule.what`. */
export function parseDuration(value: unknown, rule: DurationRule): number {
  const fail = rule.error ?? inputError;
  const hint = `A duration is a whole number and a unit: ${DURATION_EXAMPLES} (also ms).`;
  let ms: number;
  if (typeof value === 'number' && rule.numbersAreMs) {
    if (!Number.isFinite(value)) throw fail(`${rule.what} must be a number of milliseconds or a duration such as ${DURATION_EXAMPLES}`);
    ms = Math.round(value);
  } else if (typeof value === 'number' || (typeof value === 'string' && /^\s*\d+\s*$/.test(value))) {
    const n = Number(value);
    if (n === 0 && rule.allowZero) return 0;
    throw fail(`${rule.what} needs a unit: write it as ${DURATION_EXAMPLES}`, hint);
  } else if (typeof value !== 'string') {
    throw fail(`${rule.what} must be a duration such as ${DURATION_EXAMPLES}`, hint);
  } else {
    const text = value.trim();
    const m = GRAMMAR.exec(text);
    if (!m) {
      if (MONTHS_OR_YEARS.test(text))
        throw fail(`${rule.what}: months and years are not duration units (their length varies); write days or weeks, such as 30d, 13w or 365d`);
      if (FRACTION.test(text)) throw fail(`${rule.what} must be a whole number of its unit: write 1.5h as 90m`, hint);
      throw fail(`${rule.what} must be a duration such as ${DURATION_EXAMPLES}`, hint);
    }
    ms = Number(m[1]) * DURATION_UNITS[m[2] as DurationUnit];
  }
  if (ms === 0 && rule.allowZero) return 0;
  const min = rule.min ?? 1;
  if (ms < min) throw fail(`${rule.what} must be at least ${formatDuration(min)}${rule.allowZero ? ' (or 0 to turn it off)' : ''}`);
  if (rule.max !== undefined && ms > rule.max) throw fail(`${rule.what} must be at most ${formatDuration(rule.max)}`);
  if (rule.step && ms % rule.step !== 0) throw fail(`${rule.what} must be a whole number of ${unitName(rule.step)}, such as ${exampleFor(rule.step)}`);
  return ms;
}

/** The shortest exact spelling of a duration in the grammar: 604800000 → `1w`, 90000 → `90s`. */
export function formatDuration(ms: number): string {
  for (const unit of ['w', 'd', 'h', 'm', 's'] as const) {
    const size = DURATION_UNITS[unit];
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

function unitName(step: number): string {
  return step === DAY ? 'days' : step === SECOND ? 'seconds' : formatDuration(step);
}

function exampleFor(step: number): string {
  return step === DAY ? '7d or 2w' : step === SECOND ? '90s or 15m' : formatDuration(step);
}
