import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredctlError } from '../../../src/core/errors.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import type { PlanCredential } from '../../../src/plan/types.js';
import { contextFor } from '../context.js';
import { MAX_KEYS, startSendGrid, type SendGridStandIn } from './standin.js';

/** An obviously fake key in SendGrid's format (and the detection rule's). */
const key = (tag: string) => `SG.${`FAKE${tag}`.padEnd(22, '0')}.${`EXAMPLE${tag}`.padEnd(43, '0')}`;
const idOf = (value: string) => value.split('.')[1]!;

const SENDER = key('sender');
const ADMIN = key('admin');
const NARROW_ADMIN = key('narrow');
const UNKNOWN = key('unknown');
const SENDER_SCOPES = ['mail.send', 'templates.read', 'stats.read'];

const sendgrid = integrationNamed('sendgrid')!;
let api: SendGridStandIn;
const ctx = (admin?: string) => contextFor('sendgrid', api.url, admin ? { admin } : {});
const shown: unknown[] = [];
const planned: PlanCredential = {
  id: 'fp_FAKE0000',
  names: ['SENDGRID_API_KEY'],
  provider: 'sendgrid',
  kind: 'api_key',
  redacted: 'SG.…0000',
  storeName: 'sendgrid/api-key',
  strategy: 'api',
  guards: [],
  steps: [],
};

beforeEach(async () => {
  api = await startSendGrid([
    { value: SENDER, name: 'web app sender', scopes: SENDER_SCOPES },
    { value: ADMIN, name: 'key manager', scopes: ['api_keys.create', 'api_keys.read', 'api_keys.delete'] },
    { value: NARROW_ADMIN, name: 'key reader', scopes: ['api_keys.read'] },
  ]);
});
afterEach(() => api.close());

describe('sendgrid verify and analyze: GET /v3/scopes', () => {
  it('a live key is live, its id being its middle segment; a bad key is dead', async () => {
    const live = await sendgrid.verify!({ value: SENDER }, ctx());
    const dead = await sendgrid.verify!({ value: UNKNOWN }, ctx());
    shown.push(live, dead);
    expect(live).toMatchObject({ status: 'live', identity: { kind: 'API key', credentialId: idOf(SENDER) } });
    expect(api.requests[0]!.headers.authorization).toBe(`Bearer ${SENDER}`);
    expect(dead.status).toBe('dead');
    expect(dead.reason).toContain('authorization required');
  });

  it('429, 5xx and a malformed body are unknown', async () => {
    api.misbehave({ kind: 'status', status: 429 }, { count: 2 });
    const limited = await sendgrid.verify!({ value: SENDER }, ctx());
    api.misbehave({ kind: 'status', status: 500 }, { count: 2 });
    const broken = await sendgrid.verify!({ value: SENDER }, ctx());
    api.misbehave({ kind: 'malformed' });
    const garbled = await sendgrid.verify!({ value: SENDER }, ctx());
    shown.push(limited, broken, garbled);
    expect([limited.status, broken.status, garbled.status]).toEqual(['unknown', 'unknown', 'unknown']);
  });

  it('analyze maps each scope: reads, sends, and key management as admin', async () => {
    const a = await sendgrid.analyze!({ value: SENDER }, ctx());
    const admin = await sendgrid.analyze!({ value: ADMIN }, ctx());
    shown.push(a, admin);
    expect(a).toEqual({
      complete: true,
      grants: [
        { scope: 'mail.send', risk: 'write' },
        { scope: 'templates.read', risk: 'read' },
        { scope: 'stats.read', risk: 'read' },
      ],
    });
    expect(admin.grants.map((g) => g.risk)).toEqual(['admin', 'read', 'admin']);
    const err = await sendgrid.analyze!({ value: UNKNOWN }, ctx()).catch((e: unknown) => e);
    expect((err as CredctlError).exitCode).toBe(5);
  });
});

describe('sendgrid revoke: DELETE /v3/api_keys/{id} with the admin key', () => {
  it('deletes the key, which then stops working; a second revoke is "already"', async () => {
    expect(sendgrid.revoke!.needsAdmin).toBe(true);
    expect(await sendgrid.revoke!.run({ value: SENDER }, ctx(ADMIN))).toBe('revoked');
    const del = api.requests.find((r) => r.method === 'DELETE')!;
    expect(del.path).toBe(`/v3/api_keys/${idOf(SENDER)}`);
    expect(del.headers.authorization).toBe(`Bearer ${ADMIN}`);
    expect((await sendgrid.verify!({ value: SENDER }, ctx())).status).toBe('dead');
    expect(await sendgrid.revoke!.run({ value: SENDER }, ctx(ADMIN))).toBe('already');
  });

  it('no admin configured: refused (exit 6); an admin key without api_keys.delete: exit 5 naming the 403', async () => {
    const none = await sendgrid.revoke!.run({ value: SENDER }, ctx()).catch((e: unknown) => e);
    expect((none as CredctlError).exitCode).toBe(6);
    const narrow = await sendgrid.revoke!.run({ value: SENDER }, ctx(NARROW_ADMIN)).catch((e: unknown) => e);
    shown.push((narrow as Error).message, (narrow as CredctlError).hint);
    expect((narrow as CredctlError).exitCode).toBe(5);
    expect((narrow as Error).message).toContain('HTTP 403');
    expect((narrow as Error).message).toContain('access forbidden');
    expect(api.keys.has(SENDER)).toBe(true);
  });

  it('5xx on the delete fails the step (exit 5) and the key stays', async () => {
    api.misbehave({ kind: 'status', status: 502 }, { path: '/v3/api_keys/', count: 3 });
    const err = await sendgrid.revoke!.run({ value: SENDER }, ctx(ADMIN)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredctlError);
    expect((err as CredctlError).exitCode).toBe(5);
    shown.push((err as Error).message);
  });
});

describe('sendgrid rotate: overlap through the API keys resource', () => {
  it('identify, create with the old scopes, both work, then the old one is deleted and dead', async () => {
    expect(sendgrid.rotate!.strategy).toBe('overlap');
    const p = sendgrid.rotate!.provider(planned, ctx(ADMIN));
    const oldId = await p.identify({ oldValue: SENDER, binding: SENDER });
    expect(oldId).toBe(idOf(SENDER));
    const created = await p.create({ credential: planned, oldId, oldValue: SENDER, idempotencyKey: 'run_FAKE:fp_FAKE0000' });
    expect(created.value).toMatch(/^SG\.[0-9A-Za-z_-]{22}\.[0-9A-Za-z_-]{43}$/);
    expect(created.id).toBe(idOf(created.value));
    expect(api.keys.get(created.value)!.scopes).toEqual(SENDER_SCOPES);
    expect(await p.isActive({ value: created.value })).toBe(true);
    expect(await p.isActive({ value: SENDER })).toBe(true);
    expect(await p.revoke({ value: SENDER, id: oldId, mode: 'revoke' })).toBe('revoked');
    expect(await p.isActive({ value: SENDER })).toBe(false);
    expect(await p.revoke({ value: SENDER, id: oldId, mode: 'revoke' })).toBe('already');
    expect((await sendgrid.verify!({ value: created.value }, ctx())).status).toBe('live');
  });

  it('a resumed create deletes the key the interrupted attempt made, so only one replacement exists', async () => {
    const p = sendgrid.rotate!.provider(planned, ctx(ADMIN));
    const first = await p.create({ credential: planned, oldId: idOf(SENDER), oldValue: SENDER, idempotencyKey: 'run_FAKE:fp_FAKE0000' });
    const second = await p.create({ credential: planned, oldId: idOf(SENDER), oldValue: SENDER, idempotencyKey: 'run_FAKE:fp_FAKE0000' });
    expect(api.keys.has(first.value)).toBe(false);
    expect(api.keys.has(second.value)).toBe(true);
    expect([...api.keys.values()].filter((k) => k.name.startsWith('credctl rotation')).length).toBe(1);
  });

  it('a key the admin does not know is not identified, and without scopes nothing is created (never Full Access by omission)', async () => {
    const p = sendgrid.rotate!.provider(planned, ctx(ADMIN));
    expect(await p.identify({ oldValue: UNKNOWN, binding: UNKNOWN })).toBeUndefined();
    const before = api.keys.size;
    const err = await p.create({ credential: planned, oldValue: UNKNOWN, idempotencyKey: 'run_FAKE:fp_other' }).catch((e: unknown) => e);
    expect((err as CredctlError).exitCode).toBe(6);
    expect(api.keys.size).toBe(before);
    expect(api.requests.some((r) => r.method === 'POST')).toBe(false);
    const narrowed = await p.create({ credential: { ...planned, scopes: ['mail.send'] }, oldValue: UNKNOWN, idempotencyKey: 'run_FAKE:fp_other' });
    expect(api.keys.get(narrowed.value)!.scopes).toEqual(['mail.send']);
  });

  it("the 100-key limit is SendGrid's 403, surfaced as exit 5", async () => {
    for (let i = api.keys.size; i < MAX_KEYS; i++) api.add(key(`pad${String(i).padStart(3, '0')}`), `pad ${i}`, ['mail.send']);
    expect(api.keys.size).toBe(MAX_KEYS);
    const p = sendgrid.rotate!.provider(planned, ctx(ADMIN));
    const err = await p.create({ credential: planned, oldId: idOf(SENDER), oldValue: SENDER, idempotencyKey: 'run_FAKE:fp_FAKE0000' }).catch((e: unknown) => e);
    shown.push((err as Error).message);
    expect((err as CredctlError).exitCode).toBe(5);
    expect((err as Error).message).toContain('more than 100');
  });

  it('deactivation is refused: SendGrid can only delete', async () => {
    const p = sendgrid.rotate!.provider(planned, ctx(ADMIN));
    const err = await p.revoke({ value: SENDER, id: idOf(SENDER), mode: 'deactivate' }).catch((e: unknown) => e);
    expect((err as CredctlError).exitCode).toBe(6);
    expect(api.keys.has(SENDER)).toBe(true);
  });
});

describe('sendgrid never shows a value', () => {
  it('no key secret (the part after the id) appears in anything returned', () => {
    const text = JSON.stringify(shown);
    expect(shown.length).toBeGreaterThan(8);
    for (const v of [SENDER, ADMIN, NARROW_ADMIN, UNKNOWN]) expect(text).not.toContain(v.split('.')[2]!);
  });
});
