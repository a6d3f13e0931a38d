import { describe, expect, it } from 'vitest';
import { alphabetOf, generateSecret } from '../../src/plan/generate.js';

// A generated replacement is never weaker than what it replaces, and keeps the shape the app expects.
describe('generateSecret', () => {
  it('hex stays hex, at least as long as the old value and never under 32', () => {
    const old = 'FAKE'.toLowerCase().replace(/[^0-9a-f]/g, '') + '0123456789abcdef'.repeat(4);
    const g = generateSecret({ alphabet: 'same', minLength: 32 }, old);
    expect(g.alphabet).toBe('hex');
    expect(g.value).toMatch(/^[0-9a-f]+$/);
    expect(g.value.length).toBe(Math.max(32, old.length));
    expect(generateSecret({ alphabet: 'same', minLength: 32 }, 'abcdef0123').value).toMatch(/^[0-9a-f]{32}$/);
    expect(generateSecret({ alphabet: 'same', minLength: 32 }, '0123456789ABCDEF'.repeat(3)).value).toMatch(/^[0-9A-F]{48}$/);
  });

  it('base64 becomes base64url; letters and digits stay letters and digits; a longer rule minimum wins', () => {
    const oldB64 = 'FAKE+k9/f2vXq8Zr5Tn1Vb7Xc4Yd9Ue2Hj6Kl0Pa=';
    const b64 = generateSecret({ alphabet: 'same', minLength: 32 }, oldB64);
    expect(b64.alphabet).toBe('base64url');
    expect(b64.value).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(b64.value.length).toBe(oldB64.length);
    const alnum = generateSecret({ alphabet: 'same', minLength: 64 }, 'FAKEq2WzUo7pLx4VnR8sTb3Ye6Dk');
    expect(alnum.alphabet).toBe('alnum');
    expect(alnum.value).toMatch(/^[A-Za-z0-9]{64}$/);
    expect(generateSecret({ alphabet: 'hex', minLength: 40 }, 'FAKE-anything').value).toMatch(/^[0-9a-f]{40}$/);
    expect(generateSecret({ alphabet: 'same', minLength: 32 }).value).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('a Laravel-style base64: key stays a base64: key of the same byte size', () => {
    const old = `base64:${Buffer.alloc(32, 7).toString('base64')}`;
    const g = generateSecret({ alphabet: 'same', minLength: 32 }, old);
    expect(g.value.startsWith('base64:')).toBe(true);
    expect(Buffer.from(g.value.slice(7), 'base64')).toHaveLength(32);
    expect(g.value).not.toBe(old);
  });

  it('two values are never the same', () => {
    const seen = new Set(Array.from({ length: 200 }, () => generateSecret({ alphabet: 'alnum', minLength: 32 }).value));
    expect(seen.size).toBe(200);
  });

  it('tells the alphabet of an old value', () => {
    expect(alphabetOf('deadbeef')).toBe('hex');
    expect(alphabetOf('FAKEabc123')).toBe('alnum');
    expect(alphabetOf('FAKE_abc-123')).toBe('base64url');
    expect(alphabetOf('FAKE pass!word')).toBe('base64url');
  });
});
