import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pendingDeletions as pendingIn } from '../../src/apply/deletions.js';
import { finalizeDeletions } from '../../src/commands/finalize.js';
import { projectState } from '../../src/state/files.js';
import { rotationProviderFor } from '../../src/apply/providers.js';
import { applyPlan, makePlan } from '../../src/commands/rotate.js';
import { loadProject } from '../../src/graph/project-context.js';
import { rollbackCredential } from '../../src/commands/rollback.js';
import { fingerprint } from '../../src/core/fingerprint.js';
import { projectPaths } from '../../src/core/paths.js';

/** What is waiting for deletion in this project's runs. */
const pendingDeletions = (root: string, now?: Date) => pendingIn(projectState(projectPaths(root)).runs, now);
import { buildPlan } from '../../src/plan/build.js';
import { readPlan, writePlan } from '../../src/plan/plan-file.js';
import { wiredProviders } from '../../src/integrations/providers.js';
import { SafeHttp } from '../../src/net/http.js';
import { dueItems } from '../../src/report/status.js';
import { makeRotationProject, startTestIssuer, valueIn, type Issuer } from '../helpers/rotation-project.js';
import { runCli } from '../helpers/cli.js';

// Revocation with a grace period, against the reference issuer: the old key is deactivated
// (refused, but reversible), rollback can bring it back, and `credctl finalize` deletes it once
// the date recorded in the run has passed. Nothing is deleted early, nothing in use is deleted.
let issuer: Issuer;
beforeAll(async () => {
  issuer = await startTestIssuer();
});
afterAll(async () => issuer?.close());

const DAY = 86_400_000;
const inDays = (n: number) => new Date(Date.now() + n * DAY);
const useFileStore = (env: Record<string, string | undefined>) => {
  process.env.CREDCTL_STORE = 'file';
  process.env.CREDCTL_KEY_FILE = env.CREDCTL_KEY_FILE;
  return () => {
    delete process.env.CREDCTL_STORE;
    delete process.env.CREDCTL_KEY_FILE;
  };
};

describe('plans with a grace period', () => {
  it('deactivate the old credential where the provider can undo it, and revoke at once where it cannot', async () => {
    const p = await makeRotationProject(issuer, { health: 'none' });
    const plan = makePlan(loadProject(p.root), { all: true }, { graceDays: 7 });
    const revoke = plan.credentials[0]!.steps.find((s) => s.action === 'revoke')!;
    expect(revoke).toMatchObject({ mode: 'deactivate', graceDays: 7 });
    expect(revoke.description).toMatch(/Deactivate the old .*reversible .*7 days.*credctl finalize/);
    // The plan file keeps it, and a hand-edited grace outside 1..3650 days is refused.
    const file = join(p.root, 'plan.yaml');
    writePlan(plan, file);
    expect(readPlan(file).credentials[0]!.steps.find((s) => s.action === 'revoke')).toMatchObject({ mode: 'deactivate', graceDays: 7 });
    writePlan(
      { ...plan, credentials: plan.credentials.map((c) => ({ ...c, steps: c.steps.map((s) => (s.action === 'revoke' ? { ...s, graceDays: -1 } : s)) })) },
      file,
    );
    expect(() => readPlan(file)).toThrow(/graceDays/);
    // A deactivation without a grace period, or a grace period on a plain revocation: refused too.
    const edited = (edit: (st: Record<string, unknown>) => void) => {
      writePlan(
        {
          ...plan,
          credentials: plan.credentials.map((c) => ({
            ...c,
            steps: c.steps.map((st) => {
              const copy = { ...st } as Record<string, unknown>;
              if (st.action === 'revoke') edit(copy);
              return copy as never;
            }),
          })),
        },
        file,
      );
      return () => readPlan(file);
    };
    expect(edited((st) => delete st.graceDays)).toThrow(/graceDays/);
    expect(edited((st) => (st.mode = 'revoke'))).toThrow(/plan/);

    // Without a grace period: a plain revocation, as before.
    expect(makePlan(loadProject(p.root), { all: true }).credentials[0]!.steps.find((s) => s.action === 'revoke')).toMatchObject({ mode: 'revoke' });

    // A provider that cannot reactivate: revoked at once, and the plan says so.
    const ctx = loadProject(p.root);
    const providers = wiredProviders({ overrides: { example: issuer.url } }).map((e) =>
      e.id === 'example' ? { ...e, support: { ...e.support, reactivate: 'none' as const } } : e,
    );
    const strict = buildPlan({ root: p.root, graph: ctx.graph, providers, select: { all: true }, hasAdmin: () => true, graceDays: 7 });
    expect(strict.credentials[0]!.steps.find((s) => s.action === 'revoke')).toMatchObject({ mode: 'revoke' });
    expect(strict.credentials[0]!.notes?.join(' ')).toMatch(/cannot deactivate a credential reversibly.*revoked at once/);
  });
});

describe('a rotation with a grace period', () => {
  it('deactivates the old key, keeps it deletable only after the grace period, and finalize deletes it for good', async () => {
    const p = await makeRotationProject(issuer, { health: 'pass' });
    const restore = useFileStore(p.env);
    try {
      const old = p.values.EVENTS_API_KEY!;
      const summary = await applyPlan(makePlan(loadProject(p.root), { all: true }, { graceDays: 3 }), {
        yes: true,
        noInput: true,
        concurrency: 1,
        store: p.store,
        onEvent: () => undefined,
      });
      expect(summary.failed).toEqual([]);
      expect(summary.deactivated.map((d) => d.id)).toEqual([fingerprint(old)]);
      expect(Date.parse(summary.deactivated[0]!.deleteAfter)).toBeGreaterThan(inDays(2.9).getTime());
      expect(summary.refusedAfterRevoke).toEqual([fingerprint(old)]); // deactivated = refused
      expect(await p.whoami(old)).toBe(401);
      const id = (await p.admin.list()).find((c) => c.status === 'deactivated')?.id;
      expect(id).toBeDefined();

      // Waiting: listed, not due; finalize deletes nothing yet and status reports nothing.
      const pending = pendingDeletions(p.root);
      expect(pending).toMatchObject([{ credentialId: fingerprint(old), name: 'EVENTS_API_KEY', due: false }]);
      const early = await finalizeDeletions(p.root, { yes: true, noInput: true, store: p.store });
      expect(early).toMatchObject({ deleted: [], due: [], waiting: [{ credentialId: fingerprint(old) }] });
      expect((await p.admin.get(id!)).status).toBe('deactivated');
      expect(dueItems({ root: p.root, items: [], expiryWarningDays: 14, pendingDeletions: pending }).filter((d) => d.reason === 'deletion-due')).toEqual([]);

      // Four days later: due in status, listed by a dry run, deleted by finalize, recorded.
      const later = inDays(4);
      const due = dueItems({ root: p.root, items: [], expiryWarningDays: 14, now: later, pendingDeletions: pendingDeletions(p.root, later) });
      expect(due).toMatchObject([{ reason: 'deletion-due', what: expect.stringContaining('EVENTS_API_KEY') }]);
      const dry = await finalizeDeletions(p.root, { yes: true, noInput: true, dryRun: true, now: later, store: p.store });
      expect(dry).toMatchObject({ dryRun: true, deleted: [], due: [{ credentialId: fingerprint(old) }] });
      expect((await p.admin.get(id!)).status).toBe('deactivated');
      await expect(finalizeDeletions(p.root, { yes: false, noInput: true, now: later, store: p.store })).rejects.toThrow(/needs confirmation/);

      const done = await finalizeDeletions(p.root, { yes: true, noInput: true, now: later, store: p.store });
      expect(done.deleted.map((d) => d.credentialId)).toEqual([fingerprint(old)]);
      expect(done.failed).toEqual([]);
      expect((await p.admin.get(id!)).status).toBe('revoked');
      expect(pendingDeletions(p.root, later)).toEqual([]);
      // Once deleted, rollback has nothing to bring back.
      await expect(rollbackCredential(p.root, 'EVENTS_API_KEY', { yes: true, noInput: true })).rejects.toThrow(/no longer accepted/);

      const runDir = join(projectPaths(p.root).runs, summary.runId);
      expect(readFileSync(join(runDir, 'journal.jsonl'), 'utf8')).toContain(`"${fingerprint(old)}/delete-old"`);
      const audit = p.audit();
      expect(audit.ok).toBe(true);
      const state = readFileSync(join(runDir, 'journal.jsonl'), 'utf8') + readFileSync(projectPaths(p.root).audit, 'utf8');
      expect(state).not.toContain(old);
      expect(state).toContain('credential.delete');
    } finally {
      restore();
    }
  });

  it('rollback within the grace period reactivates the old key, restores it everywhere, and cancels its deletion', async () => {
    const p = await makeRotationProject(issuer, { health: 'none' });
    const restore = useFileStore(p.env);
    try {
      const old = p.values.EVENTS_API_KEY!;
      await applyPlan(makePlan(loadProject(p.root), { all: true }, { graceDays: 7 }), {
        yes: true,
        noInput: true,
        concurrency: 1,
        store: p.store,
        onEvent: () => undefined,
      });
      const fresh = valueIn(p.read('.env'), 'EVENTS_API_KEY')!;
      expect(fresh).not.toBe(old);
      expect(await p.whoami(old)).toBe(401);

      const result = await rollbackCredential(p.root, 'EVENTS_API_KEY', { yes: true, noInput: true });
      expect(result.targets).toHaveLength(2);
      expect(await p.whoami(old)).toBe(200);
      expect(valueIn(p.read('.env'), 'EVENTS_API_KEY')).toBe(old);
      expect(valueIn(p.read('deploy/app.env'), 'EVENTS_API_KEY')).toBe(old);
      expect(await p.store.get('EVENTS_API_KEY', { label: 'current' })).toBe(old);

      // Rolling back twice would roll forward again: refused.
      await expect(rollbackCredential(p.root, 'EVENTS_API_KEY', { yes: true, noInput: true })).rejects.toThrow(/no finished rotation of EVENTS_API_KEY/);
      // The credential in use again is never deleted, even long after the grace period.
      expect(pendingDeletions(p.root, inDays(30))).toEqual([]);
      const much = await finalizeDeletions(p.root, { yes: true, noInput: true, force: true, now: inDays(30), store: p.store });
      expect(much.deleted).toEqual([]);
      expect(await p.whoami(old)).toBe(200);
      expect(p.audit().ok).toBe(true);
      expect(readFileSync(projectPaths(p.root).audit, 'utf8')).toContain('credential.reactivate');
    } finally {
      restore();
    }
  });

  it('credctl finalize and status from the command line', async () => {
    const p = await makeRotationProject(issuer, { health: 'none' });
    // In-process (test/helpers/cli.ts), next to the issuer that answers it.
    const run = async (...args: string[]) => {
      const r = await runCli(args, { cwd: p.root, env: p.env });
      return { status: r.code ?? -1, stdout: r.stdout, stderr: r.stderr };
    };
    const rotated = await run('rotate', '--project', '--grace', '2d', '--yes', '--no-input');
    expect(rotated.status, rotated.stderr).toBe(0);
    expect(rotated.stdout).toMatch(/deactivated, not deleted: `credctl rollback` can still bring it back; `credctl finalize` deletes it after/);
    expect((await run('rotate', '--project', '--grace', 'soon', '--dry-run')).status).toBe(2);

    const dry = await run('finalize', '--dry-run');
    expect(dry.status).toBe(0);
    expect(dry.stdout).toMatch(/^waiting +EVENTS_API_KEY .*deletable after/m);
    const status = await run('status', '--no-probe');
    expect(status.status, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^Nothing due/);
    const forced = await run('finalize', '--force', '--yes', '--json');
    expect(forced.status, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout).deleted).toHaveLength(1);
    expect((await run('finalize')).stdout).toBe('nothing deactivated is waiting for deletion\n');
    for (const r of [rotated, dry, forced]) expect(r.stdout + r.stderr).not.toContain(p.values.EVENTS_API_KEY!);
  });
});

describe('finalize never deletes what is in use, and copes with what it cannot do', () => {
  it('keeps an old key the issuer accepts again, and lets a person record a deletion done by hand', async () => {
    const p = await makeRotationProject(issuer, { health: 'none' });
    const restore = useFileStore(p.env);
    try {
      const old = p.values.EVENTS_API_KEY!;
      await applyPlan(makePlan(loadProject(p.root), { all: true }, { graceDays: 1 }), {
        yes: true,
        noInput: true,
        concurrency: 1,
        store: p.store,
        onEvent: () => undefined,
      });
      // Someone reactivates it in the provider's console because a forgotten consumer broke.
      const id = (await p.admin.list()).find((c) => c.status === 'deactivated')!.id;
      await p.admin.reactivate(id);
      const r = await finalizeDeletions(p.root, { yes: true, noInput: true, now: inDays(2), store: p.store });
      expect(r.deleted).toEqual([]);
      expect(r.kept).toMatchObject([{ credentialId: fingerprint(old), reason: expect.stringMatching(/accepts it again/) }]);
      expect(await p.whoami(old)).toBe(200);
      // Still listed (a leaked key that works again is not forgotten), until a person says it is gone.
      expect(pendingDeletions(p.root, inDays(2))).toHaveLength(1);
      const { forgetDeletion } = await import('../../src/commands/finalize.js');
      expect((await forgetDeletion(p.root, 'EVENTS_API_KEY', { store: p.store })).map((d) => d.credentialId)).toEqual([fingerprint(old)]);
      expect(pendingDeletions(p.root, inDays(2))).toEqual([]);
      expect(readFileSync(projectPaths(p.root).audit, 'utf8')).toContain('credctl finalize --forget');
    } finally {
      restore();
    }
  });

  it('deactivating a key that was revoked for good already is not an error, and leaves nothing to delete', async () => {
    const p = await makeRotationProject(issuer, { health: 'none' });
    const plan = makePlan(loadProject(p.root), { all: true }, { graceDays: 7 });
    const cred = plan.credentials[0]!;
    const provider = rotationProviderFor(cred, { store: p.store, adminRef: () => 'store:example/admin', issuerFor: () => issuer.url, http: new SafeHttp() });
    const spare = await p.admin.create({ scopes: ['events:read'], environment: 'live', name: 'spare' });
    await p.admin.revoke({ id: spare.id });
    expect(await provider.revoke({ value: spare.value, id: spare.id, mode: 'deactivate' })).toBe('already');
    const live = await p.admin.create({ scopes: ['events:read'], environment: 'live', name: 'live' });
    expect(await provider.revoke({ value: live.value, id: live.id, mode: 'deactivate' })).toBe('revoked');
    expect(await provider.revoke({ value: live.value, id: live.id, mode: 'deactivate' })).toBe('revoked'); // twice: a resumed run
    expect((await p.admin.get(live.id)).status).toBe('deactivated');
    await provider.reactivate!({ value: live.value, id: live.id });
    expect(await p.whoami(live.value)).toBe(200);
  });
});
