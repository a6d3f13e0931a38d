import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/core/fingerprint.js';
import { runCli } from '../helpers/cli.js';
import { makeRotationProject, startTestIssuer, valueIn, type Issuer, type RotationProject } from '../helpers/rotation-project.js';

// `credctl audit show --credential X` after a real rotation (in-process, against the reference
// issuer): by env name, store name, credential id or fingerprint prefix it lists every entry
// about that credential, whatever its kind: rotate.* (subject: names + credential id), the
// store's (subject: name + fingerprint), and the replacement's (linked by rotate.create).
let issuer: Issuer;
let p: RotationProject;
let oldFp: string;
let newFp: string;
beforeAll(async () => {
  issuer = await startTestIssuer();
  p = await makeRotationProject(issuer, { names: ['EVENTS_API_KEY', 'BILLING_API_KEY'], health: 'none' });
  const r = await runCli(['rotate', 'EVENTS_API_KEY', '--yes', '--no-input', '--root', p.root], { cwd: p.root, env: p.env });
  expect(r.code, r.stderr).toBe(0);
  // A store entry under the credential's store name, as a person keeps a copy.
  const put = await runCli(['store', 'put', 'EVENTS_API_KEY', '--label', 'pending'], { cwd: p.root, env: p.env, input: 'FAKE-0123456789-EXAMPLE' });
  expect(put.code, put.stderr).toBe(0);
  oldFp = fingerprint(p.values.EVENTS_API_KEY!);
  newFp = fingerprint(valueIn(p.read('.env'), 'EVENTS_API_KEY')!);
}, 60_000);
afterAll(async () => issuer?.close());

async function show(query: string): Promise<{ action: string; subject: Record<string, unknown> }[]> {
  const r = await runCli(['audit', 'show', '--credential', query, '--json'], { cwd: p.root, env: p.env });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).entries;
}

const ROTATION = [
  'rotate.snapshot',
  'rotate.create',
  'rotate.store',
  'rotate.inject',
  'rotate.introspect',
  'rotate.promote',
  'rotate.revoke',
  'rotate.verify-revoked',
];

describe('audit show --credential', () => {
  it('by env name: every rotate.* entry of its rotation and the store entries, nothing about another credential', async () => {
    const entries = await show('EVENTS_API_KEY');
    const actions = new Set(entries.map((e) => e.action));
    for (const a of ROTATION) expect(actions, a).toContain(a);
    expect(actions).toContain('store.put');
    expect(entries.filter((e) => e.action === 'rotate.inject')).toHaveLength(2);
    expect(JSON.stringify(entries)).not.toContain('BILLING_API_KEY');
  });

  it('by fingerprint prefix of the old value, or the full credential id: the same rotation', async () => {
    for (const q of [oldFp.slice(0, 10), oldFp]) {
      const actions = new Set((await show(q)).map((e) => e.action));
      for (const a of ROTATION) expect(actions, `${q} ${a}`).toContain(a);
    }
  });

  it("by the replacement's fingerprint: its rotation too (rotate.create recorded it)", async () => {
    const actions = new Set((await show(newFp.slice(0, 12))).map((e) => e.action));
    expect(actions).toContain('rotate.create');
    expect(actions).toContain('rotate.revoke');
  });

  it('nothing for a name or fingerprint no entry concerns; the text listing names rotate.* subjects', async () => {
    expect(await show('NOT_A_NAME')).toEqual([]);
    expect(await show('fp_ffffffffffff')).toEqual([]);
    const r = await runCli(['audit', 'show', '--credential', 'EVENTS_API_KEY'], { cwd: p.root, env: p.env });
    expect(r.stdout).toMatch(/rotate\.create {2}EVENTS_API_KEY fp_\w+ example/);
    for (const v of Object.values(p.values)) expect(r.stdout).not.toContain(v);
  });
});
