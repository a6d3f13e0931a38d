import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isTransient } from '../../src/apply/providers.js';
import { IssuerResponseError, StandardClient, problemOf, retryAfterSeconds } from '../../src/integrations/standard/client.js';
import { startAcmeIssuer, type AcmeIssuer } from './independent-issuer/acme-issuer.js';

/**
 * The standard client uses the operations as spec 0.2 says (issue 17, decisions 1-4), against
 * the independent Acme issuer: the credential id from introspection's credential_id (else
 * whoami's id, never client_id), /rotate with the old credential's lifetime, Retry-After, and
 * problem details read into messages that never end in an empty colon.
 */
let acme: AcmeIssuer;
beforeAll(async () => {
  acme = await startAcmeIssuer();
});
afterAll(async () => acme?.close());

const client = () => new StandardClient({ providerId: 'acme', issuer: acme.url, adminToken: acme.adminToken });

async function failure(p: Promise<unknown>): Promise<IssuerResponseError> {
  try {
    await p;
  } catch (err) {
    return err as IssuerResponseError;
  }
  throw new Error('expected the call to fail');
}

describe('credential id', () => {
  it('comes from introspection credential_id, never client_id (an account id here)', async () => {
    const { c, value } = acme.mintKey();
    const c1 = client();
    const seen = await c1.introspect(value);
    expect(seen.id).toBe(c.id);
    expect(await c1.credentialId(value)).toBe(c.id);
    await c1.close();
  });

  it('falls back to whoami id when the issuer does not introspect', async () => {
    const { c, value } = acme.mintKey();
    acme.patchManifest({ supported_operations: ['discover', 'create', 'rotate', 'revoke', 'list'] });
    try {
      const c1 = client();
      expect(await c1.credentialId(value)).toBe(c.id);
      await c1.close();
    } finally {
      acme.patchManifest({});
    }
  });
});

describe('/rotate', () => {
  it('keeps the old lifetime and scopes, narrows when asked, and links rotated_from', async () => {
    const { c } = acme.mintKey({ scopes: ['reports:read', 'reports:write'], ttlSeconds: 7 * 86_400 });
    const c1 = client();
    const same = await c1.rotate(c.id, { idempotencyKey: `k-${c.id}-1-0123456789` });
    expect(same.rotatedFrom).toBe(c.id);
    expect(same.scopes.sort()).toEqual(['reports:read', 'reports:write']);
    expect(Date.parse(same.expiresAt!) - Date.parse(same.createdAt!)).toBe(7 * 86_400_000);
    const narrow = await c1.rotate(c.id, { scopes: ['reports:read'], idempotencyKey: `k-${c.id}-2-0123456789` });
    expect(narrow.scopes).toEqual(['reports:read']);
    expect(acme.events).toContainEqual(expect.objectContaining({ action: 'rotated', credential_id: c.id, detail: { new_credential_id: same.id } }));
    await c1.close();
  });
});

describe('Retry-After', () => {
  it('waits out a short one (<= 30 s) and repeats the call', async () => {
    const { value } = acme.mintKey();
    acme.throttle('/api/introspect', 1, 1);
    const before = acme.calls.filter((x) => x.path === '/api/introspect').length;
    const started = Date.now();
    const c1 = client();
    expect((await c1.introspect(value)).active).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(acme.calls.filter((x) => x.path === '/api/introspect').length).toBe(before + 2);
    await c1.close();
  });

  it('fails at once on a long one, naming the wait, and rotation does not retry it', async () => {
    const { value } = acme.mintKey();
    acme.throttle('/api/introspect', 1, 120);
    const c1 = client();
    const err = await failure(c1.introspect(value));
    expect(err).toBeInstanceOf(IssuerResponseError);
    expect(err.exitCode).toBe(5);
    expect(err.retryAfterSeconds).toBe(120);
    expect(err.message).toMatch(/HTTP 429 too_many_requests: slow down; the issuer asks to wait 120 s before trying again$/);
    expect(isTransient(err)).toBe(false);
    expect(err.message).not.toContain(value);
    await c1.close();
  });

  it('waits out at most its budget across all calls: an issuer that keeps saying "wait" cannot stall a run', async () => {
    const { value } = acme.mintKey();
    acme.throttle('/api/introspect', 3, 1);
    const c1 = new StandardClient({ providerId: 'acme', issuer: acme.url, adminToken: acme.adminToken, retryAfterBudgetSeconds: 1 });
    const first = await failure(c1.introspect(value));
    expect(first.retryAfterSeconds).toBe(1);
    const started = Date.now();
    const second = await failure(c1.introspect(value));
    expect(second.retryAfterSeconds).toBe(1);
    expect(Date.now() - started).toBeLessThan(900);
    await c1.close();
  });

  it('reads delay-seconds and HTTP dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterSeconds('7', now)).toBe(7);
    expect(retryAfterSeconds('Thu, 01 Jan 2026 00:00:45 GMT', now)).toBe(45);
    expect(retryAfterSeconds('soon', now)).toBeUndefined();
    expect(retryAfterSeconds(undefined, now)).toBeUndefined();
  });
});

describe('problem details and error messages', () => {
  it('reads error first, then type; description from error_description, detail, title', () => {
    expect(problemOf({ type: 'https://acme.example/problems/x', error: 'invalid_scope', detail: 'no such scope' })).toEqual({
      code: 'invalid_scope',
      description: 'no such scope',
    });
    expect(problemOf({ type: 'https://acme.example/problems/gone', title: 'Gone' })).toEqual({
      code: 'https://acme.example/problems/gone',
      description: 'Gone',
    });
    expect(problemOf({ type: 'about:blank', title: 'Not Found', status: 404 })).toEqual({ description: 'Not Found' });
    expect(problemOf({ error: '', error_description: '   ' })).toEqual({});
    // An issuer's words reach a terminal: escape sequences and other control characters are dropped.
    expect(problemOf({ error: 'bad\u001b[2Jthing', error_description: 'line one\u0007\nline two\u009b' })).toEqual({
      code: 'bad [2Jthing',
      description: 'line one line two',
    });
  });

  it('a 404 from the issuer reads as its problem', async () => {
    const c1 = client();
    const err = await failure(c1.get('key_nothing_here'));
    expect(err.status).toBe(404);
    expect(err.code).toBe('not_found');
    expect(err.message).toMatch(/HTTP 404 not_found: no such key$/);
    await c1.close();
  });

  it('never ends a message with an empty colon, whatever the error body', async () => {
    const bodies = ['', '{}', '{"error":""}', '{"error_description":""}', '{"type":"about:blank"}', 'not json', '[]', '{"detail":"  "}'];
    let next = 0;
    const server = createServer((req, res) => {
      if (req.url === '/.well-known/credential-issuer') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ issuer: origin, supported_operations: ['discover', 'list'], credential_issuer_endpoint: `${origin}/keys` }));
      }
      res.writeHead(500, { 'content-type': 'application/problem+json' });
      res.end(bodies[next++ % bodies.length]);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const c1 = new StandardClient({ providerId: 'bare', issuer: origin, adminToken: 'FAKE-admin-token-0123456789' });
      for (let i = 0; i < bodies.length; i++) {
        const err = await failure(c1.list());
        expect(err.message).toMatch(/HTTP 500/);
        expect(err.message).not.toMatch(/:\s*$/);
        expect(err.message).not.toMatch(/: ;|:\s*\(/);
      }
      await c1.close();
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('verify messages', () => {
  it('an error without words gives "could not be asked", never a dangling colon', async () => {
    const { because, unreachable } = await import('../../src/integrations/kit.js');
    expect(because(new Error(''))).toBe('');
    expect(because(new Error('   \nsecond line'))).toBe('');
    expect(because(new Error('connection refused\nstack'))).toBe(': connection refused');
    expect(because(undefined)).toBe('');
    const { CredctlError } = await import('../../src/core/errors.js');
    expect(unreachable('Acme', new CredctlError('', 5)).reason).toBe('Acme could not be asked');
  });
});
