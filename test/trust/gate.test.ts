import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkBinding, configDir, decideTrust, ensureTrusted, forgetTrust, grantTrust, readTrustRecord, type TrustDecision } from '../../src/trust/gate.js';
import { surfaceDigest, type TrustSurface } from '../../src/trust/surface.js';

// The trust gate: what a repository's credctl.yaml asks for (commands, URLs, stored secrets) is
// done only once the user trusted that exact surface for that exact real path, and an admin
// credential, once trusted for one provider and issuer, goes nowhere else.

const base = mkdtempSync(join(tmpdir(), 'credctl-gate-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
/** A fresh config directory (where trust records live) and project path. */
function place(): { env: NodeJS.ProcessEnv; root: string } {
  const dir = join(base, String(n++));
  return { env: { CREDCTL_CONFIG_DIR: join(dir, 'config') }, root: join(dir, 'project') };
}

const EMPTY: TrustSurface = { commands: [], urls: [], secrets: [], github: null, settings: [] };
const surface = (over: Partial<TrustSurface> = {}): TrustSurface => ({
  ...EMPTY,
  commands: [{ credential: 'DB_URL', command: 'psql -c "select 1"', env: ['DB_URL'] }],
  secrets: [{ entry: 'openai-admin', provider: 'openai', issuer: null }],
  ...over,
});

describe('deciding', () => {
  it('a surface that asks for nothing needs no trust', () => {
    const { env, root } = place();
    expect(decideTrust(root, EMPTY, env)).toMatchObject({ trusted: true, empty: true, reason: 'credctl.yaml asks for nothing that needs trust' });
  });

  it('a surface never trusted here is not trusted', () => {
    const { env, root } = place();
    const d = decideTrust(root, surface(), env);
    expect(d).toMatchObject({ trusted: false, empty: false, reason: 'never trusted here', digest: surfaceDigest(surface()) });
    expect(d.record).toBeUndefined();
  });

  it('once granted it is trusted, for that path only, until the surface changes', () => {
    const { env, root } = place();
    grantTrust(root, decideTrust(root, surface(), env), { env });
    const now = decideTrust(root, surface(), env);
    expect(now.trusted).toBe(true);
    expect(now.reason).toMatch(/^trusted on \d{4}-\d{2}-\d{2}$/);
    expect(decideTrust(`${root}-other`, surface(), env).trusted).toBe(false);
    const changed = decideTrust(root, surface({ commands: [{ credential: 'DB_URL', command: 'curl evil.example.test', env: ['DB_URL'] }] }), env);
    expect(changed).toMatchObject({ trusted: false, reason: 'credctl.yaml changed since you trusted it' });
    expect(changed.record?.digest).toBe(surfaceDigest(surface()));
  });

  it('CREDCTL_TRUST trusts exactly the digest it names, nothing else', () => {
    const { env, root } = place();
    const digest = surfaceDigest(surface());
    expect(decideTrust(root, surface(), { ...env, CREDCTL_TRUST: ` ${digest} ` })).toMatchObject({ trusted: true, reason: 'CREDCTL_TRUST matches' });
    expect(decideTrust(root, surface(), { ...env, CREDCTL_TRUST: 'sha256:0000' }).trusted).toBe(false);
    expect(decideTrust(root, surface(), { ...env, CREDCTL_TRUST: '' }).trusted).toBe(false);
  });

  it('a damaged record, or one written for another path, counts as none', () => {
    const { env, root } = place();
    grantTrust(root, decideTrust(root, surface(), env), { env });
    const dir = join(configDir(env), 'trust');
    const file = join(dir, readdirSync(dir)[0]!);
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, '{not json');
    expect(readTrustRecord(root, env)).toBeUndefined();
    expect(decideTrust(root, surface(), env).trusted).toBe(false);
    writeFileSync(file, good.replace(JSON.stringify(root), JSON.stringify('/somewhere/else')));
    expect(readTrustRecord(root, env)).toBeUndefined();
    writeFileSync(file, JSON.stringify({ ...JSON.parse(good), digest: 7 }));
    expect(readTrustRecord(root, env)).toBeUndefined();
    writeFileSync(file, JSON.stringify({ ...JSON.parse(good), bindings: undefined }));
    expect(readTrustRecord(root, env)?.bindings).toEqual({});
  });
});

describe('the record', () => {
  it('lives in the user config directory, owner-only, and holds the surface and bindings', () => {
    const { env, root } = place();
    const record = grantTrust(root, decideTrust(root, surface(), env), { env });
    expect(record).toMatchObject({
      root,
      digest: surfaceDigest(surface()),
      surface: surface(),
      bindings: { 'openai-admin': { provider: 'openai', issuer: null } },
    });
    const dir = join(configDir(env), 'trust');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const [file] = readdirSync(dir);
    expect(file).toMatch(/^[0-9a-f]{32}\.json$/);
    expect(statSync(join(dir, file!)).mode & 0o777).toBe(0o600);
    expect(readTrustRecord(root, env)).toEqual(record);
  });

  it('configDir: CREDCTL_CONFIG_DIR, else XDG_CONFIG_HOME/credctl, else ~/.config/credctl', () => {
    expect(configDir({ CREDCTL_CONFIG_DIR: '/c', XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe('/c');
    expect(configDir({ XDG_CONFIG_HOME: '/x', HOME: '/h' })).toBe('/x/credctl');
    expect(configDir({ HOME: '/h' })).toBe('/h/.config/credctl');
  });

  it('forgetting keeps the bindings (a re-trust cannot silently move an admin key) but trusts nothing', () => {
    const { env, root } = place();
    expect(forgetTrust(root, env)).toBe(false);
    grantTrust(root, decideTrust(root, surface(), env), { env });
    expect(forgetTrust(root, env)).toBe(true);
    const after = decideTrust(root, surface(), env);
    expect(after.trusted).toBe(false);
    expect(after.record?.bindings).toEqual({ 'openai-admin': { provider: 'openai', issuer: null } });
    const moved = surface({ secrets: [{ entry: 'openai-admin', provider: 'openai', issuer: 'https://evil.example.test' }] });
    expect(() => grantTrust(root, decideTrust(root, moved, env), { env })).toThrow(expect.objectContaining({ exitCode: 6 }));
  });
});

describe('admin credentials are bound to where they were trusted to go', () => {
  const trustedFor = (s: TrustSurface): { decision: TrustDecision; env: NodeJS.ProcessEnv; root: string } => {
    const { env, root } = place();
    grantTrust(root, decideTrust(root, s, env), { env });
    return { decision: decideTrust(root, s, env), env, root };
  };

  it('the bound provider and issuer pass; another provider or issuer is refused and names both', () => {
    const { decision } = trustedFor(surface());
    expect(() => checkBinding(decision, 'openai-admin', 'openai', null)).not.toThrow();
    for (const [provider, issuer] of [
      ['anthropic', null],
      ['openai', 'https://evil.example.test'],
    ] as const) {
      expect(() => checkBinding(decision, 'openai-admin', provider, issuer)).toThrow(
        expect.objectContaining({
          exitCode: 6,
          message: `store:openai-admin is pinned to openai at its built-in address; refusing to send it to ${provider} at ${issuer ?? 'its built-in address'}`,
        }),
      );
    }
  });

  it('an entry never trusted as an admin credential is refused', () => {
    const { decision } = trustedFor(surface());
    expect(() => checkBinding(decision, 'other', 'openai', null)).toThrow(
      expect.objectContaining({ exitCode: 6, message: 'store:other is not trusted as the admin credential of openai' }),
    );
  });

  it('trusted through CREDCTL_TRUST (no record), the digest pins exactly the bindings the surface names', () => {
    const { env, root } = place();
    const s = surface();
    const d = decideTrust(root, s, { ...env, CREDCTL_TRUST: surfaceDigest(s) });
    expect(() => checkBinding(d, 'openai-admin', 'openai', null)).not.toThrow();
    expect(() => checkBinding(d, 'openai-admin', 'openai', 'https://evil.example.test')).toThrow(expect.objectContaining({ exitCode: 6 }));
    expect(() => checkBinding(d, 'openai-admin', 'anthropic', null)).toThrow(expect.objectContaining({ exitCode: 6 }));
    const untrusted = decideTrust(root, s, env);
    expect(() => checkBinding(untrusted, 'openai-admin', 'openai', null)).toThrow(expect.objectContaining({ exitCode: 6 }));
  });

  it('trusting a surface that moves a bound entry is refused unless that entry is rebound', () => {
    const { env, root } = trustedFor(surface());
    const moved = surface({
      secrets: [
        { entry: 'openai-admin', provider: 'openai', issuer: 'https://proxy.example.test' },
        { entry: 'new-admin', provider: 'stripe', issuer: null },
      ],
    });
    const d = decideTrust(root, moved, env);
    expect(() => grantTrust(root, d, { env })).toThrow(
      expect.objectContaining({
        exitCode: 6,
        message: 'credctl.yaml would send store:openai-admin to openai at https://proxy.example.test, but it is pinned to openai at its built-in address',
        hint: expect.stringContaining('credctl trust --rebind openai-admin'),
      }),
    );
    expect(() => grantTrust(root, d, { env, rebind: ['new-admin'] })).toThrow(expect.objectContaining({ exitCode: 6 }));
    const record = grantTrust(root, d, { env, rebind: ['openai-admin'] });
    expect(record.bindings).toEqual({
      'openai-admin': { provider: 'openai', issuer: 'https://proxy.example.test' },
      'new-admin': { provider: 'stripe', issuer: null },
    });
  });
});

describe('ensureTrusted', () => {
  it('a trusted decision goes ahead without asking', async () => {
    const { env, root } = place();
    const d = decideTrust(root, EMPTY, env);
    expect(await ensureTrusted(root, d, { noInput: true, env, what: 'rotating', ask: async () => Promise.reject(new Error('asked')) })).toBe(d);
  });

  it('without a terminal it refuses (exit 6), says what needed trust, why, and the digest for CI', async () => {
    const { env, root } = place();
    const d = decideTrust(root, surface(), env);
    await expect(ensureTrusted(root, d, { noInput: true, env, what: 'rotating credentials' })).rejects.toMatchObject({
      exitCode: 6,
      message: expect.stringMatching(/^rotating credentials needs credctl.yaml to be trusted in this project \(never trusted here\)/),
      hint: expect.stringContaining(`CREDCTL_TRUST=${d.digest}`),
    });
    expect(readTrustRecord(root, env)).toBeUndefined();
  });

  it('asked, a yes records trust; the question shows the surface and any binding it would move', async () => {
    const { env, root } = place();
    grantTrust(root, decideTrust(root, surface(), env), { env });
    const moved = surface({ secrets: [{ entry: 'openai-admin', provider: 'anthropic', issuer: null }] });
    let shown: string[] = [];
    const out = await ensureTrusted(root, decideTrust(root, moved, env), {
      noInput: false,
      env,
      what: 'rotating',
      rebind: ['openai-admin'],
      ask: async (lines) => {
        shown = lines;
        return true;
      },
    });
    expect(shown[0]).toBe(`credctl.yaml in ${root} asks credctl to:`);
    expect(shown.join('\n')).toContain('psql -c "select 1"');
    expect(shown).toContain('!! store:openai-admin was pinned to openai at its built-in address and would now go to anthropic at its built-in address');
    expect(out).toMatchObject({ trusted: true, reason: 'trusted just now' });
    expect(decideTrust(root, moved, env).trusted).toBe(true);
  });

  it('asked, a no refuses (exit 6) and records nothing', async () => {
    const { env, root } = place();
    await expect(
      ensureTrusted(root, decideTrust(root, surface(), env), { noInput: false, env, what: 'rotating', ask: async () => false }),
    ).rejects.toMatchObject({
      exitCode: 6,
      message: 'credctl.yaml not trusted; nothing was done',
    });
    expect(readTrustRecord(root, env)).toBeUndefined();
  });
});
