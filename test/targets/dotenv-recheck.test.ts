// The .env rewriter's last safety net: the rewritten text is parsed again, and if it would read
// back any differently from what was intended (another entry's value, the number of entries, a
// warning, the BOM), the write is refused and the file left alone. With a correct encoder no real
// input gets there, so the parser is replaced here by one that misreads the rewritten text.
import { describe, expect, it, vi } from 'vitest';
import type { DotenvParse } from '../../src/core/dotenv.js';
import { CredctlError } from '../../src/core/errors.js';
import { ExitCode } from '../../src/core/exit-codes.js';
import { rewriteDotenv } from '../../src/integrations/dotenv/rewrite.js';

const NEW = 'sk_live_51FAKErecheckrecheck0002';
const misread = vi.hoisted(() => ({ how: undefined as undefined | ((p: DotenvParse) => DotenvParse) }));
vi.mock('../../src/core/dotenv.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/core/dotenv.js')>();
  return {
    ...real,
    // Only the rewritten text (the one holding the new value) is misread.
    parseDotenv: (src: string) => {
      const parsed = real.parseDotenv(src);
      return misread.how && src.includes(NEW) ? misread.how(parsed) : parsed;
    },
  };
});

function refusal(fn: () => unknown): CredctlError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CredctlError);
    expect((err as CredctlError).exitCode).toBe(ExitCode.Refused);
    expect((err as Error).message).not.toContain(NEW);
    return err as CredctlError;
  }
  throw new Error('expected the rewrite to be refused');
}

const src = 'A=1\nKEY=sk_live_51FAKEoldoldoldoldoldold0001\nB=2\n';
const withEntry = (p: DotenvParse, i: number, change: Partial<DotenvParse['entries'][number]>): DotenvParse => {
  const entries = p.entries.map((e, k) => (k === i ? { ...e, ...change } : e));
  return { ...p, entries, values: new Map(entries.map((e) => [e.name, e])) };
};

describe('a rewrite that would read back differently is refused', () => {
  it('reads back as intended: written (the control case)', () => {
    misread.how = undefined;
    expect(rewriteDotenv(src, 'KEY', NEW).changed).toBe(true);
    expect(rewriteDotenv(null, 'KEY', NEW).appended).toBe(true);
  });

  it('an entry lost or gained', () => {
    misread.how = (p) => ({ ...p, entries: p.entries.slice(0, -1) });
    refusal(() => rewriteDotenv(src, 'KEY', NEW));
    refusal(() => rewriteDotenv('A=1\n', 'KEY', NEW));
    misread.how = (p) => ({ ...p, entries: [...p.entries, p.entries[0]!] });
    refusal(() => rewriteDotenv(null, 'KEY', NEW));
  });

  it('another entry, before or after, reading as another name or value', () => {
    misread.how = (p) => withEntry(p, 0, { value: '2' });
    refusal(() => rewriteDotenv(src, 'KEY', NEW));
    misread.how = (p) => withEntry(p, 2, { name: 'C' });
    refusal(() => rewriteDotenv(src, 'KEY', NEW));
    // The rewritten entry itself, and an appended one, must read as the new value.
    misread.how = (p) => withEntry(p, 1, { value: 'sk_live_51FAKEsomethingelse0003' });
    refusal(() => rewriteDotenv(src, 'KEY', NEW));
    misread.how = (p) => withEntry(p, 1, { name: 'OTHER' });
    refusal(() => rewriteDotenv('A=1\n', 'KEY', NEW));
  });

  it('the name not reading back as the new value where readers look (the last occurrence)', () => {
    misread.how = (p) => ({ ...p, values: new Map([...p.values].map(([n, e]) => [n, n === 'KEY' ? { ...e, value: 'stale' } : e])) });
    refusal(() => rewriteDotenv(src, 'KEY', NEW));
  });

  it('a parser warning that was not there before, or one gone', () => {
    misread.how = (p) => ({ ...p, warnings: [...p.warnings, { line: 2, message: 'not a NAME=value line' }] });
    refusal(() => rewriteDotenv(src, 'KEY', NEW));
    misread.how = (p) => ({ ...p, warnings: [] });
    refusal(() => rewriteDotenv('garbage\nKEY=x\n', 'KEY', NEW));
  });

  it('the byte-order mark gained or lost', () => {
    misread.how = (p) => ({ ...p, bom: !p.bom });
    refusal(() => rewriteDotenv(src, 'KEY', NEW));
    refusal(() => rewriteDotenv(`\ufeff${src}`, 'KEY', NEW));
  });
});
