import { describe, expect, it } from 'vitest';
import { parseDotenv } from '../../src/core/dotenv.js';

describe('parseDotenv', () => {
  it('reads export, quotes, escapes, inline comments and keeps exact spans', () => {
    const src = [
      '# comment',
      'export API_KEY=abc123 # trailing comment',
      'QUOTED="line1\\nline2" # c',
      "SINGLE='lit\\n$X'",
      'MULTI="a',
      'b"',
      '  SPACED = padded value  ',
      'EMPTY=',
      'API_KEY=second',
    ].join('\n');
    const p = parseDotenv(src);
    expect(p.warnings).toEqual([]);
    const get = (n: string) => p.values.get(n)!;
    expect(get('API_KEY').value).toBe('second');
    expect(p.entries.filter((e) => e.name === 'API_KEY')).toHaveLength(2);
    expect(p.entries[0]!.exported).toBe(true);
    expect(p.entries[0]!.value).toBe('abc123');
    expect(src.slice(p.entries[0]!.valueStart, p.entries[0]!.valueEnd)).toBe('abc123');
    expect(get('QUOTED').value).toBe('line1\nline2');
    expect(src.slice(get('QUOTED').valueStart, get('QUOTED').valueEnd)).toBe('"line1\\nline2"');
    expect(get('SINGLE').value).toBe('lit\\n$X');
    expect(get('MULTI').value).toBe('a\nb');
    expect(get('MULTI').line).toBe(5);
    expect(get('SPACED').value).toBe('padded value');
    expect(get('SPACED').line).toBe(7);
    expect(get('EMPTY').value).toBe('');
  });

  it('handles CRLF and a BOM', () => {
    const src = '\ufeffA=1\r\nB="x"\r\n';
    const p = parseDotenv(src);
    expect(p.bom).toBe(true);
    expect(p.eol).toBe('\r\n');
    expect(p.values.get('A')!.value).toBe('1');
    expect(src.slice(p.values.get('A')!.valueStart, p.values.get('A')!.valueEnd)).toBe('1');
    expect(p.values.get('B')!.value).toBe('x');
  });

  it('warns with a line number on odd lines and keeps going', () => {
    const p = parseDotenv('GOOD=1\nthis is not an assignment\nBAD="unterminated\nLAST=2\n');
    expect(p.warnings.map((w) => w.line)).toEqual([2, 3]);
    expect([...p.values.keys()]).toEqual(['GOOD', 'LAST']);
  });
});

describe('parseDotenv warnings', () => {
  it('never quote the offending line, which may be secret material', () => {
    const body = 'MIIEFAKEcanaryPEMbodyZZ9q8w7e6r5t4y3u2i1o0p';
    const p = parseDotenv(`-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----\nA=1\n`);
    expect(p.warnings.map((w) => w.line)).toEqual([1, 2, 3]);
    expect(JSON.stringify(p.warnings)).not.toContain('MIIEFAKE');
    expect(p.values.get('A')!.value).toBe('1');
  });
});
