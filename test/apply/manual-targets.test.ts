import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan, applyPlanAsGiven, makePlan, resumeApply } from '../../src/commands/rotate.js';
import { loadProject } from '../../src/graph/project-context.js';
import { readJournal } from '../../src/apply/journal.js';
import { fingerprint } from '../../src/core/fingerprint.js';
import type { Plan } from '../../src/plan/types.js';
import type { Prompter } from '../../src/apply/ports.js';
import { makeRotationProject, startTestIssuer, valueIn, type Issuer, type RotationProject } from '../helpers/rotation-project.js';
import { trustProject } from '../helpers/trust.js';

// A target credctl cannot write (here: GitHub Actions secrets with no GitHub token) is a manual
// step: a person sets it and confirms. The old key is revoked only after that confirmation, and
// without one the run pauses (nothing rolled back, old key still valid) until it is resumed.
let issuer: Issuer;
beforeAll(async () => {
  issuer = await startTestIssuer();
});
afterAll(async () => issuer?.close());

const KEY = 'github-actions:acme/api:EVENTS_API_KEY';
const quiet = { onEvent: () => undefined };

async function projectWithActionsSecret(): Promise<RotationProject> {
  const p = await makeRotationProject(issuer, { names: ['EVENTS_API_KEY'], health: 'none' });
  mkdirSync(join(p.root, '.github', 'workflows'), { recursive: true });
  writeFileSync(
    join(p.root, '.github', 'workflows', 'ci.yml'),
    'on: push\njobs:\n  smoke:\n    runs-on: ubuntu-latest\n    steps:\n      - run: node check.mjs\n        env:\n          EVENTS_API_KEY: ${{ secrets.EVENTS_API_KEY }}\n',
  );
  writeFileSync(join(p.root, 'credctl.yaml'), `project:\n  github: acme/api\n${p.read('credctl.yaml')}`);
  trustProject(p.root, p.env);
  return p;
}

const journalOf = (runDir: string) => readJournal(join(runDir, 'journal.jsonl'));

describe('manual targets', () => {
  it('plans a manual step for the Actions secret, pauses under --no-input, and revokes only after --confirm-manual', async () => {
    const p = await projectWithActionsSecret();
    const old = p.values.EVENTS_API_KEY!;
    const plan = makePlan(loadProject(p.root), { all: true });
    const cred = plan.credentials[0]!;
    const manual = cred.steps.find((s) => s.action === 'manual-inject')!;
    expect(manual.manual).toMatchObject({ url: 'https://github.com/acme/api/settings/secrets/actions', confirmKey: KEY });

    // A confirmation given before the run reached the place does not count: the new value did not exist yet.
    const first = await applyPlanAsGiven(plan, { yes: true, noInput: true, concurrency: 1, store: p.store, confirmedManual: [KEY], ...quiet });
    expect(first.awaitingManual).toEqual([{ id: cred.id, keys: [KEY] }]);
    expect(first.failed).toEqual([]);
    expect(first.revoked).toEqual([]);
    // The files credctl can write hold the new key; the old one still works (not revoked, not rolled back).
    const fresh = valueIn(p.read('.env'), 'EVENTS_API_KEY')!;
    expect(fresh).not.toBe(old);
    expect(await p.whoami(old)).toBe(200);
    expect(await p.whoami(fresh)).toBe(200);
    const j1 = journalOf(first.runDir);
    expect(j1.some((r) => r.step === `${cred.id}/revoke`)).toBe(false);
    expect(j1.find((r) => r.step === manual.id && r.event === 'failed')?.data).toMatchObject({ awaiting: 'manual', key: KEY });

    // A resume without the confirmation still waits; with it, the run finishes.
    const again = await resumeApply(p.root, first.runId, { yes: true, noInput: true, concurrency: 1, store: p.store, ...quiet });
    expect(again.awaitingManual).toHaveLength(1);
    expect(await p.whoami(old)).toBe(200);
    const done = await resumeApply(p.root, first.runId, { yes: true, noInput: true, concurrency: 1, store: p.store, confirmedManual: [KEY], ...quiet });
    expect(done.rotated).toEqual([cred.id]);
    expect(await p.whoami(old)).toBe(401);
    const j = journalOf(first.runDir);
    const confirmed = j.findIndex((r) => r.step === manual.id && r.event === 'done');
    const revokeStart = j.findIndex((r) => r.step === `${cred.id}/revoke` && r.event === 'start');
    expect(confirmed).toBeGreaterThan(-1);
    expect(revokeStart).toBeGreaterThan(confirmed);
    expect(j[confirmed]!.data).toMatchObject({ target: KEY, manual: true, confirmedBy: 'flag', envName: 'EVENTS_API_KEY' });
    expect(Date.parse(String(j[confirmed]!.data!.confirmedAt))).not.toBeNaN();
  });

  it('the revoke step never runs before a pending manual confirmation, even in a plan with revoke moved first', async () => {
    const p = await projectWithActionsSecret();
    const plan: Plan = makePlan(loadProject(p.root), { all: true });
    const cred = plan.credentials[0]!;
    const revoke = cred.steps.find((s) => s.action === 'revoke')!;
    cred.steps = [...cred.steps.filter((s) => s !== revoke && s.action !== 'verify-revoked' && s.action !== 'promote'), revoke];
    const manualAt = cred.steps.findIndex((s) => s.action === 'manual-inject');
    cred.steps.splice(manualAt, 0, cred.steps.pop()!); // revoke right before the manual step
    const summary = await applyPlanAsGiven(plan, { yes: true, noInput: true, concurrency: 1, store: p.store, ...quiet });
    expect(summary.revoked).toEqual([]);
    expect(summary.failed[0]?.reason).toMatch(/not revoking the old EVENTS_API_KEY: EVENTS_API_KEY in GitHub Actions secrets of acme\/api not done yet/);
    expect(await p.whoami(p.values.EVENTS_API_KEY!)).toBe(200);
  });

  it('on a terminal it shows the place and asks; "not yet" pauses, "yes" finishes', async () => {
    const p = await projectWithActionsSecret();
    const asked: string[] = [];
    const answer = (yes: boolean): Prompter => ({
      secret: async () => {
        throw new Error('no secret is asked for');
      },
      confirm: async (m) => {
        asked.push(m);
        return yes;
      },
    });
    const plan = makePlan(loadProject(p.root), { all: true });
    const first = await applyPlanAsGiven(plan, { yes: true, noInput: false, concurrency: 1, store: p.store, prompter: answer(false), ...quiet });
    expect(first.awaitingManual).toHaveLength(1);
    expect(asked).toEqual(['Have you set EVENTS_API_KEY in GitHub Actions secrets of acme/api to the new value?']);
    const done = await resumeApply(p.root, first.runId, { yes: true, noInput: false, concurrency: 1, store: p.store, prompter: answer(true), ...quiet });
    expect(done.rotated).toHaveLength(1);
    const data = journalOf(first.runDir).find((r) => r.event === 'done' && r.step?.includes('/manual-inject/'))!.data!;
    expect(data).toMatchObject({ manual: true, confirmedBy: 'prompt', target: KEY });
  });

  it('an Actions target that cannot be reached at apply time offers the same manual path instead of failing', async () => {
    const p = await projectWithActionsSecret();
    // A token is named, so the plan writes the secret itself...
    writeFileSync(join(p.root, 'credctl.yaml'), p.read('credctl.yaml').replace('providers:\n', 'providers:\n  github: { admin: "store:github/admin" }\n'));
    trustProject(p.root, p.env);
    await p.store.put('github/admin', 'ghp_FAKE0123456789FAKE0123456789FAKE01', ['current']);
    const plan = makePlan(loadProject(p.root), { all: true });
    expect(plan.credentials[0]!.steps.filter((s) => s.action === 'inject').map((s) => s.target?.type)).toContain('github-actions');
    // ...but GitHub does not answer (a closed port).
    const port = await closedPort();
    const apiUrl = { 'github-actions': `http://127.0.0.1:${port}` };
    const paused = await applyPlanAsGiven(plan, { yes: true, noInput: true, concurrency: 1, store: p.store, apiUrl, ...quiet });
    expect(paused.failed).toEqual([]);
    expect(paused.awaitingManual).toEqual([{ id: plan.credentials[0]!.id, keys: [KEY] }]);
    expect(await p.whoami(p.values.EVENTS_API_KEY!)).toBe(200);
    const done = await resumeApply(p.root, paused.runId, {
      yes: true,
      noInput: true,
      concurrency: 1,
      store: p.store,
      apiUrl,
      confirmedManual: [KEY],
      ...quiet,
    });
    expect(done.rotated).toHaveLength(1);
    expect(await p.whoami(p.values.EVENTS_API_KEY!)).toBe(401);
    const rec = journalOf(paused.runDir).find((r) => r.event === 'done' && r.data?.manual === true)!;
    expect(rec.step).toMatch(/\/inject\/\d+$/);
    expect(rec.data).toMatchObject({ target: KEY, manual: true });
    expect(fingerprint(valueIn(p.read('.env'), 'EVENTS_API_KEY')!)).not.toBe(fingerprint(p.values.EVENTS_API_KEY!));
  }, 30_000);
});

describe('guards judged by scopes survive the check against a fresh build', () => {
  it('a plan made with live scopes applies only with the same scopes; without them it is refused, changing nothing', async () => {
    const p = await projectWithActionsSecret();
    writeFileSync(join(p.root, '.env'), `${p.read('.env')}GH_PACKAGES_TOKEN=FAKEq2WzUo7pLx4VnR8sTb3Ye6DkFAKE\n`);
    const ctx = loadProject(p.root);
    const gh = ctx.graph.nodes.find((n) => n.type === 'credential' && n.names.includes('GH_PACKAGES_TOKEN'));
    expect(gh?.id).toBeDefined();
    const assumed = makePlan(ctx, { all: true });
    expect(assumed.credentials.find((c) => c.id === gh!.id)!.orderReason).toMatch(/assumed/);
    const grants = new Map([[gh!.id, ['read:packages']]]);
    const plan = makePlan(ctx, { all: true }, { grants });
    expect(plan.credentials.find((c) => c.id === gh!.id)!.guards).toEqual([]);
    const before = p.read('.env');
    await expect(applyPlan(plan, { yes: true, noInput: true, concurrency: 1, store: p.store, ...quiet })).rejects.toThrow(/guards differs/);
    expect(p.read('.env')).toBe(before);
    // The token itself has no API: a person pastes its replacement (and, asked about the Actions
    // secret, says "not yet"), so the run pauses at the manual place, guarded by nothing.
    const person = { secret: async () => 'FAKEnewPAT0123456789abcdefFAKE01', confirm: async () => false };
    const summary = await applyPlan(plan, { yes: true, noInput: true, concurrency: 1, store: p.store, grants, prompter: person, ...quiet });
    expect(summary.awaitingManual?.map((a) => a.keys)).toEqual([[KEY]]);
  });
});

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}
