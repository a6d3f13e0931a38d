import { openAuditLog, withAudit } from '../audit/log.js';
import { readLocalAudit } from '../audit/bundle.js';
import { defaultActor } from '../audit/log.js';
import { engineDeps } from '../apply/context.js';
import { loadProject, type ProjectContext } from '../graph/project-context.js';
import { trusted } from '../project/context.js';
import { atomicWriteFileSync } from '../core/atomic-write.js';
import { integrityError, refusedError, usageError } from '../core/errors.js';
import { accessSync, constants } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as io from '../core/io.js';
import { incidentProgress, openItems, revokedByAudit, type CredentialProgress } from '../incident/progress.js';
import {
  coveringEntries,
  incidentLogMismatch,
  proofCredentials,
  proofDigest,
  proofText,
  verifyProof,
  PROOF_FORMAT,
  type IncidentProof,
  type ProofVerdict,
} from '../incident/proof.js';
import { recheckIncident, type RecheckResult } from '../incident/recheck.js';
import { allIncidents, findCredential, INCIDENT_SCHEMA, newIncidentId, pickIncident, type IncidentRecord } from '../incident/record.js';
import type { BlastReport } from '../report/model.js';
import type { ProjectState } from '../state/types.js';
import { openStore } from '../store/open.js';
import type { SecretStore } from '../store/types.js';
import { runBlastRadius, type BlastRunOptions } from './blast-radius.js';

/**
 * `credctl incident open | status | accept | close | verify`: one leak carried from "we leaked"
 * to a signed proof that the recovery is complete. The incident remembers what was exposed
 * (./incident/record.ts); where each credential stands is read from what the runs actually did
 * (./incident/progress.ts); close re-checks with the providers and targets and writes a proof
 * that `verify` checks offline (./incident/proof.ts).
 */

const warnLine = (message: string) => io.err().write(`credctl: ${message}\n`);

export interface OpenIncidentOptions extends Omit<BlastRunOptions, 'planOut' | 'revokeDeadEnds'> {
  title: string;
}

/** Open an incident from any exposure input blast-radius takes. Nothing exposed: no incident. */
export async function openIncident(root: string, opts: OpenIncidentOptions): Promise<{ incident?: IncidentStatus; report: BlastReport }> {
  const title = opts.title.trim();
  if (!title) throw usageError('an incident needs a title (--title "what happened")');
  if (title.length > 200) throw usageError('--title is at most 200 characters');
  const { report, ctx } = await runBlastRadius(root, opts);
  if (report.items.length === 0) return { report };
  const incident: IncidentRecord = {
    schemaVersion: INCIDENT_SCHEMA,
    id: newIncidentId(),
    title,
    openedAt: new Date().toISOString(),
    openedBy: defaultActor(),
    sources: report.sources,
    credentials: report.items.map((item) => ({
      id: item.id,
      names: item.names,
      provider: item.provider,
      kind: item.kind,
      ...(item.environment ? { environment: item.environment } : {}),
      redacted: item.redacted,
      evidence: item.exposedVia,
      places: item.places.map((p) => ({ file: p.file, ...(p.line !== undefined ? { line: p.line } : {}) })),
      keptIn: item.targets,
      inGraph: item.inGraph,
      livenessAtOpen: item.liveness.status,
      ...(item.rotation.order !== undefined ? { order: item.rotation.order } : {}),
      ...(item.rotation.partOf ? { partOf: item.rotation.partOf, ...secretName(ctx.graph, item.rotation.partOf) } : {}),
    })),
  };
  await withAudit(
    async (audit) => {
      await audit.append({
        action: 'incident.open',
        outcome: 'ok',
        details: { incident: incident.id, title, sources: incident.sources, credentials: incident.credentials.map((c) => c.id) },
      });
      ctx.project.state.incidents.write(incident as never);
    },
    { paths: ctx.paths, store: () => openStore({ paths: ctx.paths }) },
  );
  return { incident: statusOf(ctx.project.state, incident), report };
}

/** The env name of the secret an identifier belongs to, as the project's graph knows it. */
function secretName(graph: ProjectContext['graph'], id: string): { partOfName?: string } {
  const node = graph.nodes.find((n) => n.type === 'credential' && n.id === id) as { names?: string[] } | undefined;
  const name = node?.names?.[0];
  return name ? { partOfName: name } : {};
}

export interface IncidentStatus {
  incident: IncidentRecord;
  progress: CredentialProgress[];
  open: number;
  /** With --check: what the providers and targets answered now. */
  verification?: RecheckResult[];
}

function statusOf(state: ProjectState, incident: IncidentRecord): IncidentStatus {
  const progress = incidentProgress(incident, state.runs, warnLine, revokedByAudit(state.audit.readLog()));
  return { incident, progress, open: openItems(progress).length };
}

/**
 * One incident's state (the one named, or the only open one); with no id and none open, every
 * incident's. With `check`, each recovered credential is also re-checked with its provider and targets.
 */
export async function incidentStatus(root: string, id: string | undefined, opts: { check?: boolean; noInput?: boolean } = {}): Promise<IncidentStatus[]> {
  const ctx = loadProject(root);
  const { state } = ctx.project;
  const statuses =
    !id && !allIncidents(state.incidents).some((i) => !i.closed)
      ? allIncidents(state.incidents).map((i) => statusOf(state, i))
      : [statusOf(state, pickIncident(state.incidents, id))];
  if (opts.check) {
    // Re-checks send values to providers: only where the user trusted credctl.yaml to send them.
    await trusted(ctx.project, { noInput: opts.noInput ?? true }, 'asking providers about the recovered credentials');
    const store = await openStore({ paths: ctx.paths });
    for (const s of statuses) if (!s.incident.closed) s.verification = await recheckWith(ctx, store, s.progress, true);
  }
  return statuses;
}

/** Accept an exposed credential with a reason (a test key, a key already dead): it no longer keeps the incident open. */
export async function acceptExposure(root: string, id: string | undefined, query: string, reason: string): Promise<IncidentStatus> {
  if (!reason.trim()) throw usageError('accepting an exposure needs a reason (--reason "a test key with no access")');
  const { project, paths } = loadProject(root);
  const incident = pickIncident(project.state.incidents, id);
  if (incident.closed) throw refusedError(`incident ${incident.id} is closed; open a new one`);
  const cred = findCredential(incident, query);
  // "Already dead" is a claim credctl can back: the provider refused the value when the incident opened.
  const verified = cred.livenessAtOpen === 'inactive' ? `${cred.provider} refused it when the incident was opened` : undefined;
  cred.accepted = { reason: reason.trim().slice(0, 500), at: new Date().toISOString(), by: defaultActor(), ...(verified ? { verified } : {}) };
  await withAudit(
    async (audit) => {
      await audit.append({
        action: 'incident.accept',
        subject: { credential: cred.id, provider: cred.provider, names: cred.names },
        outcome: 'ok',
        details: { incident: incident.id, reason: cred.accepted!.reason, ...(verified ? { verified } : {}) },
      });
      project.state.incidents.write(incident as never);
    },
    { paths, store: () => openStore({ paths }) },
  );
  return statusOf(project.state, incident);
}

export interface CloseResult {
  incident: IncidentRecord;
  verification: RecheckResult[];
  proofFile: string;
  coveredBy: number;
}

/** What keeps an incident open, one line each, for the refusal. */
function openLines(progress: CredentialProgress[]): string[] {
  return openItems(progress).map(
    (p) => `${p.credential.names[0] ?? p.credential.id} (${p.credential.redacted}): ${p.state}${p.next ? `; next: ${p.next}` : ''}`,
  );
}

/**
 * Close an incident with a proof: refused (exit 6, listing what is open) until every exposed
 * credential is old-revoked or accepted; then re-verified with the providers and targets, and the
 * close recorded in the signed audit log with the proof's digest.
 */
export async function closeIncident(root: string, id: string | undefined, proofFile: string, opts: { noInput: boolean }): Promise<CloseResult> {
  const ctx = loadProject(root);
  const { project, paths } = ctx;
  const incident = pickIncident(project.state.incidents, id);
  if (incident.closed) throw refusedError(`incident ${incident.id} is already closed (${incident.closed.at})`);
  const { progress } = statusOf(project.state, incident);
  const still = openLines(progress);
  if (still.length)
    throw refusedError(
      `incident ${incident.id} has ${still.length} open item(s):\n  ${still.join('\n  ')}`,
      'Finish them, or accept one with `credctl incident accept`.',
    );
  checkAgainstLog(incident, readLocalAudit(paths).logText);
  // The proof is written after the close is on the record: make sure it can be, first.
  try {
    accessSync(dirname(resolve(proofFile)), constants.W_OK);
  } catch {
    throw usageError(`cannot write the proof to ${proofFile}: its directory is not writable`);
  }
  // Re-checks send values to providers: only where the user trusted credctl.yaml to send them.
  await trusted(project, { noInput: opts.noInput }, 'closing an incident (its re-checks ask the providers)');
  const store = await openStore({ paths });
  const verification = await recheckWith(ctx, store, progress, opts.noInput);
  const problems = verification.flatMap((v) => v.problems);
  if (problems.length) throw refusedError(`incident ${incident.id} does not re-verify:\n  ${problems.join('\n  ')}`, 'Fix each, then close again.');
  const credentials = proofCredentials(progress);
  const closing: IncidentRecord = { ...incident, closed: { at: new Date().toISOString(), by: defaultActor(), proofDigest: '' } };
  const digest = proofDigest({ incident: closing, credentials, verification });
  await withAudit(
    async (audit) => {
      await audit.append({
        action: 'incident.close',
        outcome: 'ok',
        details: { incident: incident.id, proofDigest: digest, credentials: credentials.map((c) => `${c.id}:${c.state}`) },
      });
    },
    { paths, store },
  );
  incident.closed = { ...closing.closed!, proofDigest: digest };
  const local = readLocalAudit(paths);
  const coveredBy = coveringEntries(local.logText, incident);
  const proof: IncidentProof = {
    format: PROOF_FORMAT,
    incident,
    credentials,
    verification,
    coveredBy,
    audit: { publicKey: local.publicKeyPem, log: local.logText, checkpoints: local.checkpointsText },
  };
  atomicWriteFileSync(proofFile, proofText(proof), { mode: 0o644 });
  project.state.incidents.write(incident as never);
  return { incident, verification, proofFile, coveredBy: coveredBy.length };
}

/**
 * Ask the providers and targets again (old refused, new live, targets hold the new value). Values
 * are read from the store for these calls only; the results hold outcomes, never values.
 */
async function recheckWith(ctx: ProjectContext, store: SecretStore, progress: CredentialProgress[], noInput: boolean): Promise<RecheckResult[]> {
  const { project, paths, settings } = ctx;
  // The engine's wiring wants an audit log; re-checks append nothing to it.
  const audit = await openAuditLog(paths, { store });
  const wired = engineDeps({ project, paths, settings, store, audit, noInput, concurrency: 1 });
  try {
    return await recheckIncident(progress, {
      store,
      provider: (p) => (p.source ? wired.deps.provider(p.source.cred) : undefined),
      openTarget: (ref) => wired.deps.openTarget(ref, async () => null),
    });
  } finally {
    await wired.close();
  }
}

/** Check a proof offline (another machine, only the public key). */
export function verifyIncidentProof(file: string, pubkeyPem?: string): ProofVerdict {
  return verifyProof(file, pubkeyPem);
}

/**
 * The record on disk is not signed; the audit log is. Before closing, the record must say what the
 * log says: the credentials the incident opened with, and each acceptance as it was recorded.
 * (A hand-edited record would otherwise be signed into a proof.) `verify` checks the same.
 */
function checkAgainstLog(incident: IncidentRecord, logText: string): void {
  const problem = incidentLogMismatch(incident, logText);
  if (problem)
    throw integrityError(`incident ${incident.id}: ${problem}`, 'The record in .credctl/incidents was changed outside credctl; restore it from a backup.');
}
