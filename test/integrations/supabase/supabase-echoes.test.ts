/**
 * What a rotation shows when the Management API refuses a step and quotes the key it was given,
 * beyond supabase-answers.test.ts: the key list read before a create, and the delete of the old
 * key. The key here is short and broken by dots, so no long-token cut hides it: only the masking
 * of the value each call was given keeps it out of the error. And a legacy JWT key, refused,
 * points at its project's dashboard pages with a visible placeholder where the ref goes.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { integrationNamed } from '../../../src/integrations/registry.js';
import type { RotationSubject } from '../../../src/integrations/types.js';
import { contextFor, credctlRejection } from '../context.js';
import { startSupabase, type SupabaseStandIn } from './standin.js';

const REF = 'fakeprojectrefaaaaaa';
const PAT = 'sbp_0000000000000000000000000000000000fa4e03';
const ECHOED = 'sb_secret_FAKE.echo.01';
const ECHOED_ID = '00000000-0000-4000-8000-00000000cccc';
const CRED: RotationSubject = { id: 'fp', names: ['SUPABASE_KEY'], provider: 'supabase' };
const KEYS = `/v1/projects/${REF}/api-keys`;

const supabase = integrationNamed('supabase')!;
let api: SupabaseStandIn;
const ctx = () => contextFor('supabase', api.url, { settings: { project: REF }, admin: PAT });

beforeEach(async () => {
  api = await startSupabase({
    ref: REF,
    jwtSecret: 'FAKE-jwt-secret-0000000000000000',
    pats: [PAT],
    keys: [{ id: ECHOED_ID, name: 'default', type: 'secret', api_key: ECHOED }],
  });
});
afterEach(() => api.close());

it('create: a refused key list that quotes the old key does not show it', async () => {
  const p = supabase.rotate!.provider(CRED, ctx());
  api.answerNext('GET', KEYS, { status: 400, body: { message: `unknown key ${ECHOED}` } });
  const err = await credctlRejection(p.create({ credential: CRED, oldValue: ECHOED, idempotencyKey: 'echo-1' }));
  expect(err.exitCode).toBe(5);
  expect(err.message).toMatch(/^Supabase list API keys: HTTP 400 \(unknown key /);
  expect(err.message).not.toContain(ECHOED);
});

it('revoke of the old key by id: a refused delete that quotes the key does not show it', async () => {
  const p = supabase.rotate!.provider(CRED, ctx());
  api.answerNext('DELETE', `${KEYS}/${ECHOED_ID}`, { status: 400, body: { message: `cannot delete ${ECHOED}` } });
  const err = await credctlRejection(p.revoke({ value: ECHOED, id: ECHOED_ID, mode: 'revoke' }));
  expect(err.exitCode).toBe(5);
  expect(err.message).toMatch(/^Supabase delete API key: HTTP 400 \(cannot delete /);
  expect(err.message).not.toContain(ECHOED);
});

it('a legacy JWT key is refused with the dashboard pages to use, a <ref> placeholder where its project goes', async () => {
  const p = supabase.rotate!.provider(CRED, ctx());
  const err = await credctlRejection(p.revoke({ value: api.legacyKey('service_role'), mode: 'revoke' }));
  expect(err.exitCode).toBe(6);
  expect(err.hint).toContain('https://supabase.com/dashboard/project/<ref>/settings/api-keys');
  expect(err.hint).toContain('https://supabase.com/dashboard/project/<ref>/settings/jwt');
});
