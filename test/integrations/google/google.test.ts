import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotationKeyId } from '../../../src/integrations/google/index.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import type { RotationSubject } from '../../../src/integrations/types.js';
import { contextFor } from '../context.js';
import { startGoogle, type GoogleStandIn } from './standin.js';

// Shaped like the google-api-key rule (AIza + 35), obviously fake.
const fakeKey = (n: number) => `AIzaSyFAKE${String(n).padStart(29, '0')}`;
const OPEN = fakeKey(1);
const MAPS_ONLY = fakeKey(2);
const DOOMED = fakeKey(3);
const ADMIN = 'ya29.FAKE-admin-access-token-000000000000';
const READER = 'ya29.FAKE-reader-access-token-00000000000';
const CRED: RotationSubject = { id: 'fp', names: ['FAKE_TOKEN'], provider: 'google' };
const google = integrationNamed('google')!;
let api: GoogleStandIn;
const seen: unknown[] = [];
const ctx = (admin: string | null = ADMIN) => contextFor('google', api.url, admin === null ? {} : { admin });
const failure = async (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: Error & { exitCode?: number; hint?: string }) => (seen.push(String(e), e.hint), e),
  );

beforeAll(async () => {
  api = await startGoogle({
    project: '123456789012',
    adminToken: ADMIN,
    readOnlyToken: READER,
    keys: {
      'open-key': { keyString: OPEN, displayName: 'Server key' },
      'maps-key': {
        keyString: MAPS_ONLY,
        displayName: 'Maps web',
        restrictions: {
          apiTargets: [{ service: 'maps-backend.googleapis.com' }, { service: 'translate.googleapis.com', methods: ['Get*'] }],
          browserKeyRestrictions: { allowedReferrers: ['https://example.com/*'] },
        },
      },
      'doomed-key': { keyString: DOOMED, displayName: 'Old CI key', restrictions: { serverKeyRestrictions: { allowedIps: ['203.0.113.7'] } } },
    },
  });
});
afterAll(async () => {
  await api.close();
  const all = JSON.stringify(seen);
  for (const v of [OPEN, MAPS_ONLY, DOOMED, ADMIN, READER, ...[...api.keys.values()].map((k) => k.keyString)]) expect(all).not.toContain(v);
});

describe('google verify with a keyed Generative Language call', () => {
  it('a usable key is live, sent in x-goog-api-key (not the URL)', async () => {
    const v = await google.verify!({ value: OPEN }, ctx());
    seen.push(v);
    expect(v).toMatchObject({ status: 'live', identity: { kind: 'API key' } });
    const req = api.requests.at(-1)!;
    expect(req.headers['x-goog-api-key']).toBe(OPEN);
    expect(req.query.get('key')).toBeNull();
  });

  it('API_KEY_INVALID (400) is dead', async () => {
    const v = await google.verify!({ value: fakeKey(999) }, ctx());
    seen.push(v);
    expect(v.status).toBe('dead');
    expect(v.reason).toContain('API_KEY_INVALID');
  });

  it('a key restricted to other APIs, or a project without the API, is live and names the project', async () => {
    const blocked = await google.verify!({ value: MAPS_ONLY }, ctx());
    api.generativeEnabled.value = false;
    const disabled = await google.verify!({ value: OPEN }, ctx());
    api.generativeEnabled.value = true;
    seen.push(blocked, disabled);
    expect(blocked).toMatchObject({ status: 'live', identity: { account: 'projects/123456789012' } });
    expect(blocked.reason).toContain('API_KEY_SERVICE_BLOCKED');
    expect(disabled).toMatchObject({ status: 'live', identity: { account: 'projects/123456789012' } });
    expect(disabled.reason).toContain('SERVICE_DISABLED');
  });

  it('429, 5xx, an unexplained 400 and a malformed body are not guessed; a bare 403 still means Google knows the key', async () => {
    const out = [];
    for (const [m, count] of [
      [{ kind: 'status', status: 429 }, 2],
      [{ kind: 'status', status: 503 }, 2],
      [{ kind: 'status', status: 400 }, 1],
      [{ kind: 'malformed' }, 1],
      [{ kind: 'status', status: 403 }, 1],
    ] as const) {
      api.misbehave(m, { count, path: '/v1beta/' });
      out.push(await google.verify!({ value: OPEN }, ctx()));
    }
    seen.push(out);
    expect(out.map((v) => v.status)).toEqual(['unknown', 'unknown', 'unknown', 'unknown', 'live']);
  });
});

describe('google analyze through the API Keys API', () => {
  it('lists API restrictions and application restrictions', async () => {
    const a = await google.analyze!({ value: MAPS_ONLY }, ctx());
    seen.push(a);
    expect(a.complete).toBe(true);
    expect(a.grants.map((g) => g.scope)).toEqual(['maps-backend.googleapis.com', 'translate.googleapis.com']);
    expect(a.grants[1]!.description).toContain('Get*');
    expect(a.grants[0]!.resource).toBe('projects/123456789012');
    expect(a.note).toContain('https://example.com/*');
    expect(api.requests.filter((r) => r.path.startsWith('/v2/')).every((r) => r.headers.authorization === `Bearer ${ADMIN}`)).toBe(true);
  });

  it('an unrestricted key reaches every enabled API', async () => {
    const a = await google.analyze!({ value: OPEN }, ctx());
    expect(a.grants).toEqual([expect.objectContaining({ scope: '*', risk: 'write' })]);
    expect(a.note).toContain('usable from anywhere');
  });

  it('without an admin token the answer is honestly incomplete', async () => {
    const a = await google.analyze!({ value: OPEN }, ctx(null));
    seen.push(a);
    expect(a).toMatchObject({ grants: [], complete: false });
    expect(a.note).toContain('providers.google.admin');
  });

  it('a refused token (401) and a failing API are exit-5 errors', async () => {
    expect((await failure(google.analyze!({ value: OPEN }, ctx('ya29.FAKE-expired-000000000000000000')))).exitCode).toBe(5);
    api.misbehave({ kind: 'status', status: 500 }, { count: 2, path: '/v2/' });
    expect((await failure(google.analyze!({ value: OPEN }, ctx()))).exitCode).toBe(5);
  });
});

describe('google rotate (deactivation-grace) and revoke', () => {
  it('a new key copies the restrictions; the old one is deleted, can be undeleted, and a retried create gives the same key', async () => {
    const p = google.rotate!.provider(CRED, ctx());
    const oldId = await p.identify({ oldValue: MAPS_ONLY, binding: '' });
    expect(oldId).toBe('projects/123456789012/locations/global/keys/maps-key');
    const made = await p.create({ credential: CRED, oldId, oldValue: MAPS_ONLY, idempotencyKey: 'run-1' });
    const again = await p.create({ credential: CRED, oldId, oldValue: MAPS_ONLY, idempotencyKey: 'run-1' });
    expect(again).toEqual(made);
    const fresh = api.keys.get(rotationKeyId('run-1'))!;
    expect(fresh.restrictions).toEqual(api.keys.get('maps-key')!.restrictions);
    expect(fresh.displayName).toBe('Maps web (credctl)');
    expect([await p.isActive({ value: MAPS_ONLY }), await p.isActive({ value: made.value })]).toEqual([true, true]);
    expect(await p.revoke({ value: MAPS_ONLY, id: oldId, mode: 'deactivate' })).toBe('revoked');
    expect(await p.isActive({ value: MAPS_ONLY })).toBe(false);
    await p.reactivate!({ value: MAPS_ONLY, id: oldId });
    expect(await p.isActive({ value: MAPS_ONLY })).toBe(true);
    expect(await p.revoke({ value: MAPS_ONLY, id: oldId, mode: 'revoke' })).toBe('revoked');
    expect(await p.revoke({ value: MAPS_ONLY, id: oldId, mode: 'revoke' })).toBe('already');
    seen.push(oldId, made.id);
  });

  it('revoke deletes the key at the stand-in; a second revoke is "already"', async () => {
    expect(google.revoke!.needsAdmin).toBe(true);
    expect(await google.revoke!.run({ value: DOOMED }, ctx())).toBe('revoked');
    expect((await google.verify!({ value: DOOMED }, ctx())).status).toBe('dead');
    expect(await google.revoke!.run({ value: DOOMED }, ctx())).toBe('already');
    expect(await google.revoke!.run({ value: fakeKey(998) }, ctx())).toBe('already');
  });

  it('a token without apikeys.keys.delete gets a 403 with the missing permission and the role to grant', async () => {
    const err = await failure(google.revoke!.run({ value: OPEN }, ctx(READER)));
    expect(err.message).toContain('apikeys.keys.delete');
    expect(err.hint).toContain('API Keys Admin');
    expect((await google.verify!({ value: OPEN }, ctx())).status).toBe('live');
  });

  it('no admin token is a refusal (exit 6), not a silent success', async () => {
    expect((await failure(google.revoke!.run({ value: OPEN }, ctx(null)))).exitCode).toBe(6);
  });
});
