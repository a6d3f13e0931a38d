import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bindingConflicts, checkBinding, decideTrust, forgetTrust, grantTrust, readTrustRecord } from '../../src/trust/gate.js';
import { surfaceDigest, type TrustSurface } from '../../src/trust/surface.js';

// An admin credential, once trusted for one provider and issuer, stays pinned there: through a
// CREDCTL_TRUST that names a new surface, through a re-trust of a surface that no longer names
// it, and through `trust --forget`. And the trust record stays the user's private file.

const base = mkdtempSync(join(tmpdir(), 'credctl-gate-pins-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
function place(): { env: NodeJS.ProcessEnv; root: string } {
  const dir = join(base, String(n++));
  return { env: { CREDCTL_CONFIG_DIR: join(dir, 'config') }, root: join(dir, 'project') };
}
const recordFile = (env: NodeJS.ProcessEnv) => {
  const dir = join(env.CREDCTL_CONFIG_DIR!, 'trust');
  return join(dir, readdirSync(dir)[0]!);
};

const withSecrets = (secrets: TrustSurface['secrets']): TrustSurface => ({
  commands: [{ credential: 'DB_URL', command: 'psql -c "select 1"', env: ['DB_URL'] }],
  urls: [],
  secrets,
  github: null,
  settings: [],
});
const OPENAI = { entry: 'openai-admin', provider: 'openai', issuer: null };
const STRIPE = { entry: 'stripe-admin', provider: 'stripe', issuer: null };

describe('pins survive what could move them', () => {
  it('CREDCTL_TRUST naming a surface that moves a pinned entry does not unpin it', () => {
    const { env, root } = place();
    grantTrust(root, decideTrust(root, withSecrets([OPENAI]), env), { env });
    const moved = withSecrets([{ entry: 'openai-admin', provider: 'openai', issuer: 'https://issuer.example.test' }]);
    const d = decideTrust(root, moved, { ...env, CREDCTL_TRUST: surfaceDigest(moved) });
    expect(d.trusted).toBe(true);
    expect(() => checkBinding(d, 'openai-admin', 'openai', 'https://issuer.example.test')).toThrow(expect.objectContaining({ exitCode: 6 }));
    expect(() => checkBinding(d, 'openai-admin', 'openai', null)).not.toThrow();
  });

  it('an entry bound exactly as before is no conflict: re-trusting a changed surface keeps it', () => {
    const { env, root } = place();
    grantTrust(root, decideTrust(root, withSecrets([OPENAI]), env), { env });
    const changed = { ...withSecrets([OPENAI]), urls: [{ use: 'health check of DB_URL', url: 'https://health.example.test/', sends: 'nothing' }] };
    const d = decideTrust(root, changed, env);
    expect(d.trusted).toBe(false);
    expect(bindingConflicts(d)).toEqual([]);
    expect(grantTrust(root, d, { env }).bindings).toEqual({ 'openai-admin': { provider: 'openai', issuer: null } });
  });

  it('re-trusting a surface that no longer names a pinned entry keeps its pin for later', () => {
    const { env, root } = place();
    grantTrust(root, decideTrust(root, withSecrets([OPENAI]), env), { env });
    grantTrust(root, decideTrust(root, withSecrets([STRIPE]), env), { env });
    expect(readTrustRecord(root, env)?.bindings).toEqual({
      'openai-admin': { provider: 'openai', issuer: null },
      'stripe-admin': { provider: 'stripe', issuer: null },
    });
    const back = decideTrust(root, withSecrets([{ ...OPENAI, provider: 'anthropic' }]), env);
    expect(() => grantTrust(root, back, { env })).toThrow(expect.objectContaining({ exitCode: 6 }));
  });

  it('trusted through CREDCTL_TRUST alone, every entry the surface names passes, not only when all match', () => {
    const { env, root } = place();
    const s = withSecrets([OPENAI, STRIPE]);
    const d = decideTrust(root, s, { ...env, CREDCTL_TRUST: surfaceDigest(s) });
    expect(d.record).toBeUndefined();
    expect(() => checkBinding(d, 'openai-admin', 'openai', null)).not.toThrow();
    expect(() => checkBinding(d, 'stripe-admin', 'stripe', null)).not.toThrow();
  });
});

describe('the record file', () => {
  it('granted and forgotten, it is owner-only (0600) text ending in a newline', () => {
    const { env, root } = place();
    grantTrust(root, decideTrust(root, withSecrets([OPENAI]), env), { env });
    const path = recordFile(env);
    expect(readFileSync(path, 'utf8').endsWith('}\n')).toBe(true);
    expect(forgetTrust(root, env)).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8').endsWith('}\n')).toBe(true);
    expect(decideTrust(root, withSecrets([OPENAI]), env).trusted).toBe(false);
  });
});
