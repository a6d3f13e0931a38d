import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan, makePlan } from '../../../src/commands/rotate.js';
import { loadProject } from '../../../src/graph/project-context.js';
import { rollbackCredential } from '../../../src/commands/rollback.js';
import { runBlastRadius } from '../../../src/commands/blast-radius.js';
import { projectPaths } from '../../../src/core/paths.js';
import { startAwsApi, type AwsApiServer, type StandInKey } from '../../../src/demo/vendors/aws-api.js';
import { integrationNamed } from '../../../src/integrations/registry.js';
import { storeFor } from '../../../src/store/open.js';
import { trustProject } from '../../helpers/trust.js';
import { contextFor } from '../context.js';

// AWS access keys against a stand-in that checks SigV4 for real: verify, analyze, revoke, and a
// rotation in which the key id and the secret travel together into every target.
const aws = integrationNamed('aws')!;
let api: AwsApiServer;
let admin: StandInKey;
const adminText = () => `${admin.id}:${admin.secret}`;
const cred = (k: StandInKey) => ({ value: k.secret, parts: { 'access-key-id': k.id } });

beforeAll(async () => {
  api = await startAwsApi({ account: '000011112222' });
  api.addUser('credctl-admin', { admin: true });
  admin = api.addKey('credctl-admin');
});
afterAll(() => api?.close());

describe('aws verify and analyze', () => {
  it('a live key names its user and account; a wrong secret, an inactive or unknown key is dead', async () => {
    api.addUser('reporting', { policies: ['ReadOnlyAccess'] });
    const key = api.addKey('reporting');
    const v = await aws.verify!(cred(key), contextFor('aws', api.url));
    expect(v).toMatchObject({
      status: 'live',
      identity: { principal: 'arn:aws:iam::000011112222:user/reporting', account: '000011112222', credentialId: key.id },
    });
    expect((await aws.verify!({ value: `${key.secret.slice(0, -4)}ZZZZ`, parts: { 'access-key-id': key.id } }, contextFor('aws', api.url))).reason).toMatch(
      /SignatureDoesNotMatch/,
    );
    key.status = 'Inactive';
    expect((await aws.verify!(cred(key), contextFor('aws', api.url))).status).toBe('dead');
    key.status = 'Active';
    expect((await aws.verify!({ value: key.secret, parts: { 'access-key-id': 'AKIAFAKEUNKNOWN00000' } }, contextFor('aws', api.url))).status).toBe('dead');
    // Without its key id the secret cannot be checked: unknown, not dead.
    expect((await aws.verify!({ value: key.secret }, contextFor('aws', api.url))).status).toBe('unknown');
  });

  it('throttling and a garbled answer are unknown; the secret never appears in a result', async () => {
    api.addUser('batch', {});
    const key = api.addKey('batch');
    api.throttle(1);
    const throttled = await aws.verify!(cred(key), contextFor('aws', api.url));
    expect(throttled.status).toBe('unknown');
    api.garble(1);
    const garbled = await aws.verify!(cred(key), contextFor('aws', api.url));
    expect(garbled.status).toBe('unknown');
    // A 5xx is retried once; two in a row say nothing about the key.
    api.fail(2, 503);
    const failed = await aws.verify!(cred(key), contextFor('aws', api.url));
    expect(failed).toMatchObject({ status: 'unknown' });
    expect(failed.reason).toMatch(/503/);
    api.fail(1, 500);
    expect((await aws.verify!(cred(key), contextFor('aws', api.url))).status).toBe('live');
    expect(JSON.stringify([throttled, garbled, failed])).not.toContain(key.secret);
  });

  it('analyze reads the user policies with the admin key when the key itself may not, and last use', async () => {
    api.addUser('checkout', { policies: ['AmazonS3FullAccess', 'AdministratorAccess'], inline: ['orders-queue'] });
    const key = api.addKey('checkout');
    const ctx = contextFor('aws', api.url, { admin: adminText() });
    const a = await aws.analyze!(cred(key), ctx);
    expect(a.grants.map((g) => [g.scope, g.risk])).toEqual([
      ['AmazonS3FullAccess', 'admin'],
      ['AdministratorAccess', 'admin'],
      ['orders-queue', 'write'],
    ]);
    expect(a.complete).toBe(false);
    api.addUser('lonely', { policies: ['ReadOnlyAccess'] });
    const lonely = api.addKey('lonely');
    const without = await aws.analyze!(cred(lonely), contextFor('aws', api.url));
    expect(without).toMatchObject({ grants: [], complete: false });
    expect(without.note).toMatch(/could not be read/);
    const v = await aws.verify!(cred(key), ctx);
    expect(v.lastUsedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('revoke deletes the key with the admin key, and again is "already"', async () => {
    api.addUser('leaky', {});
    const key = api.addKey('leaky');
    const ctx = contextFor('aws', api.url, { admin: adminText() });
    expect(await aws.revoke!.run(cred(key), ctx)).toBe('revoked');
    expect(api.keys('leaky')).toEqual([]);
    expect(await aws.revoke!.run(cred(key), ctx)).toBe('already');
    await expect(aws.revoke!.run(cred(key), contextFor('aws', api.url))).rejects.toThrow(/admin credential/);
  });
});

async function project(key: StandInKey) {
  const root = mkdtempSync(join(tmpdir(), 'credctl-aws-'));
  execFileSync('git', ['init', '-q', root]);
  writeFileSync(join(root, '.env'), `AWS_ACCESS_KEY_ID=${key.id}\nAWS_SECRET_ACCESS_KEY=${key.secret}\nAWS_REGION=us-east-1\n`);
  mkdirSync(join(root, 'deploy'));
  writeFileSync(join(root, 'deploy/worker.env'), `AWS_ACCESS_KEY_ID=${key.id}\nAWS_SECRET_ACCESS_KEY=${key.secret}\n`);
  writeFileSync(join(root, 'credctl.yaml'), `providers:\n  aws: { issuer: ${api.url}, admin: "store:aws/admin" }\n`);
  trustProject(root);
  const home = mkdtempSync(join(tmpdir(), 'credctl-aws-home-'));
  const keyFile = join(home, 'store.key');
  writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
  const paths = projectPaths(root);
  mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  const store = storeFor('file', paths, { env: { ...process.env, CREDCTL_KEY_FILE: keyFile } });
  await store.put('aws/admin', adminText(), ['current']);
  return { root, store, paths, keyFile, read: (f: string) => readFileSync(join(root, f), 'utf8') };
}

describe('aws rotation: the key id and the secret move together', () => {
  it('plans one credential with its id as a part, writes both everywhere, deletes the old key', async () => {
    api.addUser('worker', { policies: ['AmazonSQSFullAccess'] });
    const old = api.addKey('worker');
    const p = await project(old);
    const plan = makePlan(loadProject(p.root), { all: true });
    expect(plan.credentials.map((c) => c.names)).toEqual([['AWS_SECRET_ACCESS_KEY']]);
    const c = plan.credentials[0]!;
    // No grace period: the old key is deleted once the new one is everywhere, an overlap; with
    // one, it is made Inactive first and deleted after the grace period.
    expect(c).toMatchObject({ provider: 'aws', strategy: 'api', rotation: 'overlap' });
    expect(makePlan(loadProject(p.root), { all: true }, { graceDays: 7 }).credentials[0]).toMatchObject({ rotation: 'deactivation-grace' });
    const injects = c.steps.filter((s) => s.action === 'inject');
    expect(injects).toHaveLength(2);
    for (const s of injects) expect(s.parts).toEqual([{ role: 'access-key-id', envName: 'AWS_ACCESS_KEY_ID' }]);
    expect(JSON.stringify(plan)).not.toContain(old.secret);
    // The key id alone is not a plan: it is named with its secret.
    expect(() => makePlan(loadProject(p.root), { names: ['AWS_ACCESS_KEY_ID'] })).toThrow(/rotated with its secret/);

    const summary = await applyPlan(plan, { yes: true, noInput: true, concurrency: 1, store: p.store, onEvent: () => undefined });
    expect(summary.failed, JSON.stringify(summary.failed)).toEqual([]);
    const keys = api.keys('worker');
    expect(keys).toHaveLength(1);
    const fresh = keys[0]!;
    expect(fresh.id).not.toBe(old.id);
    for (const f of ['.env', 'deploy/worker.env']) {
      expect(p.read(f)).toContain(`AWS_ACCESS_KEY_ID=${fresh.id}\n`);
      expect(p.read(f)).toContain(`AWS_SECRET_ACCESS_KEY=${fresh.secret}\n`);
    }
    expect(p.read('.env')).toContain('AWS_REGION=us-east-1');
    // The new secret is in the store; the run journal holds key ids only, never a secret.
    expect(await p.store.get('AWS_SECRET_ACCESS_KEY', { label: 'current' })).toBe(fresh.secret);
    const runs = join(p.paths.stateDir, 'runs');
    for (const run of readdirSync(runs)) {
      const journal = readFileSync(join(runs, run, 'journal.jsonl'), 'utf8');
      expect(journal).toContain(fresh.id);
      expect(journal).not.toContain(fresh.secret);
      expect(journal).not.toContain(old.secret);
      expect(journal).not.toContain(admin.secret);
    }
  });

  it('with a grace period the old key is made Inactive, not deleted', async () => {
    api.addUser('api-server', {});
    const old = api.addKey('api-server');
    const p = await project(old);
    const plan = makePlan(loadProject(p.root), { all: true }, { graceDays: 7 });
    expect(plan.credentials[0]!.steps.find((s) => s.action === 'revoke')).toMatchObject({ mode: 'deactivate', graceDays: 7 });
    const summary = await applyPlan(plan, { yes: true, noInput: true, concurrency: 1, store: p.store, onEvent: () => undefined });
    expect(summary.failed, JSON.stringify(summary.failed)).toEqual([]);
    expect(api.keys('api-server').find((k) => k.id === old.id)?.status).toBe('Inactive');
    expect(api.keys('api-server').filter((k) => k.status === 'Active')).toHaveLength(1);

    // Rollback within the grace period: the old key is reactivated, its id and secret go back
    // together, and the replacement is deleted.
    process.env.CREDCTL_STORE = 'file';
    process.env.CREDCTL_KEY_FILE = p.keyFile;
    try {
      await rollbackCredential(p.root, 'AWS_SECRET_ACCESS_KEY', { yes: true, noInput: true });
    } finally {
      delete process.env.CREDCTL_STORE;
      delete process.env.CREDCTL_KEY_FILE;
    }
    expect(api.keys('api-server').map((k) => [k.id, k.status])).toEqual([[old.id, 'Active']]);
    expect(p.read('.env')).toContain(`AWS_ACCESS_KEY_ID=${old.id}\nAWS_SECRET_ACCESS_KEY=${old.secret}\n`);
  });

  it('a user already holding two keys is refused with the other key named, and nothing changes', async () => {
    api.addUser('crowded', {});
    const old = api.addKey('crowded');
    const other = api.addKey('crowded');
    const p = await project(old);
    const before = p.read('.env');
    const summary = await applyPlan(makePlan(loadProject(p.root), { all: true }), {
      yes: true,
      noInput: true,
      concurrency: 1,
      store: p.store,
      onEvent: () => undefined,
    });
    expect(summary.failed).toHaveLength(1);
    expect(JSON.stringify(summary.failed)).toContain('two access keys');
    expect(JSON.stringify(summary.failed)).toContain(other.id.slice(0, 8));
    expect(p.read('.env')).toBe(before);
    expect(api.keys('crowded')).toHaveLength(2);
  });
});

describe('aws in a blast radius', () => {
  it('a key seen only in a leak is verified with the key id leaked beside it; the id alone is not a key', async () => {
    api.addUser('laptop', { policies: ['ReadOnlyAccess'] });
    const inUse = api.addKey('laptop');
    const leaked = api.addKey('laptop');
    const p = await project(inUse);
    const leak = join(p.root, 'paste.txt');
    writeFileSync(leak, `export AWS_ACCESS_KEY_ID=${leaked.id}\nexport AWS_SECRET_ACCESS_KEY=${leaked.secret}\n`);
    const { report } = await runBlastRadius(p.root, { leaked: [leak] });
    const secret = report.items.find((i) => !i.inGraph && i.kind === 'secret_access_key')!;
    expect(secret).toMatchObject({ liveness: { status: 'active' }, identity: { credentialId: leaked.id, principal: 'arn:aws:iam::000011112222:user/laptop' } });
    const id = report.items.find((i) => !i.inGraph && i.kind === 'access_key_id')!;
    expect(id.liveness.status).toBe('active');
    expect(id.access.scopes).toEqual([]);
    expect(id.score).toBeLessThan(secret.score);
    expect(JSON.stringify(report)).not.toContain(leaked.secret);
  });
});
