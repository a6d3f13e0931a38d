import { doneData, recordedParts } from '../apply/journal.js';
import type { BindingTarget, RotationProvider } from '../apply/ports.js';
import type { PlanTargetRef } from '../plan/types.js';
import type { SecretStore } from '../store/types.js';
import { targetLabel, type CredentialProgress } from './progress.js';

/**
 * Before an incident closes, credctl asks the world again rather than trusting its own journal:
 * the provider refuses the old value (where it can say), accepts the new one, and every readable
 * target holds the new value. Values come from the local store (sealed by the run), are used in
 * memory for those calls only, and never appear in the result: it holds outcomes and labels.
 */
export interface RecheckResult {
  id: string;
  name: string;
  /** refused: the provider no longer accepts it; accepted: it still works (a failure). */
  old: 'refused' | 'accepted' | 'unknown' | 'not-checked';
  new: 'live' | 'refused' | 'unknown' | 'not-checked';
  targets: { label: string; envName?: string; holds: 'new' | 'other' | 'unverifiable' | 'unreadable' | 'confirmed-by-hand' }[];
  /** Failures that keep the incident open, in plain words. */
  problems: string[];
}

export interface RecheckDeps {
  store: SecretStore;
  provider(progress: CredentialProgress): RotationProvider | undefined;
  openTarget(ref: PlanTargetRef): BindingTarget;
}

async function valueByFingerprint(store: SecretStore, name: string, fp: string | undefined): Promise<string | undefined> {
  if (!fp) return undefined;
  const version = (await store.versions(name).catch(() => [])).find((v) => v.fingerprint === fp);
  return version ? ((await store.get(name, { version: version.version })) ?? undefined) : undefined;
}

/** Does the provider accept this value (with its recorded id and parts)? A failed call is "unknown". */
function askActive(provider: RotationProvider, value: string, id: unknown, parts: Record<string, string> | undefined): Promise<boolean | 'unknown'> {
  return provider.isActive({ value, ...(typeof id === 'string' ? { id } : {}), ...(parts ? { parts } : {}) }).catch(() => 'unknown' as const);
}

async function recheckOne(p: CredentialProgress, deps: RecheckDeps): Promise<RecheckResult> {
  const name = p.credential.names[0] ?? p.credential.id;
  const result: RecheckResult = { id: p.credential.id, name, old: 'not-checked', new: 'not-checked', targets: [], problems: [] };
  if (p.state === 'accepted' || !p.source) return result;
  const { cred, journal } = p.source;
  const provider = deps.provider(p);
  const oldValue = await valueByFingerprint(deps.store, cred.storeName, cred.id);
  const newValue = await valueByFingerprint(deps.store, cred.storeName, p.replacementId);
  const snapshot = doneData(journal, `${cred.id}/snapshot`);
  const created = cred.steps.map((s) => doneData(journal, s.id)).find((d) => typeof d?.newFingerprint === 'string');
  if (provider && oldValue !== undefined) {
    const active = await askActive(provider, oldValue, snapshot?.oldId, recordedParts(snapshot, 'oldParts'));
    result.old = active === 'unknown' ? 'unknown' : active ? 'accepted' : 'refused';
    if (active === true) result.problems.push(`${cred.provider} still accepts the old ${name}`);
  }
  if (provider && newValue !== undefined) {
    const active = await askActive(provider, newValue, created?.newId, recordedParts(created, 'newParts'));
    result.new = active === 'unknown' ? 'unknown' : active ? 'live' : 'refused';
    if (active === false) result.problems.push(`${cred.provider} refuses the new ${name}: whatever uses it is broken`);
  }
  for (const step of cred.steps) {
    if ((step.action !== 'inject' && step.action !== 'manual-inject') || !step.envName) continue;
    const label = targetLabel(step);
    // A place a person set: credctl cannot read it (that is why it was by hand); the confirmation stands.
    if (step.action === 'manual-inject' || doneData(journal, step.id)?.manual === true || !step.target) {
      result.targets.push({ label, envName: step.envName, holds: 'confirmed-by-hand' });
      continue;
    }
    if (newValue === undefined) {
      result.targets.push({ label, envName: step.envName, holds: 'unreadable' });
      continue;
    }
    const ok = await deps
      .openTarget(step.target)
      .verify(step.envName, newValue)
      .catch(() => undefined);
    const holds = ok === true ? 'new' : ok === false ? 'other' : ok === 'unverifiable' ? 'unverifiable' : 'unreadable';
    result.targets.push({ label, envName: step.envName, holds });
    if (holds === 'other') result.problems.push(`${label} no longer holds the new ${step.envName}`);
  }
  return result;
}

/** Re-check every credential that a run recovered (accepted ones are not re-checked: nothing was done). */
export async function recheckIncident(progress: CredentialProgress[], deps: RecheckDeps): Promise<RecheckResult[]> {
  const out: RecheckResult[] = [];
  for (const p of progress) out.push(await recheckOne(p, deps));
  return out;
}
