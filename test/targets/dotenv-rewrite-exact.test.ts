// The .env rewriter changes exactly the entries it names, beyond dotenv.test.ts: another name
// holding the same old value is left alone, every occurrence of a repeated name is rewritten even
// when the new value is longer than the old, a value is appended after a file whose only line has
// no newline, and a refusal names the entry (by its 1-based number and name) that would read back
// wrong. The last needs a parser that misreads the rewritten text, as in dotenv-recheck.test.ts.
import { describe, expect, it, vi } from 'vitest';
import type { DotenvParse } from '../../src/core/dotenv.js';
import { parseDotenv } from '../../src/core/dotenv.js';
import { CredctlError } from '../../src/core/errors.js';
import { rewriteDotenv } from '../../src/integrations/dotenv/rewrite.js';

const OLD = 'sk_live_51FAKEexactold0001';
const NEW = 'sk_live_51FAKEexactnewlonger0123456789';
const misread = vi.hoisted(() => ({ how: undefined as undefined | ((p: DotenvParse) => DotenvParse) }));
vi.mock('../../src/core/dotenv.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/core/dotenv.js')>();
  return {
    ...real,
    parseDotenv: (src: string) => {
      const parsed = real.parseDotenv(src);
      return misread.how && src.includes(NEW) ? misread.how(parsed) : parsed;
    },
  };
});

describe('only the named entries change', () => {
  it('another name holding the same old value keeps it', () => {
    misread.how = undefined;
    const r = rewriteDotenv(`OTHER=${OLD}\nKEY=${OLD}\nLAST=${OLD}\n`, 'KEY', NEW);
    expect(r.text).toBe(`OTHER=${OLD}\nKEY=${NEW}\nLAST=${OLD}\n`);
    expect(r.rewritten).toBe(1);
  });

  it('every occurrence of a repeated name is rewritten, with a longer value, and the file reads back as intended', () => {
    misread.how = undefined;
    const r = rewriteDotenv(`KEY=${OLD}\nA=1\nKEY="${OLD}"\nB=2\nKEY=${OLD}\n`, 'KEY', NEW);
    expect(r.text).toBe(`KEY=${NEW}\nA=1\nKEY="${NEW}"\nB=2\nKEY=${NEW}\n`);
    expect(r.rewritten).toBe(3);
    expect(parseDotenv(r.text).entries.map((e) => [e.name, e.value])).toEqual([
      ['KEY', NEW],
      ['A', '1'],
      ['KEY', NEW],
      ['B', '2'],
      ['KEY', NEW],
    ]);
  });

  it('a value appended after a one-character file without a newline goes on a line of its own', () => {
    misread.how = undefined;
    for (const src of ['#', ' ']) {
      const r = rewriteDotenv(src, 'KEY', NEW);
      expect(r.text).toBe(`${src}\nKEY=${NEW}\n`);
      expect(r.appended).toBe(true);
    }
  });
});

it('a refusal names the entry that would read back wrong, by its number in the file and its name', () => {
  misread.how = (p) => {
    const entries = p.entries.map((e, k) => (k === 2 ? { ...e, value: 'misread' } : e));
    return { ...p, entries, values: new Map(entries.map((e) => [e.name, e])) };
  };
  try {
    rewriteDotenv(`A=1\nKEY=${OLD}\nB=2\n`, 'KEY', NEW);
    expect.unreachable('the rewrite should be refused');
  } catch (err) {
    expect(err).toBeInstanceOf(CredctlError);
    expect((err as Error).message).toContain('entry 3 (B)');
    expect((err as Error).message).not.toContain(NEW);
  } finally {
    misread.how = undefined;
  }
});
