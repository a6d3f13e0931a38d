import { describe, expect, it } from 'vitest';
import { fingerprint, isFingerprint, shortFingerprint } from '../../src/core/fingerprint.js';
import { maskValues, redact } from '../../src/core/redact.js';

describe('fingerprint', () => {
  it('is stable, well-formed and differs per value', () => {
    const a = fingerprint('sk_live_51FAKEq8Hd2kLp0Zr7VbN3xTy9');
    expect(a).toBe(fingerprint('sk_live_51FAKEq8Hd2kLp0Zr7VbN3xTy9'));
    expect(isFingerprint(a)).toBe(true);
    expect(a).not.toBe(fingerprint('sk_live_51FAKEq8Hd2kLp0Zr7VbN3xTy8'));
    expect(a).not.toContain('FAKEq8');
  });

  it('is the same on every machine and in every version (baselines and plans are shared): pinned values', () => {
    // Changing these breaks every committed baseline and saved plan; it needs a new fingerprint version.
    expect(fingerprint('sk_live_51FAKEq8Hd2kLp0Zr7VbN3xTy9')).toBe('fp_974c1a5cd765ed9e32922a63');
    expect(fingerprint('pässwörd-FAKE-0123456789')).toBe('fp_e593cb3e6d8d9c8dad6364e3');
  });

  it('recognises exactly fp_ followed by 24 lowercase hex digits', () => {
    const fp = fingerprint('FAKE-recognise-0123456789');
    expect(isFingerprint(fp)).toBe(true);
    for (const notOne of [fp.slice(0, -1), fp + '0', fp.toUpperCase(), 'fp_' + fp.slice(3).toUpperCase(), fp.slice(3), `x${fp}`, `${fp} `, `${fp}\n`, 'fp_' + 'g'.repeat(24)]) {
      expect(isFingerprint(notOne), notOne).toBe(false);
    }
  });

  it('has a short form for tables: fp_ and the first 12 hex digits', () => {
    const fp = fingerprint('FAKE-short-0123456789');
    expect(shortFingerprint(fp)).toBe(fp.slice(0, 15));
    expect(shortFingerprint(fp)).toMatch(/^fp_[0-9a-f]{12}$/);
  });
});

describe('redact', () => {
  it('keeps a known public prefix and the last 4 characters only', () => {
    expect(redact('sk_live_51FAKEq8Hd2kLp0Zr7VbN3xTy9')).toBe('sk_live_…xTy9');
    expect(redact('ghp_FAKE9aB3cD4eF5gH6iJ7kL8mN9oP0qR1sT2u')).toBe('ghp_…sT2u');
    expect(redact('hunter2-but-longer-pass')).toBe('hu…pass');
  });
  it('shows nothing of short values such as passwords', () => {
    expect(redact('s3cretpw')).toBe('********');
    expect(redact('ab')).toBe('****');
  });
  it('masks every occurrence of a value in free text', () => {
    const v = 'sk_live_51FAKEq8Hd2kLp0Zr7VbN3xTy9';
    expect(maskValues(`key=${v} again ${v}`, [v])).toBe('key=sk_live_…xTy9 again sk_live_…xTy9');
  });
});

describe('parserMessage', () => {
  it('drops quoted snippets of the parsed text, which may hold a secret', async () => {
    const { parserMessage } = await import('../../src/core/errors.js');
    let err: unknown;
    try {
      JSON.parse('{"a": sk_live_51FAKEabcdefghij}');
    } catch (e) {
      err = e;
    }
    const msg = parserMessage(err);
    expect(msg).not.toContain('sk_live');
    expect(msg).toMatch(/Unexpected token/);
  });
});
