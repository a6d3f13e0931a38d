import { loadRules } from '../../src/providers/rules.js';
import { compileRuleSet, detect } from '../../src/scan/detect.js';
import { describe, expect, it } from 'vitest';
import { isPlaceholder, placeholderReason } from '../../src/scan/placeholders.js';

// Deterministic pseudo-random strings: a real key looks like these, and must never be waved through
// as a placeholder by accident (a false "placeholder" is a missed leak).
function prng(seed: number) {
  return () => {
    seed ^= seed << 13;
    seed >>>= 0;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    seed >>>= 0;
    return seed / 4294967296;
  };
}
const rnd = prng(0xc0ffee);
const randomString = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const HEX = '0123456789abcdef';
const BASE64 = BASE62 + '+/';

describe('placeholders', () => {
  it.each([
    ['your-api-key-here'],
    ['YOUR_API_KEY'],
    ['yourApiKey'],
    ['YOUR_GITHUB_TOKEN'],
    ['<your-token>'],
    ['<REDACTED>'],
    ['[API_KEY]'],
    ['xxxx'],
    ['xxxxxxxxxxxxxxxxxxxxxxxx'],
    ['sk_live_xxxxxxxxxxxxxxxxxxxxxxxx'],
    ['********'],
    ['changeme'],
    ['change-me-in-production'],
    ['replace_me'],
    ['${API_KEY}'],
    ['${DB_PASSWORD:-postgres}'],
    ['$API_KEY'],
    ['$(cat /run/secrets/token)'],
    ['{{ .Values.apiKey }}'],
    ['${{ secrets.NPM_TOKEN }}'],
    ['%API_KEY%'],
    ['__API_KEY__'],
    ['@API_KEY@'],
    ['{password}'],
    ['sk_live_...'],
    ['ghp_…9f2c'],
    ['password'],
    ['password123'],
    ['admin'],
    ['secret'],
    ['test'],
    ['dummy-token-for-tests'],
    ['not-a-real-key'],
    ['django-insecure-7q2m5r8t1w4z'],
    ['aaaaaaaaaaaaaaaa'],
    ['abcabcabcabcabcabc'],
    ['process.env.API_KEY'],
    ['os.environ["API_KEY"]'],
    ['./certs/server.key'],
    ['~/.ssh/id_rsa'],
    ['/run/secrets/db_password'],
    ['$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW'],
    ['sha512-deadbeef'],
    ['AKIAIOSFODNN7EXAMPLE'],
    ['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
    ['sk_test_4eC39HqLyjWDarjtT1zdp7dc'],
    ['Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='],
    [
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
    ],
    ['2YotnFZFEjr1zCsicMWpAA'],
    [''],
  ])('%s is a placeholder', (value) => {
    expect(isPlaceholder(value)).toBe(true);
  });

  it.each([
    ['sk_live_51FAKEq8Hd2kLp0Zr7VbN3xTy9'],
    ['ghp_FAKE9aB3cD4eF5gH6iJ7kL8mN9oP0qR1sT2u'],
    ['FAKE'],
    ['FAKEFAKEFAKE9'],
    ['AKIAFAKE7Q2M5R8T1W4Z'],
    ['Tr0ub4dor&3'],
    ['correct-horse-battery-staple-42'],
    ['my2Fq8Lz0pWv7Nc4'], // starts with "my" but is random
    ['your9Qz7TbV2mK1x'], // starts with "your" but is random
    ['p4ssw0rd-Zq81-kLmx'],
    ['/K7MDENG/bPxRfiCYq1w2e3r4t5y6u7i8o9p0aZ'], // base64 may start with a slash
    ['xoxb-17653672481-19874698323-FAKEpdFZKVeTuE8sk'],
  ])('%s is not a placeholder', (value) => {
    expect(placeholderReason(value)).toBeNull();
  });

  it('says why a value was taken for a placeholder', () => {
    expect(placeholderReason('${API_KEY}')).toBe('template');
    expect(placeholderReason('AKIAIOSFODNN7EXAMPLE')).toBe('documented example');
    expect(placeholderReason('process.env.TOKEN')).toBe('code reference');
    expect(placeholderReason('your-api-key-here')).toBe('placeholder word');
    expect(placeholderReason('sk_live_****************abcd')).toBe('masked');
  });

  it('never takes a random key for a placeholder (3000 random base62/hex/base64 values)', () => {
    const flagged: string[] = [];
    for (let i = 0; i < 1000; i++) {
      for (const v of [randomString(BASE62, 20 + (i % 40)), randomString(HEX, 32 + (i % 33)), randomString(BASE64, 40 + (i % 48))]) {
        if (isPlaceholder(v) || isPlaceholder(`FAKE${v}`)) flagged.push(v);
      }
    }
    expect(flagged).toEqual([]);
  });
});

describe('real-code false-positive sources', () => {
  const set = compileRuleSet(loadRules());
  const ids = (text: string, path?: string) => detect(set, text, path).map((m) => m.rule.id);

  it('lockfiles: package names ending in pass and version specs are not passwords, anywhere or in a lockfile', () => {
    expect(ids('    minipass: "npm:^7.0.3"', 'yarn.lock')).toEqual([]);
    expect(ids('    minipass: "npm:^7.0.3"')).toEqual([]);
    expect(ids('  "fs-minipass": "^2.1.0",', 'package-lock.json')).toEqual([]);
    // A lockfile is skipped by the NAME=value rules even for a value that would otherwise count...
    expect(ids('db_password: "FAKEq8Zr2Wx5!"', 'pnpm-lock.yaml')).toEqual([]);
    // ...but a credential in a resolved URL is still found.
    expect(ids('  resolved "https://deploy:FAKEq8Zr2Wx5Lp7V@registry.fake.example/x/-/x-1.0.0.tgz"', 'yarn.lock')).toEqual(['generic-basic-auth-url']);
  });

  it('templates: Ansible/Jinja, ERB, Python %-format, SQL and @ parameters are not values', () => {
    for (const line of [
      'DB_PASSWORD={{ vault_db_password }}',
      'SMTP_PASSWORD=@SMTP_PASSWORD',
      'REDIS_PASSWORD=%(redis_password)s',
      'LDAP_PASSWORD=<%= @ldap_password %>',
      'api_key: "<your-api-key>-prod"',
    ]) {
      expect(ids(line), line).toEqual([]);
    }
  });

  it('a context word elsewhere in the file does not make a bare key a vendor key', () => {
    const text = `# dashboards: https://app.datadoghq.com\n\n\n\n\n\n\nsearch:\n  apiKey: "9f2c6a1e8b4d7035c2e9f1a6b8d4c0e7"\n`;
    expect(ids(text)).not.toContain('datadog-api-key');
  });

  it('Anthropic keys need their fixed AA suffix', () => {
    const key = `sk-ant-api03-FAKE${'q8Hd2kLp0Zr7VbN3xTy9wXa1b2c3d4e5'.repeat(3).slice(0, 89)}`;
    expect(ids(`ANTHROPIC_API_KEY=${key}AA`)).toContain('anthropic-api-key');
    expect(ids(`ANTHROPIC_API_KEY=${key}Ab`)).not.toContain('anthropic-api-key');
  });
});
