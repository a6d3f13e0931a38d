import { describe, expect, it } from 'vitest';
import { fingerprint, isFingerprint, shortFingerprint } from '../../src/core/fingerprint.js';
import { maskValues, redact, shownSafely } from '../../src/core/redact.js';

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
    for (const notOne of [
      fp.slice(0, -1),
      fp + '0',
      fp.toUpperCase(),
      'fp_' + fp.slice(3).toUpperCase(),
      fp.slice(3),
      `x${fp}`,
      `${fp} `,
      `${fp}\n`,
      'fp_' + 'g'.repeat(24),
    ]) {
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

describe('redact: never more than a public prefix and the last four', () => {
  // One fake value per public prefix credctl knows; the tail after the prefix is 20+ characters.
  const tail = 'FAKE0123456789abcdWXYZ';
  const prefixes = [
    'sk_live_',
    'sk_test_',
    'rk_live_',
    'rk_test_',
    'pk_live_',
    'pk_test_',
    'whsec_',
    'sk-proj-',
    'sk-svcacct-',
    'sk-admin-',
    'sk-ant-api03-',
    'sk-ant-admin01-',
    'sk-',
    'ghp_',
    'gho_',
    'ghu_',
    'ghs_',
    'ghr_',
    'github_pat_',
    'glpat-',
    'xoxa-',
    'xoxb-',
    'xoxp-',
    'xoxo-',
    'xoxs-',
    'xoxr-',
    'AKIA',
    'ASIA',
    'AIza',
    'SG.',
    'npm_',
    'pypi-',
    'dckr_pat_',
    'hf_',
    'r8_',
    'shpat_',
    'shpss_',
    'shpca_',
    'shppa_',
    'phc_',
    'phx_',
    'eyJ',
    'ccx_live_',
    'ccx_test_',
  ];

  it('keeps each known public prefix whole, so a person can tell which kind of key it is', () => {
    for (const prefix of prefixes) expect(redact(prefix + tail), prefix).toBe(`${prefix}…WXYZ`);
  });

  it('keeps the first line of a PEM private key, whatever kind of key it is', () => {
    for (const kind of ['', 'RSA ', 'EC ', 'OPENSSH ', 'ENCRYPTED ']) {
      const header = `-----BEGIN ${kind}PRIVATE KEY-----`;
      const pem = `${header}\nMIIFAKE0123456789abcdefghijklmnopqrstuvwxyz\n-----END ${kind}PRIVATE KEY-----`;
      expect(redact(pem), kind).toBe(`${header}…----`);
    }
    // A public key or certificate header is not a known secret prefix.
    expect(redact('-----BEGIN PUBLIC KEY-----\nMIIFAKE0123456789\n-----END PUBLIC KEY-----')).toBe('--…----');
  });

  it('takes a prefix only from the start of the value, never from inside it', () => {
    expect(redact('FAKEsk_live_0123456789abcdef')).toBe('FA…cdef');
    expect(redact('my-ghp_FAKE0123456789abcdef')).toBe('my…cdef');
    expect(redact('sk-ant-apiXY-FAKE0123456789abcdef')).toBe('sk-…cdef');
    expect(redact('xoxz-FAKE0123456789abcdef')).toBe('xo…cdef');
  });

  it('falls back to two characters when the prefix would leave fewer than 8 characters hidden or shown as the tail', () => {
    // github_pat_ is 11 characters: with 8 more it is kept, with 7 more it is not.
    expect(redact('github_pat_FAKE5678')).toBe('github_pat_…5678');
    expect(redact('github_pat_FAKE567')).toBe('gi…E567');
    expect(redact('AKIAFAKE1234')).toBe('AKIA…1234');
    expect(redact('AKIAFAKE123')).toBe('********');
  });

  it('shows nothing but a length class for values under 12 characters', () => {
    expect(redact('')).toBe('****');
    expect(redact('abc')).toBe('****');
    expect(redact('abcde')).toBe('*****');
    expect(redact('abcdefg')).toBe('*******');
    expect(redact('abcdefghijk')).toBe('********');
    expect(redact('abcdefghijkl')).toBe('ab…ijkl');
  });

  it('for any value, what shows is a known prefix or two characters, then the last four', () => {
    let seed = 7;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
    for (let n = 0; n < 300; n++) {
      let v = n % 3 === 0 ? prefixes[n % prefixes.length]! : '';
      const len = 12 + (n % 40);
      while (v.length < len) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        v += alphabet[seed % alphabet.length];
      }
      const shown = redact(v);
      const [head, last] = shown.split('…');
      expect(last, v).toBe(v.slice(-4));
      expect(v.startsWith(head!), v).toBe(true);
      expect(head!.length === 2 || prefixes.includes(head!), v).toBe(true);
      expect(v.length - head!.length - 4, v).toBeGreaterThanOrEqual(4);
    }
  });
});

describe('maskValues', () => {
  it('masks a value that contains another value whole, whichever order they come in', () => {
    const inner = 'FAKEinner0123456789';
    const outer = `outer-${inner}-tail-FAKE`;
    for (const values of [
      [inner, outer],
      [outer, inner],
    ]) {
      const masked = maskValues(`a ${outer} b ${inner}`, values);
      expect(masked).toBe(`a ${redact(outer)} b ${redact(inner)}`);
      expect(masked).not.toContain('-tail-');
    }
  });

  it('leaves text alone for values under 4 characters, which would mask ordinary words', () => {
    expect(maskValues('a cat and a dog', ['a', 'at', 'dog'])).toBe('a cat and a dog');
    expect(maskValues('pin 1234 here', ['1234'])).toBe('pin **** here');
    expect(maskValues('nothing to hide', [])).toBe('nothing to hide');
  });
});

describe('shownSafely: what a person typed, shown back', () => {
  it('shows names, paths, fingerprints and run ids as typed', () => {
    for (const typed of [
      'STRIPE_SECRET_KEY',
      '.env.production',
      'config/secrets/prod.env',
      '20261207-091836-fd763d',
      'fp_974c1a5cd765ed9e32922a63',
      'fp_974c1a5cd765',
      'a'.repeat(80),
    ]) {
      expect(shownSafely(typed)).toBe(typed);
    }
  });

  it('redacts a key pasted where a name was expected', () => {
    expect(shownSafely('sk_live_51FAKEq8Hd2kLp0Zr7VbN3xTy9')).toBe('sk_live_…xTy9');
    expect(shownSafely('q8Hd2kLp0Zr7VbN3')).toBe('q8…VbN3');
    // A well-known key form is a key even when its characters repeat (low entropy).
    expect(shownSafely('ghp_aaaaaaaaaaaaaaaaaaaa1111')).toBe('ghp_…1111');
    // Only the fp_ form exactly is a fingerprint; the same hex inside other text is judged like any text.
    expect(shownSafely('Xfp_974c1a5cd765ed9e32922a63')).toBe('Xf…2a63');
    expect(shownSafely('fp_974c1a5cd765ed9e32922a63Zq')).toBe('fp…63Zq');
  });

  it('a well-known key form counts from 12 characters on; shorter, it is a name like any other', () => {
    expect(shownSafely('ghp_12345678')).toBe('ghp_…5678'); // 12 characters
    expect(shownSafely('sk_live_123')).toBe('sk_live_123'); // 11
    expect(shownSafely('AKIA')).toBe('AKIA');
  });

  it('redacts anything longer than 80 characters', () => {
    expect(shownSafely('a'.repeat(81))).toBe('aa…aaaa');
    expect(shownSafely(`path/with spaces/${'x'.repeat(70)}`)).toBe('pa…xxxx');
  });

  it('needs every sign of a secret before redacting: 16+ characters, digits, letters, no slash or space, high entropy', () => {
    expect(shownSafely('q8Hd2kLp0Zr7VbN')).toBe('q8Hd2kLp0Zr7VbN'); // 15 characters
    expect(shownSafely('qHdkLpZrVbNxTyAB')).toBe('qHdkLpZrVbNxTyAB'); // no digit
    expect(shownSafely('0123456789+-=_.,')).toBe('0123456789+-=_.,'); // no letter
    expect(shownSafely('q8Hd2kLp/0Zr7VbN3x')).toBe('q8Hd2kLp/0Zr7VbN3x');
    expect(shownSafely('q8Hd2kLp 0Zr7VbN3x')).toBe('q8Hd2kLp 0Zr7VbN3x');
    expect(shownSafely('ab12ab12ab12ab12')).toBe('ab12ab12ab12ab12'); // low entropy
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
