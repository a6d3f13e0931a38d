import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runBlastRadius } from '../../src/commands/blast-radius.js';
import { applyPlan } from '../../src/commands/rotate.js';
import { runCli } from '../helpers/cli.js';
import { liveFixture } from '../helpers/fixture-project.js';
import { startTestIssuer } from '../helpers/rotation-project.js';

// An AWS key id is one part of a two-part credential: it leaks alone (a pasted log line), its
// secret does not. The incident opens on the key id (not "name the secret" as if the user had
// asked to rotate a part), says to rotate the secret it belongs to, and calls the key id
// recovered exactly when that credential is: its rotation revokes the old key pair.
const issuerReady = startTestIssuer();
afterAll(async () => (await issuerReady).close());

/** A person at the manual steps: pastes a new AWS key pair of the right form, confirms the revoke. */
const pasted = {
  keyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`.slice(0, 20),
  secret: randomBytes(30).toString('base64').replace(/[+/=]/g, 'A').slice(0, 40),
};
const person = {
  secret: async (message: string) => (/AWS_ACCESS_KEY_ID/.test(message) ? pasted.keyId : pasted.secret),
  confirm: async () => true,
};
const inK8s = (text: string, key: string) => new RegExp(`^\\s+${key}: (\\S+)$`, 'm').exec(text)?.[1];

describe('a key id leaked without its secret', () => {
  it('opens an incident on it, points at its secret, and is recovered when that secret is rotated', async () => {
    const issuer = await issuerReady;
    const fx = await liveFixture('worker-python-k8s', issuer);
    const secretFile = join(fx.root, 'k8s', 'secret.yaml');
    const keyId = inK8s(readFileSync(secretFile, 'utf8'), 'AWS_ACCESS_KEY_ID')!;
    const oldSecret = inK8s(readFileSync(secretFile, 'utf8'), 'AWS_SECRET_ACCESS_KEY')!;
    expect(keyId).toMatch(/^AKIA/);
    writeFileSync(join(fx.root, 'leak.txt'), `2026-01-01T00:00:00Z using AWS_ACCESS_KEY_ID=${keyId}\n`);
    const env = { ...process.env, NO_COLOR: '1', CI: 'true' };
    const cli = (...args: string[]) => runCli(args, { cwd: fx.root, env });

    const opened = await cli('incident', 'open', '--leaked', 'leak.txt', '--title', 'key id in a pasted log', '--no-probe', '--json');
    expect(opened.code, opened.stderr).toBe(1);
    const status = async () => {
      const r = await cli('incident', 'status', '--json');
      return JSON.parse(r.stdout).incidents[0].credentials as { names: string[]; state: string; next?: string; credential?: unknown }[];
    };
    const [before] = await status();
    expect(before).toMatchObject({ names: ['AWS_ACCESS_KEY_ID'], state: 'exposed', next: 'credctl rotate AWS_SECRET_ACCESS_KEY' });

    // The recovery plan rotates the secret, which replaces the key id with it.
    const { plan, report } = await runBlastRadius(fx.root, { leaked: [join(fx.root, 'leak.txt')], probe: false });
    expect(plan!.credentials.map((c) => c.names[0])).toEqual(['AWS_SECRET_ACCESS_KEY']);
    expect(report.items[0]!.rotation).toMatchObject({ note: 'rotated together with AWS_SECRET_ACCESS_KEY', order: 1 });
    const summary = await applyPlan(plan!, { yes: true, noInput: false, concurrency: 1, store: fx.store, prompter: person, onEvent: () => undefined });
    expect(summary.failed).toEqual([]);
    expect(summary.rotated).toHaveLength(1);
    // The Kubernetes Secret names one entry per value: the new key id went to its own entry, and the
    // old secret was never taken for the key id (nor journaled, audited or put in the proof as one).
    const k8s = readFileSync(secretFile, 'utf8');
    expect([inK8s(k8s, 'AWS_ACCESS_KEY_ID'), inK8s(k8s, 'AWS_SECRET_ACCESS_KEY')]).toEqual([pasted.keyId, pasted.secret]);
    const state = [join(summary.runDir, 'journal.jsonl'), join(fx.root, '.credctl', 'audit.jsonl')].map((f) => readFileSync(f, 'utf8'));
    for (const text of state) for (const v of [oldSecret, pasted.secret]) expect(text.includes(v)).toBe(false);

    const [after] = await status();
    expect(after!.state).toBe('old-revoked');
    const gate = await cli('incident', 'status');
    expect(gate.code, gate.stdout).toBe(0);
    await fx.admin.close();
  }, 60_000);
});
