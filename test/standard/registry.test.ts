import { wire } from '../../src/integrations/providers.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadProviders } from '../../src/providers/registry.js';
import { referenceManifest, referencePermissions } from '../../src/issuer/manifest.js';
import { validateManifest } from '../../src/providers/manifest.js';

const REQUIRED = [
  'github',
  'aws',
  'stripe',
  'openai',
  'anthropic',
  'slack',
  'twilio',
  'sendgrid',
  'cloudflare',
  'vercel',
  'netlify',
  'datadog',
  'npm',
  'postgres',
  'posthog',
  'example',
];
const tmp: string[] = [];
afterAll(() => {
  for (const d of tmp) rmSync(d, { recursive: true, force: true });
});

describe('provider registry', () => {
  const all = loadProviders();

  it('has every required built-in entry, each with a schema-valid manifest and permission schema', () => {
    for (const id of REQUIRED) {
      const p = all.find((e) => e.id === id);
      expect(p, id).toBeDefined();
      expect(p!.manifest, id).toBeDefined();
      expect(p!.permissions?.scopes.length, id).toBeGreaterThan(0);
      expect(p!.envNames.length, id).toBeGreaterThan(0);
    }
  });

  it('says "manual" with a dashboard link where the vendor has no API, and the documented limits', () => {
    const get = (id: string) => all.find((p) => p.id === id)!;
    expect(get('github').support.create).toBe('manual');
    expect(get('github').manifest!.manual_operations!.create!.url).toMatch(/^https:\/\/github\.com\/settings\//);
    expect(get('stripe').support).toMatchObject({ create: 'manual', rotate: 'manual', revoke: 'manual' });
    expect(get('aws').support).toMatchObject({ create: 'api', revoke: 'api', deactivate: 'api' });
    expect(get('aws').manifest!.max_concurrent_credentials).toBe(2);
    expect(get('postgres').manifest!.rotation_strategy).toBe('alternating_users');
    expect(get('postgres').adapter).toEqual({ module: 'postgres' });
    // What is wired decides what can be planned: a manifest's 'api' with no integration behind it is a person's job.
    const wired = (id: string) => wire(get(id));
    expect(wired('postgres').capabilities).toMatchObject({ verify: 'api', rotate: 'api', revoke: 'api' });
    expect(wired('postgres').integration?.rotate?.strategy).toBe('alternating-users');
    // Every manual operation names where to do it.
    for (const p of all) for (const step of Object.values(p.manifest?.manual_operations ?? {})) expect(step!.url).toMatch(/^https:\/\//);
  });

  it('points example at the reference issuer, with a snapshot equal to what the server publishes', () => {
    const example = all.find((p) => p.id === 'example')!;
    expect(example.source).toBe('published');
    expect(example.issuer).toBe('http://127.0.0.1:8787');
    expect(example.adapter).toEqual({ module: 'standard' });
    expect(wire(example).capabilities).toEqual({ verify: 'api', analyze: 'api', rotate: 'api', revoke: 'api' });
    expect(example.manifest).toEqual(referenceManifest('http://127.0.0.1:8787'));
    expect(example.permissions!.scopes).toEqual(referencePermissions('http://127.0.0.1:8787').scopes);
  });

  it('describes the same key form as the example rule: ccx_live_/ccx_test_ + 32 base62', () => {
    const patterns = all.find((p) => p.id === 'example')!.manifest!.credential_patterns!.map((p) => new RegExp(p.regex));
    const matches = (v: string) => patterns.some((re) => re.test(v));
    expect(matches('ccx_live_FAKE0123456789abcdefghijklmnopqr')).toBe(true);
    expect(matches('ccx_test_FAKE0123456789abcdefghijklmnopqr')).toBe(true);
    expect(matches('ccx_live_FAKE0123456789abcdefghijklmnopq')).toBe(false);
    expect(matches('ccx_prod_FAKE0123456789abcdefghijklmnopqr')).toBe(false);
  });

  it('lets credctl.yaml override an issuer, tolerates rules-only folders, and rejects a bad provider.yaml precisely', () => {
    const dir = mkdtempSync(join(tmpdir(), 'credctl-reg-'));
    tmp.push(dir);
    mkdirSync(join(dir, 'onlyrules'));
    writeFileSync(join(dir, 'onlyrules', 'rules.yaml'), 'provider: onlyrules\nrules: []\n');
    mkdirSync(join(dir, 'pub'));
    writeFileSync(join(dir, 'pub', 'provider.yaml'), 'id: pub\nname: Pub\nissuer: https://issuer.example\n');
    // credctl.yaml's providers.pub.issuer, once trusted (src/project/context.ts projectProviders).
    const list = loadProviders({ dir, overrides: { pub: 'http://127.0.0.1:9999' } });
    expect(list.map((p) => [p.id, p.source, p.support.create])).toEqual([
      ['onlyrules', 'none', 'none'],
      ['pub', 'published', 'none'],
    ]);
    expect(list[1]!.issuer).toBe('http://127.0.0.1:9999');

    mkdirSync(join(dir, 'bad'));
    writeFileSync(join(dir, 'bad', 'provider.yaml'), 'id: bad\nname: Bad\nmanifest:\n  issuer: https://x.example\n  supported_operations: [create, rotat]\n');
    expect(() => loadProviders({ dir })).toThrow(
      /providers\/bad\/provider\.yaml: manifest is not a valid credential-issuer manifest: supported_operations\[1\]: unknown operation "rotat"/,
    );
  });

  it('validates a hand-written manifest with precise messages', () => {
    expect(() => validateManifest({ issuer: 'https://a.example/path?tenant=1', supported_operations: [] }, { source: 'm' })).toThrow(
      /issuer: must be an origin/,
    );
    expect(() => validateManifest({ issuer: 'http://a.example', supported_operations: [] }, { source: 'm' })).toThrow(/issuer: must use https/);
    expect(() =>
      validateManifest(
        { issuer: 'https://a.example', supported_operations: ['create'], manual_operations: { create: { url: 'https://a.example' } } },
        { source: 'm' },
      ),
    ).toThrow(/manual_operations.create: also listed in supported_operations/);
    expect(() =>
      validateManifest({ issuer: 'https://a.example', supported_operations: [], manual_operations: { rotat: { url: 'https://a.example' } } }, { source: 'm' }),
    ).toThrow(/manual_operations: unknown operation "rotat"/);
    expect(() => validateManifest({ issuer: 'https://a.example', supported_operations: [], max_concurrent_credentials: 0 }, { source: 'm' })).toThrow(
      /max_concurrent_credentials: must be >= 1/,
    );
  });
});

describe('ttl parsing for `issuer mint --ttl`', () => {
  it('accepts seconds and s/m/h/d/w, rejects the rest with a usage error', async () => {
    const { parseTtl } = await import('../../src/issuer/ttl.js');
    expect([parseTtl('90s'), parseTtl('30m'), parseTtl('1h'), parseTtl('7d'), parseTtl('2w')]).toEqual([90, 1800, 3600, 604800, 1209600]);
    expect(() => parseTtl('1 hour')).toThrow(/--ttl must be a duration/);
    expect(() => parseTtl('90')).toThrow(/--ttl needs a unit/);
    expect(() => parseTtl('0s')).toThrow(/--ttl must be at least 1s/);
    expect(() => parseTtl('1500ms')).toThrow(/whole number of seconds/);
  });
});

describe('scanner agreement', () => {
  it("the example provider's detection rules recognise keys the reference issuer mints", async () => {
    const { loadRules } = await import('../../src/providers/rules.js');
    const { newCredentialValue } = await import('../../src/issuer/keys.js');
    const rules = loadRules().filter((r) => r.provider === 'example');
    expect(rules.length).toBeGreaterThan(0);
    for (const env of ['live', 'test'] as const) {
      const value = newCredentialValue(env);
      const text = `EXAMPLE_API_KEY=${value}\n`;
      expect(
        rules.some((r) => {
          r.regex.lastIndex = 0;
          return r.regex.exec(text)?.[r.secretGroup] === value;
        }),
      ).toBe(true);
    }
  });
});
