/**
 * The scopes of a replacement made by create (an issuer that cannot rotate), beyond
 * integration.test.ts: when introspection says the old credential is active but names no scopes,
 * the replacement is asked for with no scopes (the issuer decides what that means, and Acme
 * refuses it), never with scopes credctl made up.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { integrationNamed } from '../../../src/integrations/registry.js';
import type { RotationSubject } from '../../../src/integrations/types.js';
import { startAcmeIssuer, type AcmeIssuer } from '../../standard/independent-issuer/acme-issuer.js';
import { contextFor, credctlRejection } from '../context.js';

let acme: AcmeIssuer;
beforeAll(async () => {
  acme = await startAcmeIssuer();
});
afterAll(async () => acme?.close());

const standard = integrationNamed('standard')!;
const subject: RotationSubject = { id: 'cred-1', names: ['ACME_KEY'], provider: 'acme', issuer: '' };

it('an old credential introspected as active without scopes is replaced by asking for no scopes', async () => {
  const { value } = acme.mintKey();
  const cred = { ...subject, issuer: acme.url };
  const p = standard.rotate!.provider(cred, contextFor('standard', acme.url, { provider: 'acme', admin: acme.adminToken }));
  acme.patchManifest({ supported_operations: ['discover', 'create', 'revoke', 'introspect', 'list', 'deactivate', 'reactivate'] });
  try {
    // Asked twice: for the old credential's id (which whoami then gives), and for its scopes.
    for (let i = 0; i < 2; i++) acme.answerNext({ status: 200, body: { active: true, token_type: 'api_key' } }, '/api/introspect');
    await credctlRejection(p.create({ credential: cred, oldValue: value, idempotencyKey: 'idem-FAKE-scopes' }));
  } finally {
    acme.patchManifest({});
  }
  const sent = acme.requests.filter((r) => r.method === 'POST' && r.path === '/api/keys').at(-1)!;
  expect(sent.body).toMatchObject({ scope: [] });
});
