import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJournal } from '../../src/apply/journal.js';
import { listRuns, makePlan } from '../../src/commands/rotate.js';
import { loadProject } from '../../src/graph/project-context.js';
import { writePlan } from '../../src/plan/plan-file.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { makeRotationProject, startTestIssuer, valueIn } from '../helpers/rotation-project.js';

// Promise 4 (crash-safe): a run of two credentials with two targets each is killed with SIGKILL
// right after each journal record (every step boundary), then resumed with `apply --resume`.
// After each: every target holds an active credential, every credential the issuer still
// accepts is in a target (nothing created was lost or left dangling), each old credential was
// revoked only after all its targets were written and checked, and the audit log verifies.
const built = existsSync(join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js'));
const NAMES = ['EVENTS_API_KEY', 'BILLING_API_KEY'];

async function killAndResume(killAfter: number): Promise<void> {
  const issuer = await startTestIssuer();
  try {
    const p = await makeRotationProject(issuer, { names: NAMES });
    const plan = makePlan(loadProject(p.root), { all: true });
    const planFile = join(p.root, '.credctl', 'plan.yaml');
    writePlan(plan, planFile);

    // The kill needs a real process (the failpoint SIGKILLs it); the resume runs in this one.
    const first = await spawnCli(['apply', planFile, '--yes', '--no-input', '--root', p.root], {
      env: { ...p.env, CREDCTL_FAILPOINT_JOURNAL: String(killAfter) },
      timeoutMs: 60_000,
      killSignal: 'SIGTERM',
    });
    expect(first.signal, `kill point ${killAfter}: ${first.stderr}`).toBe('SIGKILL');
    const [runs] = listRuns(p.root);
    expect(runs).toBeDefined();
    if (!runs!.finished) {
      const resumed = await runCli(['apply', '--resume', runs!.runId, '--yes', '--no-input', '--root', p.root], { env: p.env });
      expect(resumed.code, `resume after kill point ${killAfter}: ${resumed.stderr}`).toBe(0);
      for (const v of Object.values(p.values)) expect(resumed.stdout + resumed.stderr).not.toContain(v);
    }

    // Every target holds an active credential, and it is the store's current one.
    const inTargets = new Set<string>();
    for (const name of NAMES) {
      for (const file of ['.env', 'deploy/app.env']) {
        const v = valueIn(p.read(file), name)!;
        expect(await p.whoami(v), `${file} ${name} after kill point ${killAfter}`).toBe(200);
        inTargets.add(v);
      }
      expect(inTargets.has((await p.store.get(name, { label: 'current' }))!)).toBe(true);
    }
    expect(inTargets.size).toBe(NAMES.length);
    // Old credentials are revoked; nothing the issuer still accepts is outside the targets.
    for (const old of Object.values(p.values)) expect(await p.whoami(old)).toBe(401);
    const active = (await p.admin.list())
      .filter((c) => c.status === 'active')
      .map((c) => c.id)
      .sort();
    const targetIds: string[] = [];
    // The id as the client addresses it: introspection credential_id, else whoami id (spec 0.2, decision 1).
    for (const v of inTargets) targetIds.push((await p.admin.credentialId(v))!);
    expect(active).toEqual(targetIds.sort());

    // Promise 2 in the journal: each revoke finished after all its injects and checks finished.
    const journal = readJournal(join(p.root, '.credctl', 'runs', runs!.runId, 'journal.jsonl'));
    for (const cred of plan.credentials) {
      const doneAt = (step: string) => journal.findIndex((r) => r.step === step && r.event === 'done');
      const revoke = doneAt(`${cred.id}/revoke`);
      expect(revoke).toBeGreaterThan(-1);
      for (const s of cred.steps.filter((x) => x.action === 'inject' || x.action === 'health')) expect(doneAt(s.id)).toBeLessThan(revoke);
      // A revoke never started before its credential's targets were all verified.
      const revokeStart = journal.findIndex((r) => r.step === `${cred.id}/revoke` && r.event === 'start');
      for (const s of cred.steps.filter((x) => x.action === 'inject')) expect(doneAt(s.id)).toBeLessThan(revokeStart);
    }
    expect(p.audit().ok).toBe(true);
    await p.admin.close();
  } finally {
    await issuer.close();
  }
}

describe.skipIf(!built)('kill -9 at every step boundary, then resume', () => {
  // 2 credentials x 10 steps x (start + done) + run-start + run-end = 42 journal records.
  const points = Array.from({ length: 42 }, (_, i) => i + 1);
  it.concurrent.each(points)(
    'kill after journal record %i',
    async (n) => {
      await killAndResume(n);
    },
    120_000,
  );
});
