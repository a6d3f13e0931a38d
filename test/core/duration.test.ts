import { describe, expect, it } from 'vitest';
import { DAY, formatDuration, parseDuration } from '../../src/core/duration.js';
import { usageError } from '../../src/core/errors.js';
import { parseDays } from '../../src/config/sections.js';
import { parseHealthChecks } from '../../src/config/health-checks.js';
import { parseTtl } from '../../src/issuer/ttl.js';
import { parseSince } from '../../src/audit/show.js';

// One duration grammar for every flag and credctl.yaml field (src/core/duration.ts): a whole
// number and one of ms, s, m, h, d, w. `m` is minutes everywhere; months and years are refused.
const rule = { what: '--x' };
const message = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
};

describe('the duration grammar', () => {
  it('reads every unit the same way wherever it is used', () => {
    expect(['500ms', '90s', '15m', '12h', '7d', '4w'].map((v) => parseDuration(v, rule))).toEqual([500, 90_000, 900_000, 43_200_000, 7 * DAY, 28 * DAY]);
    expect(parseDuration(' 7d ', rule)).toBe(7 * DAY);
    // `1m` is one minute in every place (it used to be a month in policy.max_age).
    expect(parseDays('1440m', 'policy.max_age')).toBe(1);
    expect(parseTtl('1m')).toBe(60);
    expect(parseSince('1m', 1_000_000)).toBe(1_000_000 - 60_000);
    expect(parseHealthChecks([{ command: 'x', timeout: '1m' }], 'w')[0]).toMatchObject({ timeoutMs: 60_000 });
  });

  it('refuses months, years, fractions, bare numbers and junk with a one-line error naming the field', () => {
    expect(message(() => parseDuration('6mo', rule))).toMatch(/--x: months and years are not duration units.*30d/);
    expect(message(() => parseDuration('1y', rule))).toMatch(/months and years/);
    expect(message(() => parseDuration('1.5h', rule))).toMatch(/whole number.*90m/);
    expect(message(() => parseDuration('90', rule))).toMatch(/--x needs a unit/);
    expect(message(() => parseDuration(90, rule))).toMatch(/--x needs a unit/);
    expect(message(() => parseDuration('7 days', rule))).toMatch(/--x must be a duration such as 90s, 15m, 12h, 7d or 4w/);
    expect(message(() => parseDuration('-1s', rule))).toMatch(/must be a duration/);
    expect(message(() => parseDuration(['7d'], rule))).toMatch(/must be a duration/);
    expect(message(() => parseDuration('7D', rule))).toMatch(/must be a duration/);
  });

  it('never repeats the value it refuses (a config field may hold a pasted secret)', () => {
    const canary = 'sk_live_51FAKEduration0123456789abcdEXAMPLE';
    for (const v of [canary, `${canary}d`, `1${canary}`]) expect(message(() => parseDuration(v, rule))).not.toContain('FAKE');
  });

  it("applies each use's limits: minimum, maximum, whole units, zero as off, exit codes", () => {
    expect(message(() => parseDuration('500ms', { what: '--ttl', min: 1000 }))).toBe('--ttl must be at least 1s');
    expect(message(() => parseDuration('2h', { what: '--t', max: 3_600_000 }))).toBe('--t must be at most 1h');
    expect(message(() => parseDuration('36h', { what: '--grace', step: DAY }))).toMatch(/--grace must be a whole number of days, such as 7d or 2w/);
    expect(parseDuration('0', { what: '--grace', allowZero: true })).toBe(0);
    expect(parseDuration('0d', { what: '--grace', allowZero: true })).toBe(0);
    expect(message(() => parseDuration('0s', rule))).toMatch(/at least 1ms/);
    expect(parseDuration(250, { what: 'timeoutMs', numbersAreMs: true })).toBe(250);
    // Flags are usage errors (exit 2); credctl.yaml fields are input errors (exit 3).
    expect(() => parseDuration('x', { what: '--grace', error: usageError })).toThrow(expect.objectContaining({ exitCode: 2 }));
    expect(() => parseDays('x', 'policy.max_age')).toThrow(
      expect.objectContaining({ exitCode: 3, message: expect.stringContaining('credctl.yaml: policy.max_age') }),
    );
    expect(() => parseTtl('90')).toThrow(expect.objectContaining({ exitCode: 2, message: expect.stringContaining('--ttl needs a unit') }));
  });

  it('prints durations back in the same grammar', () => {
    expect([7 * DAY, 14 * DAY, 90_000, 3_600_000, 1500].map(formatDuration)).toEqual(['1w', '2w', '90s', '1h', '1500ms']);
  });
});
