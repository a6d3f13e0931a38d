import { DELETE_STEP } from '../apply/deletions.js';
import { doneData } from '../apply/journal.js';
import { parsePlan } from '../plan/plan-file.js';
import type { PlanCredential, PlanStep } from '../plan/types.js';
import type { IncidentStore, JournalRecord, RunStore } from '../state/types.js';
import { targetKey } from '../integrations/targets.js';
import type { TargetRef } from '../targets/target.js';
import { asIncident, type IncidentCredential, type IncidentRecord } from './record.js';

/**
 * Where each exposed credential of an incident stands, read from what actually happened: every
 * run's plan and journal (creates, writes, confirmations, revokes, rollbacks and finalize's
 * deletions). Nothing here asks a provider; `./recheck.ts` does that where it can.
 *
 * The states, in the order a recovery moves through them:
 *   exposed → replacement-created → in-every-target → old-deactivated (until a date) → old-revoked
 * or `accepted` with a reason. A rolled-back attempt puts a credential back to `exposed`.
 */
export type RecoveryState = 'exposed' | 'replacement-created' | 'in-every-target' | 'old-deactivated' | 'old-revoked' | 'accepted';

/** States that need nothing more before the incident can close. */
export const SETTLED: ReadonlySet<RecoveryState> = new Set(['old-revoked', 'accepted']);

export interface TargetProgress {
  key: string;
  /** Where, for people (a file, a repository's Actions secrets...). */
  label: string;
  envName?: string;
  /** written: credctl wrote and verified it; confirmed: a person said they did it; pending: not yet. */
  state: 'written' | 'confirmed' | 'pending';
  /** A place a person sets by hand: its key is the confirm key (`apply --resume RUN --confirm-manual KEY`). */
  manual?: boolean;
  /** Where a person does it (a settings page), for a place set by hand. */
  url?: string;
}

export interface CredentialProgress {
  credential: IncidentCredential;
  state: RecoveryState;
  /** The run that got it furthest (the latest one, when several tried). */
  runId?: string;
  /** old-deactivated: when `credctl finalize` may delete the old credential. */
  deleteAfter?: string;
  /** Fingerprint id of the replacement, once created. */
  replacementId?: string;
  targets: TargetProgress[];
  /** What is still needed, in plain words, one line each. */
  needed: string[];
  /** The next command to run, when there is one. */
  next?: string;
  /** The run's own plan credential and journal behind this answer (for re-checks; not shown). */
  source?: { cred: PlanCredential; journal: JournalRecord[] };
}

const RANK: Record<RecoveryState, number> = {
  exposed: 0,
  'replacement-created': 1,
  'in-every-target': 2,
  'old-deactivated': 3,
  'old-revoked': 4,
  accepted: 5,
};

const CREATES: ReadonlySet<string> = new Set(['create', 'manual-create', 'generate']);

interface Attempt {
  runId: string;
  cred: PlanCredential;
  journal: JournalRecord[];
}

/** Every run attempt at each of the given credential ids, oldest first. A damaged run is skipped, and said. */
export function attemptsFor(runs: RunStore, ids: ReadonlySet<string> | 'all', warn: (message: string) => void = () => {}): Map<string, Attempt[]> {
  const wanted = (id: string) => ids === 'all' || ids.has(id);
  const out = new Map<string, Attempt[]>();
  for (const runId of runs.ids()) {
    if (!runs.hasPlan(runId) || !runs.hasJournal(runId)) continue;
    let credentials: PlanCredential[];
    let journal: JournalRecord[];
    try {
      const plan = runs.planText(runId);
      credentials = parsePlan(plan.text, plan.where).credentials;
      if (!credentials.some((c) => wanted(c.id))) continue;
      journal = runs.records(runId);
    } catch (err) {
      warn(`run ${runId} skipped: ${(err as Error).message}`);
      continue;
    }
    for (const cred of credentials) {
      if (!wanted(cred.id)) continue;
      const list = out.get(cred.id) ?? [];
      list.push({ runId, cred, journal });
      out.set(cred.id, list);
    }
  }
  return out;
}

/** A target as people read it: a place set by hand by its own words, else the type and where. */
export function targetLabel(step: PlanStep): string {
  if (step.manual?.place) return step.manual.place;
  const t = step.target as Record<string, unknown> | undefined;
  if (!t) return 'unknown target';
  const where = ['file', 'repo', 'project', 'name', 'secretId', 'app', 'path'].map((k) => t[k]).find((v) => typeof v === 'string');
  return `${t.type}${where ? ` ${where}` : ''}`;
}

/** One attempt, read: how far it got. */
function readAttempt(a: Attempt): Omit<CredentialProgress, 'credential' | 'needed' | 'next'> & { touched: boolean; rolledBack: boolean; source: Attempt } {
  const { cred, journal, runId } = a;
  const prefix = `${cred.id}/`;
  const mine = journal.filter((r) => r.step === cred.id || r.step?.startsWith(prefix));
  const deletion = doneData(journal, `${cred.id}/${DELETE_STEP}`);
  // A deletion cancelled because the old credential is in use again (a rollback, or the provider
  // accepting it again) is a rollback too: the leaked value works.
  const deletionCancelled = deletion !== undefined && (deletion.cancelled === true || String(deletion.result ?? '').startsWith('cancelled'));
  const rolledBack = mine.some((r) => r.event === 'rollback' && r.data?.manual !== true) || deletionCancelled;
  const created = cred.steps.find((s) => CREATES.has(s.action) && doneData(journal, s.id));
  const replacementId = created ? (doneData(journal, created.id)?.newFingerprint as string | undefined) : undefined;
  const targets: TargetProgress[] = cred.steps
    .filter((s) => (s.action === 'inject' || s.action === 'manual-inject') && (s.target || s.manual))
    .map((s) => {
      const data = doneData(journal, s.id);
      const state: TargetProgress['state'] = !data ? 'pending' : data.manual === true ? 'confirmed' : 'written';
      const key = s.manual?.confirmKey ?? (s.target ? targetKey(s.target as TargetRef) : s.id);
      const byHand = s.action === 'manual-inject';
      return {
        key,
        label: targetLabel(s),
        ...(s.envName ? { envName: s.envName } : {}),
        state,
        ...(byHand ? { manual: true } : {}),
        ...(byHand && s.manual?.url ? { url: s.manual.url } : {}),
      };
    });
  // Places only a person can change that no step names (plans made before manual-inject steps):
  // confirmed before the revoke ran.
  const revoke = doneData(journal, `${cred.id}/revoke`);
  for (const m of cred.manualTargets ?? []) {
    if (targets.some((t) => t.key === (m as { key?: string }).key || (t.label === m.place && t.envName === m.envName))) continue;
    targets.push({ key: `manual:${m.place}:${m.envName}`, label: m.place, envName: m.envName, state: revoke ? 'confirmed' : 'pending' });
  }
  let state: RecoveryState = 'exposed';
  let deleteAfter: string | undefined;
  if (created) state = 'replacement-created';
  if (created && targets.every((t) => t.state !== 'pending')) state = 'in-every-target';
  // Revoked, but the provider did not confirm it refuses the old value: not settled yet.
  const unconfirmed = cred.steps.some((s) => s.action === 'verify-revoked') && !doneData(journal, `${cred.id}/verify-revoked`);
  if (revoke && !unconfirmed) {
    deleteAfter = typeof revoke.deleteAfter === 'string' ? revoke.deleteAfter : undefined;
    state = deleteAfter && !deletion ? 'old-deactivated' : 'old-revoked';
  }
  if (rolledBack) state = 'exposed';
  return {
    runId,
    state,
    ...(deleteAfter && state === 'old-deactivated' ? { deleteAfter } : {}),
    ...(replacementId ? { replacementId } : {}),
    targets,
    touched: mine.length > 0,
    rolledBack,
    source: a,
  };
}

function neededFor(p: Omit<CredentialProgress, 'needed' | 'next'>): { needed: string[]; next?: string } {
  const c = p.credential;
  const name = c.names[0] ?? c.id;
  switch (p.state) {
    case 'accepted':
    case 'old-revoked':
      return { needed: [] };
    case 'old-deactivated':
      return {
        needed: [`the old ${name} is deactivated, not deleted: delete it after ${p.deleteAfter} (or now, if nothing broke)`],
        next: 'credctl finalize',
      };
    case 'in-every-target':
      return {
        needed: [`revoke the old ${name} (${c.redacted}) at ${c.provider}, and see it refused`],
        ...(p.runId ? { next: `credctl apply --resume ${p.runId}` } : {}),
      };
    case 'replacement-created': {
      const pending = p.targets.filter((t) => t.state === 'pending');
      // Places a person sets by hand are confirmed on resume, each with its key.
      const byHand = pending.filter((t) => t.manual);
      const confirm = byHand.map((t) => ` --confirm-manual ${t.key}`).join('');
      return {
        needed: [
          ...pending.map((t) => `${t.manual ? 'set by hand' : 'write'} the new ${t.envName ?? name} in ${t.label}${t.url ? ` (${t.url})` : ''}`),
          `then revoke the old ${name} (${c.redacted}) at ${c.provider}`,
        ],
        ...(p.runId ? { next: `credctl apply --resume ${p.runId}${confirm}` } : {}),
      };
    }
    default:
      if (!c.inGraph) {
        return {
          needed: [`${name} is not used in this project: revoke it at ${c.provider}, or accept it with a reason (a test key, already dead)`],
          next: `credctl incident accept ${c.id} --reason "..."`,
        };
      }
      return {
        needed: [`rotate ${name}: create a replacement, write it to ${c.keptIn.length || 'every'} target(s), revoke the old one`],
        next: c.names[0] ? `credctl rotate ${c.names[0]}` : `credctl rotate --credential ${c.id}`,
      };
  }
}

/**
 * Credentials revoked outside any run: `blast-radius --revoke-dead-ends` revokes exposed keys
 * nothing uses, and records each in the audit log (`credential.revoke`, outcome ok).
 */
export function revokedByAudit(auditLogText: string): Set<string> {
  const out = new Set<string>();
  for (const line of auditLogText.split('\n')) {
    if (!line.includes('"credential.revoke"')) continue;
    try {
      const e = JSON.parse(line) as { action?: string; outcome?: string; subject?: { credential?: unknown } };
      if (e.action === 'credential.revoke' && e.outcome === 'ok' && typeof e.subject?.credential === 'string') out.add(e.subject.credential);
    } catch {
      // `audit verify` reports a damaged line; here it only cannot count.
    }
  }
  return out;
}

/** Where every exposed credential of the incident stands now. */
export function incidentProgress(
  incident: IncidentRecord,
  runs: RunStore,
  warn?: (message: string) => void,
  revokedElsewhere: ReadonlySet<string> = new Set(),
): CredentialProgress[] {
  const inIncident = new Set(incident.credentials.map((c) => c.id));
  // An identifier's secret is read too when it is not in the incident (an AWS key id leaked alone).
  const secretsOutside = incident.credentials.filter((c) => c.partOf && !inIncident.has(c.partOf)).map((c) => c.partOf!);
  const attempts = attemptsFor(runs, new Set([...inIncident, ...secretsOutside]), warn);
  const progressOf = (credential: IncidentCredential): CredentialProgress => {
    let best: ReturnType<typeof readAttempt> | undefined;
    for (const a of attempts.get(credential.id) ?? []) {
      const read = readAttempt(a);
      if (!read.touched) continue;
      // The latest attempt decides, unless an earlier one got further and the later one never
      // undid it (a later run that only re-checked, say): rollbacks always win.
      if (!best || read.rolledBack || RANK[read.state] >= RANK[best.state]) best = read;
    }
    const base: Omit<CredentialProgress, 'needed' | 'next'> = credential.accepted
      ? { credential, state: 'accepted', targets: best?.targets ?? [] }
      : best
        ? {
            credential,
            state: best.state,
            runId: best.runId,
            targets: best.targets,
            ...(best.deleteAfter ? { deleteAfter: best.deleteAfter } : {}),
            ...(best.replacementId ? { replacementId: best.replacementId } : {}),
            source: { cred: best.source.cred, journal: best.source.journal },
          }
        : revokedElsewhere.has(credential.id)
          ? { credential, state: 'old-revoked', targets: [] }
          : { credential, state: 'exposed', targets: credential.keptIn.map((t) => ({ key: t.key, label: t.label, state: 'pending' as const })) };
    return { ...base, ...neededFor(base) };
  };
  const progress = incident.credentials.map(progressOf);
  // An identifier is replaced with its secret, in the same run: it stands where its secret stands,
  // whether or not the secret leaked too. One that did not is read from its runs (and revokes)
  // all the same: when the credential is recovered, so is the identifier that names it.
  const byId = new Map(progress.map((p) => [p.credential.id, p]));
  for (const id of secretsOutside) {
    if (byId.has(id)) continue;
    const part = incident.credentials.find((c) => c.partOf === id)!;
    const planned = attempts.get(id)?.at(-1)?.cred;
    byId.set(
      id,
      progressOf({
        id,
        names: planned?.names ?? (part.partOfName ? [part.partOfName] : []),
        provider: planned?.provider ?? part.provider,
        kind: planned?.kind ?? 'secret',
        redacted: planned?.redacted ?? id,
        evidence: [],
        places: [],
        keptIn: [],
        inGraph: true,
        livenessAtOpen: 'unknown',
      }),
    );
  }
  return progress.map((p) => {
    const secret = p.credential.partOf && !p.credential.accepted ? byId.get(p.credential.partOf) : undefined;
    if (!secret) return p;
    const name = secret.credential.names[0] ?? secret.credential.id;
    return {
      ...p,
      state: secret.state,
      ...(secret.runId ? { runId: secret.runId } : {}),
      targets: [],
      needed: SETTLED.has(secret.state)
        ? []
        : [
            inIncident.has(secret.credential.id)
              ? `rotated together with ${name}`
              : `rotated together with ${name}, the secret it belongs to (it did not leak, but rotating it replaces this identifier)`,
          ],
      ...(secret.next ? { next: secret.next } : {}),
      ...(secret.deleteAfter ? { deleteAfter: secret.deleteAfter } : {}),
      // A secret outside the incident is re-checked at close through the identifier that names it.
      ...(!inIncident.has(secret.credential.id) && secret.source
        ? { source: secret.source, ...(secret.replacementId ? { replacementId: secret.replacementId } : {}) }
        : {}),
    };
  });
}

/** The items that keep an incident open. */
export function openItems(progress: CredentialProgress[]): CredentialProgress[] {
  return progress.filter((p) => !SETTLED.has(p.state));
}

export interface Recovered {
  id: string;
  state: 'old-revoked' | 'old-deactivated' | 'accepted';
  /** The incident that settled it, when one did. */
  incident?: string;
  runId?: string;
}

/**
 * Credentials that need no rotation any more: their old value was revoked (or deactivated for a
 * grace period) by a credctl run that was not rolled back, or an incident accepted them. A leak of
 * one of these values is old news: `blast-radius` says so instead of reporting it exposed again.
 */
export function recoveredCredentials(
  state: { runs: RunStore; incidents: IncidentStore; audit?: { readLog(): string } },
  warn: (message: string) => void = () => {},
): Map<string, Recovered> {
  const out = new Map<string, Recovered>();
  for (const [id, attempts] of attemptsFor(state.runs, 'all', warn)) {
    const last = attempts
      .map(readAttempt)
      .filter((a) => a.touched)
      .at(-1);
    if (last && (last.state === 'old-revoked' || last.state === 'old-deactivated')) out.set(id, { id, state: last.state, runId: last.runId });
  }
  let elsewhere = new Set<string>();
  try {
    elsewhere = revokedByAudit(state.audit?.readLog() ?? '');
  } catch (err) {
    warn(`the audit log could not be read: ${(err as Error).message}`);
  }
  for (const id of elsewhere) if (!out.has(id)) out.set(id, { id, state: 'old-revoked' });
  for (const incidentId of state.incidents.ids()) {
    let incident: IncidentRecord;
    try {
      incident = asIncident(state.incidents.read(incidentId), `${state.incidents.location}/${incidentId}`);
    } catch (err) {
      // One damaged record must not stop the emergency command: say so and go on.
      warn(`incident ${incidentId} skipped: ${(err as Error).message}`);
      continue;
    }
    for (const c of incident.credentials) {
      // Only an acceptance the provider backed (it refused the value) hides a leaked value from
      // later reports; a person's word settles it for this incident alone.
      if (c.accepted?.verified) out.set(c.id, { id: c.id, state: 'accepted', incident: incident.id });
      else if (out.has(c.id)) out.get(c.id)!.incident = incident.id;
    }
  }
  return out;
}
