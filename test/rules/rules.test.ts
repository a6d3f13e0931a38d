import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadRules, providersDir } from '../../src/providers/rules.js';
import { compileRuleSet, detect } from '../../src/scan/detect.js';

// Properties every shipped rule must have, beyond its own examples (test/providers/rules.test.ts).
const rules = loadRules();
const set = compileRuleSet(rules);
const byId = new Map(rules.map((r) => [r.id, r]));

describe('shipped rules', () => {
  it('cover at least 220 credential types from at least 120 providers', () => {
    expect(rules.length).toBeGreaterThanOrEqual(220);
    expect(new Set(rules.map((r) => r.provider)).size).toBeGreaterThanOrEqual(120);
  });

  it('include every credential type the scan issue requires', () => {
    const required = [
      'aws-access-key-id',
      'aws-secret-access-key',
      'github-classic-pat',
      'github-fine-grained-pat',
      'github-app-token',
      'github-oauth-token',
      'github-refresh-token',
      'gitlab-pat',
      'stripe-secret-key',
      'stripe-restricted-key',
      'stripe-webhook-secret',
      'openai-project-key',
      'openai-service-account-key',
      'openai-admin-key',
      'openai-legacy-key',
      'anthropic-api-key',
      'anthropic-admin-key',
      'slack-bot-token',
      'slack-user-token',
      'slack-app-token',
      'slack-webhook-url',
      'twilio-account-sid',
      'twilio-auth-token',
      'twilio-api-key',
      'sendgrid-api-key',
      'mailgun-api-key',
      'google-api-key',
      'google-service-account-key',
      'azure-storage-connection-string',
      'npm-access-token',
      'pypi-api-token',
      'docker-hub-pat',
      'heroku-api-key',
      'shopify-access-token',
      'shopify-shared-secret',
      'shopify-custom-app-token',
      'shopify-private-app-token',
      'vercel-token',
      'netlify-access-token',
      'cloudflare-api-token',
      'cloudflare-global-api-key',
      'datadog-api-key',
      'datadog-app-key',
      'posthog-project-key',
      'posthog-personal-key',
      'discord-bot-token',
      'discord-webhook-url',
      'telegram-bot-token',
      'huggingface-access-token',
      'replicate-api-token',
      'postgres-connection-url',
      'mysql-connection-url',
      'mongodb-connection-url',
      'redis-connection-url',
      'rabbitmq-connection-url',
      'pki-rsa-private-key',
      'pki-ec-private-key',
      'pki-dsa-private-key',
      'pki-openssh-private-key',
      'pki-pkcs8-private-key',
      'pki-encrypted-private-key',
      'pki-pgp-private-key',
      'generic-jwt',
      'generic-basic-auth-url',
      'npmrc-auth-token',
      'generic-netrc-credentials',
      'pypirc-password',
      'docker-config-auth',
      'kubernetes-kubeconfig-token',
      'kubernetes-client-key-data',
      'generic-secret-assignment',
      'generic-password-assignment',
      'example-issuer-key',
    ];
    expect(required.filter((id) => !byId.has(id))).toEqual([]);
  });

  it('live in a folder per provider, with ids that start with the provider id', () => {
    const folders = readdirSync(providersDir());
    for (const r of rules) {
      expect(folders).toContain(r.provider);
      expect(r.id.startsWith(r.provider), r.id).toBe(true);
    }
  });

  it('each have prefilter keywords and a name', () => {
    // Only a rule bound to a few files (a .pgpass, a Rails master.key) may run there without one.
    expect(rules.filter((r) => r.keywords.length === 0 && !r.paths).map((r) => r.id)).toEqual([]);
    expect(rules.filter((r) => r.name === r.id).map((r) => r.id)).toEqual([]);
  });

  it('pair only with rules that exist (AWS secret with its key id, Twilio token with its SID)', () => {
    for (const r of rules) if (r.pairs) expect(byId.has(r.pairs), `${r.id} pairs ${r.pairs}`).toBe(true);
    expect(byId.get('aws-secret-access-key')!.pairs).toBe('aws-access-key-id');
  });

  it('generic rules capture the assigned name and are never high confidence', () => {
    for (const id of ['generic-secret-assignment', 'generic-password-assignment']) {
      const r = byId.get(id)!;
      expect(r.nameGroup).toBeDefined();
      expect(r.confidence).not.toBe('high');
    }
    expect(detect(set, 'INTERNAL_API_KEY=FAKEq8Hd2kLp0Zr7VbN3xTy9wX')[0]).toMatchObject({ name: 'INTERNAL_API_KEY' });
  });

  it('report the offset of the secret itself (the password inside a URL, not the URL)', () => {
    for (const r of rules) {
      for (const ex of r.examples.positive) {
        for (const m of detect(set, ex, r.examplePath)) {
          if (!m.encoding) expect(ex.slice(m.index, m.index + m.value.length), `${r.id}: ${ex.slice(0, 40)}`).toBe(m.value);
        }
      }
    }
    const [m] = detect(set, 'DATABASE_URL=postgres://app:FAKEpw8Hd2kLp0Zr@db.fake:5432/app');
    expect(m).toMatchObject({ value: 'FAKEpw8Hd2kLp0Zr' });
    expect(m!.rule.id).toBe('postgres-connection-url');
  });

  it('find every positive example with Windows line endings too', () => {
    const missed: string[] = [];
    for (const r of rules) {
      for (const ex of r.examples.positive) {
        const crlf = `first line\r\n${ex.replace(/\n/g, '\r\n')}\r\n`;
        if (!detect(set, crlf, r.examplePath).some((m) => m.rule.id === r.id)) missed.push(`${r.id}: ${ex.slice(0, 40)}`);
      }
    }
    expect(missed).toEqual([]);
  });

  it('tell live from test keys by their form', () => {
    const env = (text: string) => detect(set, text)[0]?.environment;
    expect(env('sk_live_51FAKEq8Hd2kLp0Zr7VbN3xTy9')).toBe('live');
    expect(env('rk_test_51FAKEq8Hd2kLp0Zr7VbN3xTy9')).toBe('test');
    expect(env('ccx_live_FAKEq8Hd2kLp0Zr7VbN3xTy9wXa1b2c3')).toBe('live');
    expect(env('ccx_test_FAKEq8Hd2kLp0Zr7VbN3xTy9wXa1b2c3')).toBe('test');
  });

  it('match the reference issuer key format exactly: ccx_live_/ccx_test_ + 32 base62', () => {
    const ids = (t: string) => detect(set, t).map((m) => m.rule.id);
    expect(ids('k=ccx_live_FAKEq8Hd2kLp0Zr7VbN3xTy9wXa1b2c3')).toContain('example-issuer-key');
    expect(ids('k=ccx_live_FAKEq8Hd2kLp0Zr7VbN3xTy9wXa1b2c')).not.toContain('example-issuer-key');
    expect(ids('k=ccx_live_FAKEq8Hd2kLp0Zr7VbN3xTy9wXa1b2c3d')).not.toContain('example-issuer-key');
    expect(ids('k=ccx_prod_FAKEq8Hd2kLp0Zr7VbN3xTy9wXa1b2c3')).not.toContain('example-issuer-key');
  });

  it('prefer the specific rule over the generic one on the same value', () => {
    const [m] = detect(set, 'STRIPE_SECRET_KEY=sk_live_51FAKEq8Hd2kLp0Zr7VbN3xTy9');
    expect(m!.rule.id).toBe('stripe-secret-key');
    const [k] = detect(
      set,
      'apiVersion: v1\nkind: Config\nusers:\n- name: a\n  user:\n    token: eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJGQUtFLWNpIn0.FAKEq8Hd2kLp0Zr7VbN3xTy9wXa1b2c3d4\n',
    );
    expect(k!.rule.id).toBe('kubernetes-kubeconfig-token');
  });

  it('need context for bare random strings (an AWS secret is a 40-char base64 string only next to its name)', () => {
    const bare = 'FAKEq8Hd2kLp0Zr7VbN3xTy9wXa1b2c3d4e5f6g7';
    expect(detect(set, `checksum: ${bare}`).map((m) => m.rule.id)).not.toContain('aws-secret-access-key');
    expect(detect(set, `aws_secret_access_key = ${bare}`).map((m) => m.rule.id)).toContain('aws-secret-access-key');
  });

  it('run in linear time on adversarial input (no catastrophic backtracking)', () => {
    const body = ['a', 'A', '0', '-', '_', ' ', '\n', 'a1', 'aB3+/', 'a.', 'a:', 'a@', '"a', '\\n', '='].map((p) => p.repeat(20_000 / p.length));
    const prefixes = [
      '',
      'API_KEY="',
      'password: ',
      'https://',
      'postgres://',
      'redis://:',
      '-----BEGIN RSA PRIVATE KEY-----',
      '-----BEGIN PGP PRIVATE KEY BLOCK-----',
      'eyJ',
      'machine x ',
      '[pypi]\n',
      '"private_key": "-----BEGIN PRIVATE KEY-----',
      'PuTTY-User-Key-File-2: a\nEncryption: b',
    ];
    const slow: string[] = [];
    for (const r of rules) {
      const t0 = performance.now();
      for (const p of prefixes) {
        for (const b of body) {
          r.regex.lastIndex = 0;
          for (let n = 0; n < 1000 && r.regex.exec(p + b); n++);
        }
      }
      r.regex.lastIndex = 0;
      // Each rule sees 195 inputs of 20 kB; linear rules take a few ms, backtracking ones seconds.
      const ms = performance.now() - t0;
      if (ms > 1500) slow.push(`${r.id} ${ms.toFixed(0)}ms`);
    }
    expect(slow).toEqual([]);
  });
});
