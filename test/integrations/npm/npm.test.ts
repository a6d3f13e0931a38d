import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrationNamed } from '../../../src/integrations/registry.js';
import { contextFor, keptAnswers } from '../context.js';
import { startNpm, type NpmStandIn } from './standin.js';

// Obviously fake, shaped like npm_ tokens (providers/npm/rules.yaml: npm_ + 36 alphanumerics).
const PUBLISH = 'npm_P1FAKE0123456789abcdefFAKE01234567ab';
const READONLY = 'npm_R1FAKE0123456789abcdefFAKE01234567cd';
const SHARED_A = 'npm_SHfake0000000000000000000000000000a1';
const SHARED_B = 'npm_SHfake0000000000000000000000000000b2';
const NO_RIGHTS = 'npm_G1FAKE0123456789abcdefFAKE01234567ef';
const UNKNOWN = 'npm_FAKE000000000000000000000000000dead0';
const ALL = [PUBLISH, READONLY, SHARED_A, SHARED_B, NO_RIGHTS, UNKNOWN];

const npm = integrationNamed('npm')!;
let api: NpmStandIn;
const ctx = () => contextFor('npm', api.url);
const { seen, keep, failure } = keptAnswers();

beforeAll(async () => {
  api = await startNpm({
    [PUBLISH]: { username: 'fake-publisher', automation: true, cidr: ['192.0.2.0/24'] },
    [READONLY]: { username: 'fake-publisher', readonly: true },
    [SHARED_A]: { username: 'fake-shared' },
    [SHARED_B]: { username: 'fake-shared' },
    [NO_RIGHTS]: { username: 'fake-granular', cannotManageTokens: true },
  });
});
afterAll(() => api.close());

describe('npm verify against the registry stand-in', () => {
  it('fixtures match the detection rule', () => {
    for (const t of ALL) expect(t).toMatch(/^npm_[0-9A-Za-z]{36}$/);
  });

  it('a live token names its account, sent as a Bearer token', async () => {
    expect(keep(await npm.verify!({ value: PUBLISH }, ctx()))).toMatchObject({
      status: 'live',
      identity: { principal: 'fake-publisher', kind: 'access token' },
    });
    expect(api.requests.at(-1)!.headers.authorization).toBe(`Bearer ${PUBLISH}`);
  });

  it('an unknown token is dead, with the registry words', async () => {
    const v = keep(await npm.verify!({ value: UNKNOWN }, ctx()));
    expect(v.status).toBe('dead');
    expect(v.reason).toContain('Unauthorized');
  });

  it('429, 5xx and a malformed body are unknown; a 403 is live but not allowed', async () => {
    api.misbehave({ kind: 'status', status: 429 }, { count: 2 });
    expect(keep(await npm.verify!({ value: PUBLISH }, ctx())).status).toBe('unknown');
    api.misbehave({ kind: 'status', status: 503 }, { count: 2 });
    expect(keep(await npm.verify!({ value: PUBLISH }, ctx())).status).toBe('unknown');
    api.misbehave({ kind: 'malformed' });
    expect(keep(await npm.verify!({ value: PUBLISH }, ctx())).status).toBe('unknown');
    api.misbehave({ kind: 'status', status: 403, message: 'Forbidden from this address' });
    expect(keep(await npm.verify!({ value: PUBLISH }, ctx())).status).toBe('live');
  });
});

describe('npm analyze', () => {
  it('a publish token with automation and a CIDR limit', async () => {
    const a = keep(await npm.analyze!({ value: PUBLISH }, ctx()));
    expect(a.complete).toBe(false);
    expect(a.note).toContain('granular');
    expect(a.grants).toEqual([
      expect.objectContaining({ scope: 'publish', risk: 'write', resource: 'from 192.0.2.0/24' }),
      expect.objectContaining({ scope: 'automation', risk: 'write' }),
    ]);
  });

  it('a read-only token is read', async () => {
    expect(keep(await npm.analyze!({ value: READONLY }, ctx())).grants).toEqual([expect.objectContaining({ scope: 'read-only', risk: 'read' })]);
  });

  it('follows the list paging', async () => {
    const many = Array.from({ length: 120 }, (_, i) => `npm_FAKEpage${String(i).padStart(4, '0')}0000000000000000000000zz`);
    for (const t of many) api.tokens.set(t, { username: 'fake-pager' });
    const target = 'npm_PGfake0000000000000000000000000000zz';
    api.tokens.set(target, { username: 'fake-pager', readonly: true });
    expect((await npm.analyze!({ value: target }, ctx())).grants[0]).toMatchObject({ scope: 'read-only' });
    expect(api.requests.filter((r) => r.path === '/-/npm/v1/tokens' && r.headers.authorization === `Bearer ${target}`).map((r) => r.query.get('page'))).toEqual(
      ['0', '1'],
    );
  });

  it('two tokens sharing a visible prefix are not guessed between', async () => {
    const a = keep(await npm.analyze!({ value: SHARED_A }, ctx()));
    expect(a).toMatchObject({ grants: [], complete: false });
    expect(a.note).toContain('share');
  });

  it('a token that may not manage tokens: exit 5 with where to go instead', async () => {
    const e = await failure(npm.analyze!({ value: NO_RIGHTS }, ctx()));
    expect(e).toMatchObject({ exitCode: 5 });
    expect((e as any).hint).toContain('npmjs.com/settings');
  });
});

describe('npm revoke', () => {
  it('deletes by the key found in the list, and the token then stops working', async () => {
    const victim = 'npm_V1FAKE0123456789abcdefFAKE01234567gh';
    api.tokens.set(victim, { username: 'fake-publisher' });
    expect(npm.revoke).toMatchObject({ needsAdmin: false });
    expect(keep(await npm.revoke!.run({ value: victim }, ctx()))).toBe('revoked');
    expect(api.deletes.at(-1)).toBe(`/-/npm/v1/tokens/token/${api.keyOf(victim)}`);
    expect(keep(await npm.verify!({ value: victim }, ctx())).status).toBe('dead');
    expect(await npm.revoke!.run({ value: victim }, ctx())).toBe('already');
    // The other tokens of the account are untouched.
    expect(api.tokens.has(PUBLISH) && api.tokens.has(READONLY)).toBe(true);
  });

  it('when the visible prefix is shared, passes the full token (as npm token revoke does) and removes only that one', async () => {
    expect(await npm.revoke!.run({ value: SHARED_B }, ctx())).toBe('revoked');
    expect(api.deletes.at(-1)).toBe(`/-/npm/v1/tokens/token/${SHARED_B}`);
    expect(api.tokens.has(SHARED_B)).toBe(false);
    expect(api.tokens.has(SHARED_A)).toBe(true);
  });

  it('a refused or failing delete is exit 5, the token masked', async () => {
    api.misbehave({ kind: 'status', status: 500 }, { path: '/-/npm/v1/tokens/token/', count: 2 });
    expect(await failure(npm.revoke!.run({ value: READONLY }, ctx()))).toMatchObject({ exitCode: 5 });
    expect(api.tokens.has(READONLY)).toBe(true);
    expect(await failure(npm.revoke!.run({ value: NO_RIGHTS }, ctx()))).toMatchObject({ exitCode: 5 });
  });

  it('rotation is a manual step: creating a token needs a password and an OTP', () => {
    expect(npm.rotate).toBeUndefined();
    expect(npm.manual?.rotate?.url).toBe('https://www.npmjs.com/settings/~/tokens/granular-access-tokens/new');
    expect(npm.manual?.rotate?.instructions).toContain('one-time password');
  });
});

describe('npm canary', () => {
  it('no token value appears in any result or error', () => {
    const all = JSON.stringify(seen);
    expect(seen.length).toBeGreaterThan(12);
    for (const t of [...ALL, 'npm_V1FAKE0123456789abcdefFAKE01234567gh']) expect(all).not.toContain(t.slice(6));
  });
});
