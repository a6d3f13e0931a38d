import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrationNamed } from '../../../src/integrations/registry.js';
import type { IntegrationContext, RotationProvider, RotationSubject } from '../../../src/integrations/types.js';
import { startAcmeIssuer, type AcmeIssuer } from '../../standard/independent-issuer/acme-issuer.js';
import { contextFor, keptAnswers } from '../context.js';

/**
 * The standard integration's face (verify, analyze, the rotation provider) against the Acme
 * issuer, an independent implementation of spec/credential-issuer.md: what each answer of the
 * issuer makes of a leaked key, which calls a rotation makes and in what order, and that it never
 * sends the admin token to an issuer the user did not trust for this provider.
 */
let acme: AcmeIssuer;
beforeAll(async () => {
  acme = await startAcmeIssuer();
});
afterAll(async () => acme?.close());

const standard = integrationNamed('standard')!;
const { seen, keep, failure } = keptAnswers();
const values: string[] = [];
const minted = (input?: Parameters<AcmeIssuer['mintKey']>[0]) => {
  const made = acme.mintKey(input);
  values.push(made.value);
  return made;
};

/** A context for the provider `acme`, whose admin token is handed out on request (and counted). */
function ctxFor(api = acme.url) {
  let adminAsked = 0;
  const ctx = contextFor('standard', api, { provider: 'acme', admin: acme.adminToken });
  const counted: IntegrationContext = {
    ...ctx,
    adminSecret: async () => {
      adminAsked++;
      return ctx.adminSecret();
    },
  };
  return { ctx: counted, adminAsked: () => adminAsked };
}

const subject = (over: Partial<RotationSubject> = {}): RotationSubject => ({
  id: 'cred-1',
  names: ['ACME_KEY'],
  provider: 'acme',
  issuer: acme.url,
  ...over,
});

function provider(over: Partial<RotationSubject> = {}, api?: string): { p: RotationProvider; adminAsked: () => number } {
  const { ctx, adminAsked } = ctxFor(api);
  return { p: standard.rotate!.provider(subject(over), ctx), adminAsked };
}

/** Run with the manifest changed, then put it back. */
async function withManifest<T>(patch: Record<string, unknown>, run: () => Promise<T>): Promise<T> {
  acme.patchManifest(patch);
  try {
    return await run();
  } finally {
    acme.patchManifest({});
  }
}

const ALL_BUT_ROTATE = ['discover', 'create', 'revoke', 'introspect', 'list', 'deactivate', 'reactivate'];

describe('verify', () => {
  it('reports a key the issuer accepts as live, with its id, environment and expiry', async () => {
    const { c, value } = minted({ environment: 'test', ttlSeconds: 3600 });
    const v = keep(await standard.verify!({ value }, ctxFor().ctx));
    expect(v.status).toBe('live');
    expect(v.reason).toContain('acme');
    expect(v.identity).toEqual({ credentialId: c.id, kind: 'test credential' });
    expect(v.expiresAt).toBe(c.expires_at);
  });

  it('names no id, kind or expiry the issuer did not give', async () => {
    acme.answerNext({ status: 200, body: { scopes: ['reports:read'], expires_at: null } }, '/api/me');
    const v = keep(await standard.verify!({ value: 'acme_live_FAKE0123456789abcdefghij' }, ctxFor().ctx));
    expect(v.status).toBe('live');
    expect(v.identity).toEqual({});
    expect(v).not.toHaveProperty('expiresAt');
  });

  it('reports a key the issuer refuses (401 or 403) as dead', async () => {
    const { value } = minted();
    acme.credentials.get(acme.byValue(value)!.id)!.status = 'revoked';
    const v = keep(await standard.verify!({ value }, ctxFor().ctx));
    expect(v).toMatchObject({ status: 'dead' });
    expect(v.reason).toContain('acme refuses it');
    acme.answerNext({ status: 403, body: { error: 'insufficient_scope' } }, '/api/me');
    expect(keep(await standard.verify!({ value }, ctxFor().ctx)).status).toBe('dead');
  });

  it('says unknown, with the issuer’s words, when the issuer fails or throttles', async () => {
    const { value } = minted();
    acme.answerNext({ status: 500, body: { error: 'server_error', error_description: 'database is down' } }, '/api/me');
    const v = keep(await standard.verify!({ value }, ctxFor().ctx));
    expect(v.status).toBe('unknown');
    expect(v.reason).toMatch(/^acme could not be asked: .*HTTP 500 server_error: database is down/);
    acme.answerNext({ status: 429, body: { error: 'too_many_requests' }, headers: { 'retry-after': '3600' } }, '/api/me');
    const throttled = keep(await standard.verify!({ value }, ctxFor().ctx));
    expect(throttled.status).toBe('unknown');
    expect(throttled.reason).toContain('3600 s');
  });
});

describe('analyze', () => {
  it('lists each scope whoami reports with the risk its words carry, as the complete set', async () => {
    const { value } = minted({ scopes: ['reports:read', 'reports:write', 'keys:admin'] });
    const a = keep(await standard.analyze!({ value }, ctxFor().ctx));
    expect(a.complete).toBe(true);
    expect(a.grants).toEqual([
      { scope: 'reports:read', risk: 'read' },
      { scope: 'reports:write', risk: 'write' },
      { scope: 'keys:admin', risk: 'admin' },
    ]);
  });
});

describe('the rotation provider', () => {
  it('refuses a plan made for another issuer, for no issuer, or when no issuer is trusted, before asking for the admin token', async () => {
    const { value } = minted();
    for (const [over, api, names] of [
      [{ issuer: 'http://127.0.0.1:9' }, undefined, 'http://127.0.0.1:9'],
      [{ issuer: undefined }, undefined, 'no issuer'],
      [{}, '', 'no known issuer'],
    ] as const) {
      const { p, adminAsked } = provider(over, api);
      const f = await failure(p.identify({ oldValue: value, binding: 'ACME_KEY' }));
      expect(f?.exitCode).toBe(6);
      expect(f?.message).toContain('ACME_KEY');
      expect(f?.message).toContain(names);
      expect(f?.message).toContain('acme lives at');
      expect(f?.hint).toContain('credctl plan');
      expect(adminAsked()).toBe(0);
    }
    const noName = await failure(provider({ names: [], issuer: 'http://127.0.0.1:9' }).p.isActive({ value }));
    expect(noName?.message).toContain('cred-1');
  });

  it('asks for the admin token once however many calls a run makes', async () => {
    const { c, value } = minted();
    const { p, adminAsked } = provider();
    expect(await p.identify({ oldValue: value, binding: 'ACME_KEY' })).toBe(c.id);
    expect(await p.isActive({ value })).toBe(true);
    expect(adminAsked()).toBe(1);
  });

  it('rotates through /rotate when the issuer offers it, passing the plan’s narrower scopes and the idempotency key', async () => {
    const { c, value } = minted({ scopes: ['reports:read', 'reports:write'] });
    const { p } = provider({ scopes: ['reports:read'] });
    const made = await p.create({ credential: subject({ scopes: ['reports:read'] }), oldId: c.id, oldValue: value, idempotencyKey: 'idem-FAKE-0001' });
    values.push(made.value);
    expect(made.rotatedFrom).toBe(c.id);
    expect(acme.byValue(made.value)).toMatchObject({ id: made.id, scopes: ['reports:read'], rotated_from: c.id });
    const sent = acme.requests.filter((r) => r.path === `/api/keys/${c.id}/rotate`).at(-1)!;
    expect(sent.headers['idempotency-key']).toBe('idem-FAKE-0001');
    expect(sent.body).toEqual({ scope: ['reports:read'] });
  });

  it('finds the old credential’s id from its value when the plan has none, and keeps its scopes when the plan does not narrow them', async () => {
    const { c, value } = minted({ scopes: ['reports:read', 'reports:write'] });
    const made = await provider().p.create({ credential: subject(), oldValue: value, idempotencyKey: 'idem-FAKE-0002' });
    values.push(made.value);
    expect(made.rotatedFrom).toBe(c.id);
    expect(acme.byValue(made.value)!.scopes).toEqual(['reports:read', 'reports:write']);
    expect(acme.requests.filter((r) => r.path === `/api/keys/${c.id}/rotate`).at(-1)!.body).toEqual({});
  });

  it('creates a replacement with the old credential’s scopes (from introspection) when the issuer cannot rotate', async () => {
    const { c, value } = minted({ scopes: ['reports:write'], environment: 'test' });
    const made = await withManifest({ supported_operations: ALL_BUT_ROTATE }, () =>
      provider().p.create({ credential: subject({ environment: 'test' }), oldId: c.id, oldValue: value, idempotencyKey: 'idem-FAKE-0003' }),
    );
    values.push(made.value);
    expect(made).not.toHaveProperty('rotatedFrom');
    const created = acme.byValue(made.value)!;
    expect(created).toMatchObject({ id: made.id, scopes: ['reports:write'], environment: 'test', name: 'ACME_KEY (rotated by credctl)' });
    expect(created.rotated_from).toBeUndefined();
    const sent = acme.requests.filter((r) => r.method === 'POST' && r.path === '/api/keys').at(-1)!;
    expect(sent.headers['idempotency-key']).toBe('idem-FAKE-0003');
  });

  it('creates with the plan’s scopes without reading the old value, and names an unnamed credential “credential”', async () => {
    const before = acme.requests.filter((r) => r.path === '/api/introspect').length;
    const made = await withManifest({ supported_operations: ALL_BUT_ROTATE }, () =>
      provider({ names: [] }).p.create({ credential: subject({ names: [], scopes: ['reports:read'] }), idempotencyKey: 'idem-FAKE-0004' }),
    );
    values.push(made.value);
    expect(acme.byValue(made.value)).toMatchObject({ scopes: ['reports:read'], name: 'credential (rotated by credctl)' });
    expect(acme.requests.filter((r) => r.path === '/api/introspect').length).toBe(before);
  });

  it('refuses to guess scopes: no old value in the store, or an old credential the issuer no longer holds active', async () => {
    const { c, value } = minted();
    await withManifest({ supported_operations: ALL_BUT_ROTATE }, async () => {
      const noValue = await failure(provider().p.create({ credential: subject(), oldId: c.id, idempotencyKey: 'idem-FAKE-0005' }));
      expect(noValue?.exitCode).toBe(6);
      expect(noValue?.message).toContain('cannot read the scopes of the old ACME_KEY');
      acme.credentials.get(c.id)!.status = 'revoked';
      const inactive = await failure(provider().p.create({ credential: subject(), oldValue: value, idempotencyKey: 'idem-FAKE-0006' }));
      expect(inactive?.exitCode).toBe(6);
      expect(inactive?.message).toContain('old ACME_KEY is no longer active');
      expect(inactive?.hint).toContain('Set scopes');
      const unnamed = await failure(provider().p.create({ credential: subject({ names: [] }), idempotencyKey: 'idem-FAKE-0007' }));
      expect(unnamed?.message).toContain('old credential');
    });
  });

  it('revokes a live credential and says “already” for one the issuer had revoked', async () => {
    const { value } = minted();
    const { p } = provider();
    expect(await p.revoke({ value, mode: 'revoke' })).toBe('revoked');
    expect(acme.byValue(value)!.status).toBe('revoked');
    expect(await p.revoke({ value, mode: 'revoke' })).toBe('already');
    expect(await p.isActive({ value })).toBe(false);
  });

  it('revokes even when introspection fails first', async () => {
    const { value } = minted();
    acme.answerNext({ status: 500, body: { error: 'server_error' } }, '/api/introspect');
    expect(await provider().p.revoke({ value, mode: 'revoke' })).toBe('revoked');
    expect(acme.byValue(value)!.status).toBe('revoked');
  });

  it('deactivates by the recorded id, or the id the issuer gives for the value, and reactivates', async () => {
    const a = minted();
    const { p } = provider();
    expect(await p.revoke({ value: a.value, id: a.c.id, mode: 'deactivate' })).toBe('revoked');
    expect(acme.credentials.get(a.c.id)!.status).toBe('deactivated');
    expect(await p.revoke({ value: a.value, id: a.c.id, mode: 'deactivate' })).toBe('revoked'); // a resumed run
    await p.reactivate!({ value: a.value, id: a.c.id });
    expect(acme.credentials.get(a.c.id)!.status).toBe('active');
    const b = minted();
    expect(await p.revoke({ value: b.value, mode: 'deactivate' })).toBe('revoked');
    expect(acme.credentials.get(b.c.id)!.status).toBe('deactivated');
  });

  it('never downgrades a deactivation to a revocation when the issuer does not say which credential it is', async () => {
    const { value } = minted();
    const f = await withManifest({ supported_operations: ['discover', 'create', 'revoke', 'list', 'deactivate'], whoami_endpoint: undefined }, () =>
      provider().p.revoke({ value, mode: 'deactivate' }),
    ).then(
      () => undefined,
      (e) => keep({ message: e.message, hint: e.hint, exitCode: e.exitCode }),
    );
    expect(f?.exitCode).toBe(6);
    expect(f?.message).toContain('acme did not say which credential to deactivate');
    expect(f?.hint).toContain('without --grace');
    expect(acme.byValue(value)!.status).toBe('active');
  });

  it('says “already” when the credential to deactivate was revoked for good, and passes on other refusals', async () => {
    const { c, value } = minted();
    const { p } = provider();
    acme.credentials.get(c.id)!.status = 'revoked';
    expect(await p.revoke({ value, id: c.id, mode: 'deactivate' })).toBe('already');
    const d = minted();
    acme.answerNext({ status: 409, body: { error: 'conflict', error_description: 'locked by a legal hold' } }, `/api/keys/${d.c.id}/deactivate`);
    const f = await failure(p.revoke({ value: d.value, id: d.c.id, mode: 'deactivate' }));
    expect(f?.exitCode).toBe(5);
    expect(f?.message).toContain('locked by a legal hold');
    acme.answerNext({ status: 409, body: { error: 'conflict' } }, `/api/keys/${d.c.id}/deactivate`);
    acme.answerNext({ status: 500, body: { error: 'server_error' } }, `/api/keys/${d.c.id}`);
    expect((await failure(p.revoke({ value: d.value, id: d.c.id, mode: 'deactivate' })))?.message).toContain('409');
  });

  it('refuses to reactivate without a recorded id', async () => {
    const f = await failure(provider().p.reactivate!({ value: 'acme_live_FAKE0123456789abcdefghij' }));
    expect(f?.exitCode).toBe(6);
    expect(f?.message).toContain('acme: no id recorded');
  });
});

it('no key value or admin token appears in any answer, reason or error', () => {
  const text = JSON.stringify(seen);
  expect(values.length).toBeGreaterThan(10);
  for (const v of [...values, acme.adminToken]) expect(text).not.toContain(v);
});
