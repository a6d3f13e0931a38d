import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProject } from '../../src/graph/project-context.js';
import { makePlan } from '../../src/commands/rotate.js';
import { incidentProgress, recoveredCredentials, revokedByAudit } from '../../src/incident/progress.js';
import type { IncidentRecord } from '../../src/incident/record.js';
import { planToYaml } from '../../src/plan/plan-file.js';
import type { Plan } from '../../src/plan/types.js';
import type { JournalRecord } from '../../src/state/types.js';
import { makeRotationProject, startTestIssuer, type Issuer } from '../helpers/rotation-project.js';
import { memoryBacking, memoryState } from '../state/memory-state.js';

// An incident's states are read from what the runs' journals say happened, step by step: a
// replacement created, each target written (or confirmed by a person), the old value revoked or
// deactivated and later deleted; and a rollback undoes all of it. These journals are written by
// hand on the in-memory state seam, one per state, against a real plan.
let issuer: Issuer;
let plan: Plan;
beforeAll(async () => {
  issuer = await startTestIssuer();
  const p = await makeRotationProject(issuer, { names: ['EVENTS_API_KEY'], health: 'none' });
  plan = makePlan(loadProject(p.root), { all: true }, { graceDays: 3 });
});
afterAll(async () => issuer?.close());

function incidentFor(plan: Plan): IncidentRecord {
  const c = plan.credentials[0]!;
  return {
    schemaVersion: 1,
    id: 'inc-20260101-000000-aaaaaa',
    title: 't',
    openedAt: '2026-01-01T00:00:00.000Z',
    openedBy: 't',
    sources: ['leaked file leak.txt'],
    credentials: [
      {
        id: c.id,
        names: c.names,
        provider: c.provider,
        kind: c.kind,
        redacted: c.redacted,
        evidence: ['leak.txt line 1'],
        places: [],
        keptIn: [],
        inGraph: true,
        livenessAtOpen: 'active',
      },
    ],
  };
}

/** A run whose journal has `done` for each of these step actions (in plan order), then `extra` records. */
function runWith(actions: string[], extra: Partial<JournalRecord>[] = [], data: Record<string, Record<string, unknown>> = {}) {
  const backing = memoryBacking();
  const state = memoryState(backing);
  const cred = plan.credentials[0]!;
  const journal = state.runs.create('20260101-000000-bbbbbb', planToYaml(plan));
  let seq = 0;
  journal.append({ seq: ++seq, time: 't', event: 'run-start' });
  for (const step of cred.steps.filter((s) => actions.includes(s.action))) {
    journal.append({
      seq: ++seq,
      time: 't',
      event: 'done',
      step: step.id,
      data: { ...(step.action === 'create' ? { newFingerprint: 'fp_new' } : {}), ...data[step.action] },
    });
  }
  for (const r of extra) journal.append({ seq: ++seq, time: 't', event: 'rollback', ...r } as JournalRecord);
  return state;
}

const stateAfter = (actions: string[], extra: Partial<JournalRecord>[] = [], data: Record<string, Record<string, unknown>> = {}) => {
  const state = runWith(actions, extra, data);
  return incidentProgress(incidentFor(plan), state.runs)[0]!;
};

describe('incident progress', () => {
  it('moves through the states as the journal records each step', () => {
    expect(stateAfter([]).state).toBe('exposed');
    expect(stateAfter([]).next).toBe('credctl rotate EVENTS_API_KEY');
    const created = stateAfter(['snapshot', 'create', 'store']);
    expect(created.state).toBe('replacement-created');
    expect(created.targets.map((t) => t.state)).toEqual(['pending', 'pending']);
    expect(created.next).toBe('credctl apply --resume 20260101-000000-bbbbbb');
    const written = stateAfter(['snapshot', 'create', 'store', 'inject']);
    expect(written.state).toBe('in-every-target');
    expect(written.targets.map((t) => t.state)).toEqual(['written', 'written']);
    const deactivated = stateAfter(['snapshot', 'create', 'store', 'inject', 'promote', 'revoke', 'verify-revoked'], [], {
      revoke: { deleteAfter: '2026-01-04T00:00:00.000Z' },
    });
    expect(deactivated).toMatchObject({ state: 'old-deactivated', deleteAfter: '2026-01-04T00:00:00.000Z', next: 'credctl finalize' });
    expect(stateAfter(['snapshot', 'create', 'store', 'inject', 'promote', 'revoke', 'verify-revoked']).state).toBe('old-revoked');
  });

  it('counts a target a person confirmed as done, and a rollback as back to exposed', () => {
    const confirmed = stateAfter(['snapshot', 'create', 'store', 'inject'], [], { inject: { manual: true, confirmedAt: 't' } });
    expect(confirmed.targets.map((t) => t.state)).toEqual(['confirmed', 'confirmed']);
    expect(confirmed.state).toBe('in-every-target');
    const id = plan.credentials[0]!.id;
    const rolledBack = stateAfter(
      ['snapshot', 'create', 'store', 'inject', 'promote', 'revoke', 'verify-revoked'],
      [{ step: `${id}/rollback`, data: { result: 'rolled back' } }],
    );
    expect(rolledBack.state).toBe('exposed');
  });

  it('an accepted credential is settled, and a revoked one is known as recovered to blast-radius', () => {
    const state = runWith(['snapshot', 'create', 'store', 'inject', 'promote', 'revoke', 'verify-revoked']);
    const incident = incidentFor(plan);
    state.incidents.write(incident as never);
    const id = plan.credentials[0]!.id;
    expect(recoveredCredentials(state).get(id)).toMatchObject({ state: 'old-revoked', incident: incident.id, runId: '20260101-000000-bbbbbb' });
    incident.credentials[0]!.accepted = { reason: 'a test key', at: 't', by: 't' };
    expect(incidentProgress(incident, memoryState(memoryBacking()).runs)[0]!.state).toBe('accepted');
    // A rolled-back rotation recovered nothing.
    const undone = runWith(['snapshot', 'create', 'store', 'inject', 'promote', 'revoke', 'verify-revoked'], [{ step: `${id}/rollback` }]);
    expect(recoveredCredentials(undone).has(id)).toBe(false);
  });

  it('a deletion cancelled because the old value is in use again is a rollback: exposed, and not hidden from blast-radius', () => {
    const id = plan.credentials[0]!.id;
    const state = runWith(['snapshot', 'create', 'store', 'inject', 'promote', 'revoke', 'verify-revoked', 'delete-old' as never], [], {
      revoke: { deleteAfter: '2026-01-04T00:00:00.000Z' },
    });
    // runWith marks only plan steps done; a cancellation is finalize's own record.
    state.runs
      .open('20260101-000000-bbbbbb')
      .append({ seq: 99, time: 't', event: 'done', step: `${id}/delete-old`, data: { result: 'cancelled: rolled back', cancelled: true } });
    expect(incidentProgress(incidentFor(plan), state.runs)[0]!.state).toBe('exposed');
    expect(recoveredCredentials(state).has(id)).toBe(false);
  });

  it('revoked, but the provider has not confirmed it refuses the old value: not settled', () => {
    const p = stateAfter(['snapshot', 'create', 'store', 'inject', 'promote', 'revoke']);
    expect(p.state).toBe('in-every-target');
    expect(p.next).toBe('credctl apply --resume 20260101-000000-bbbbbb');
  });

  it('a key revoked outside any run (blast-radius --revoke-dead-ends, audited) counts as revoked', () => {
    const id = plan.credentials[0]!.id;
    const log = [
      JSON.stringify({ action: 'credential.revoke', outcome: 'started', subject: { credential: 'fp_other' } }),
      JSON.stringify({ action: 'credential.revoke', outcome: 'ok', subject: { credential: id } }),
      JSON.stringify({ action: 'credential.revoke', outcome: 'failed', subject: { credential: 'fp_failed' } }),
    ].join('\n');
    expect([...revokedByAudit(log)]).toEqual([id]);
    const empty = memoryState(memoryBacking());
    expect(incidentProgress(incidentFor(plan), empty.runs, undefined, revokedByAudit(log))[0]!.state).toBe('old-revoked');
  });

  it('an identifier that leaked without its secret follows that secret: recovered when the credential it belongs to is', () => {
    // Only the key id is in the incident (an AWS key id in a pasted log); the runs rotate its secret.
    const secret = plan.credentials[0]!;
    const keyIdOnly: IncidentRecord = {
      ...incidentFor(plan),
      credentials: [
        {
          ...incidentFor(plan).credentials[0]!,
          id: 'fp_0123456789abcdef01234567',
          names: ['EVENTS_KEY_ID'],
          kind: 'access_key_id',
          partOf: secret.id,
          partOfName: 'EVENTS_API_KEY',
        },
      ],
    };
    const at = (actions: string[], extra: Partial<JournalRecord>[] = []) => incidentProgress(keyIdOnly, runWith(actions, extra).runs)[0]!;
    const untouched = at([]);
    expect(untouched.state).toBe('exposed');
    // Its own name is no command (a part is rotated with its secret): the secret's is.
    expect(untouched.next).toBe('credctl rotate EVENTS_API_KEY');
    expect(untouched.needed.join(' ')).toMatch(/EVENTS_API_KEY, the secret it belongs to/);
    expect(at(['snapshot', 'create', 'store'])).toMatchObject({ state: 'replacement-created', next: 'credctl apply --resume 20260101-000000-bbbbbb' });
    expect(at(['snapshot', 'create', 'store', 'inject']).state).toBe('in-every-target');
    const done = ['snapshot', 'create', 'store', 'inject', 'promote', 'revoke', 'verify-revoked'];
    const recovered = at(done);
    expect(recovered.state).toBe('old-revoked');
    expect(recovered.needed).toEqual([]);
    // ...and re-checked at close through the secret's run.
    expect(recovered.source?.cred.id).toBe(secret.id);
    expect(at(done, [{ step: `${secret.id}/rollback` }]).state).toBe('exposed');
    // Its secret revoked outside any run (audited) recovers it too.
    const log = JSON.stringify({ action: 'credential.revoke', outcome: 'ok', subject: { credential: secret.id } });
    expect(incidentProgress(keyIdOnly, memoryState(memoryBacking()).runs, undefined, revokedByAudit(log))[0]!.state).toBe('old-revoked');
  });
});
