import { loadProject, type ProjectContext } from '../graph/project-context.js';
import { liveGrants, makePlan, partOwners } from './rotate.js';
import { storeError } from '../core/errors.js';
import { openStore } from '../store/open.js';
import type { SecretStore } from '../store/types.js';
import { checkBinding } from '../trust/gate.js';
import { isDeadEnd, revokeDeadEnds, type DeadEnd, type RevokeOptions, type RevokeOutcome } from '../report/emergency-revoke.js';
import { partsFromProject, partsFromValues, valueFromProject } from '../report/probe.js';
import { writePlan } from '../plan/plan-file.js';
import type { Plan } from '../plan/types.js';
import { actionableSettings, committedState, projectProviders, projectTrustedOrigins, untrustedNote } from '../project/context.js';
import { SafeHttp } from '../net/http.js';
import { blastRadius, resolveExposure } from '../report/blast-radius.js';
import { gatherEvidence, type EvidenceOptions } from '../report/evidence.js';
import type { BlastRecovered, BlastReport } from '../report/model.js';
import { recoveredCredentials } from '../incident/progress.js';
import * as io from '../core/io.js';

/**
 * Some vendors show what a key can reach only to an admin credential (AWS IAM policies): where
 * the user trusted credctl.yaml and it names one, the probes may use it, after the same binding
 * check rotation makes. Untrusted, no admin credential is ever read.
 */
function trustedAdminSecrets(ctx: ProjectContext): ((provider: string) => (() => Promise<string>) | undefined) | undefined {
  if (!ctx.project.trust.trusted) return undefined;
  let store: Promise<SecretStore> | undefined;
  return (provider) => {
    const ref = ctx.settings.providers[provider]?.admin;
    if (!ref) return undefined;
    const entry = ref.replace(/^store:/, '');
    return async () => {
      checkBinding(ctx.project.trust, entry, provider, ctx.settings.providers[provider]?.issuer ?? null);
      store ??= openStore({ paths: ctx.paths });
      const value = await (await store).get(entry, { label: 'current' });
      if (!value) throw storeError(`the admin credential for ${provider} (store entry ${entry}) is not in the store`);
      return value;
    };
  };
}

/** `credctl blast-radius` below the CLI: evidence → graph → plan (for the order) → report. */
export interface BlastRunOptions extends EvidenceOptions {
  probe?: boolean;
  /** Write the recovery plan here, for `credctl apply`. */
  planOut?: string;
  /** Also revoke, without replacement, the exposed keys nothing here uses (--revoke-dead-ends). */
  revokeDeadEnds?: Omit<RevokeOptions, 'say'>;
}

export async function runBlastRadius(
  root: string,
  opts: BlastRunOptions,
): Promise<{ report: BlastReport; plan?: Plan; revoked?: RevokeOutcome; ctx: ProjectContext }> {
  const ctx = loadProject(root);
  const evidence = await gatherEvidence(root, ctx.graph, ctx.settings, opts);
  // A value credctl already rotated and revoked (or an incident accepted) is old news, not a new exposure.
  // Only the user's own record may say a leak was dealt with: state that came committed in the
  // repository (a planted run "revoking" a key) is not taken for it.
  const planted = committedState(ctx.project);
  if (planted.length)
    io.err().write(
      `credctl: ${planted.length} of credctl's state files are committed in this repository (${planted[0]}...): not trusted to mark a leak as dealt with\n`,
    );
  const recovered = planted.length ? new Map() : recoveredCredentials(ctx.project.state, (m) => io.err().write(`credctl: ${m}\n`));
  const alreadyRecovered = new Map<string, BlastRecovered>();
  evidence.exposed = evidence.exposed.filter((e) => {
    const r = e.fingerprint ? recovered.get(e.fingerprint) : undefined;
    if (!r) return true;
    const seen = alreadyRecovered.get(r.id);
    if (seen) seen.via.push(e.via);
    else
      alreadyRecovered.set(r.id, { id: r.id, redacted: e.redacted ?? r.id, name: e.name, state: r.state, incident: r.incident, runId: r.runId, via: [e.via] });
    return false;
  });
  const { inGraph } = resolveExposure(ctx.graph, evidence.exposed, root);
  // After a leak, old keys are revoked at once: no grace period (policy.revoke_grace) applies.
  // Guards judged by what each token can really do (asked only where the project is trusted).
  // A part leaked alone (an AWS key id without its secret) is recovered by rotating its secret.
  const owners = partOwners(ctx);
  const planIds = new Set([...inGraph.keys()].map((id) => owners.get(id) ?? id));
  const plan = planIds.size ? makePlan(ctx, { ids: [...planIds] }, { graceDays: 0, grants: await liveGrants(ctx) }) : undefined;
  if (plan && opts.planOut) writePlan(plan, opts.planOut);
  // Liveness checks send each exposed value to its provider: only to addresses the user trusted.
  const notTrusted = opts.probe !== false ? untrustedNote(ctx.project) : undefined;
  if (notTrusted) io.err().write(notTrusted + '\n');
  const actionable = actionableSettings(ctx.project);
  const http = new SafeHttp({ trustedOrigins: projectTrustedOrigins(ctx.project), timeoutMs: 10_000 });
  const report = await blastRadius({
    root,
    graph: ctx.graph,
    exposed: evidence.exposed,
    vault: evidence.vault,
    providers: projectProviders(ctx.project),
    settings: ctx.settings,
    plan,
    partOwners: owners,
    probe: opts.probe,
    sources: evidence.sources,
    adminSecretFor: trustedAdminSecrets(ctx),
    settingsFor: (provider) => actionable.providers[provider]?.settings,
    http,
  }).finally(() => http.close());
  let revoked: RevokeOutcome | undefined;
  if (opts.revokeDeadEnds) {
    const providers = new Map(projectProviders(ctx.project).map((p) => [p.id, p]));
    const deadEnds: DeadEnd[] = [];
    for (const item of report.items.filter(isDeadEnd)) {
      const provider = providers.get(item.provider);
      const value = evidence.vault.get(item.id) ?? (item.inGraph ? valueFromProject(root, ctx.graph, item.id) : undefined);
      if (!provider?.integration?.revoke || value === undefined) continue;
      const parts = item.inGraph
        ? partsFromProject(root, ctx.graph, item.id, provider.integration.parts)
        : partsFromValues([...evidence.vault.values()], provider.integration.parts);
      deadEnds.push({ item, provider, value, ...(parts ? { parts } : {}) });
    }
    revoked = await revokeDeadEnds(ctx, deadEnds, opts.revokeDeadEnds);
  }
  evidence.vault.clear();
  if (alreadyRecovered.size) report.recovered = [...alreadyRecovered.values()];
  return { report, plan, ...(revoked ? { revoked } : {}), ctx };
}
