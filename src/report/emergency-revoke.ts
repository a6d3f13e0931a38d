import { confirm } from '@inquirer/prompts';
import { refusedError } from '../core/errors.js';
import { maskValues } from '../core/redact.js';
import { withAudit } from '../audit/log.js';
import type { WiredProvider } from '../integrations/providers.js';
import { SafeHttp } from '../net/http.js';
import { actionableSettings, projectTrustedOrigins } from '../project/context.js';
import type { BlastItem } from './model.js';
import { openStore } from '../store/open.js';
import type { SecretStore } from '../store/types.js';
import { checkBinding } from '../trust/gate.js';
import type { ProjectContext } from '../graph/project-context.js';
import { trusted } from '../project/context.js';
import { contextForProvider, type ProviderWiring } from '../apply/providers.js';
import * as io from '../core/io.js';

/**
 * Emergency revocation without replacement, for exposed keys nothing in this project uses (a
 * "dead end": no consumer, no target, nothing breaks): revoke them at the vendor now instead of
 * waiting for a rotation nobody needs. Each key is listed with what revoking it means before a
 * person confirms (or --yes); each revocation is written to the audit log first (fail closed).
 * Only keys whose integration can revoke through the API qualify; the others stay in the report
 * with their manual steps.
 */
export interface DeadEnd {
  item: BlastItem;
  provider: WiredProvider;
  /** The exposed value, memory only. */
  value: string;
  parts?: Record<string, string>;
}

export interface RevokeOutcome {
  revoked: string[];
  already: string[];
  failed: { id: string; reason: string }[];
  skipped: boolean;
}

export function isDeadEnd(item: BlastItem): boolean {
  return (
    item.revocable === 'api' && item.liveness.status !== 'inactive' && item.consumers.length === 0 && item.targets.length === 0 && item.breaks.length === 0
  );
}

export function describeDeadEnd(d: DeadEnd): string {
  const warning = d.provider.integration?.revoke?.warning;
  const where = d.item.inGraph ? 'nothing in this project uses it' : 'not used in this project (something elsewhere may use it)';
  return `${d.item.names[0] ?? '(unnamed)'} ${d.item.redacted} at ${d.provider.name} (${d.item.liveness.status}; ${where})${warning ? `: ${warning}` : ''}`;
}

export interface RevokeOptions {
  yes?: boolean;
  noInput: boolean;
  dryRun?: boolean;
  store?: SecretStore;
  ask?: (message: string) => Promise<boolean>;
  say?: (line: string) => void;
}

export async function revokeDeadEnds(ctx: ProjectContext, deadEnds: DeadEnd[], opts: RevokeOptions): Promise<RevokeOutcome> {
  const say = opts.say ?? ((line: string) => io.err().write(`${line}\n`));
  const outcome: RevokeOutcome = { revoked: [], already: [], failed: [], skipped: false };
  if (deadEnds.length === 0) {
    say('No exposed key is a dead end credctl can revoke: nothing revoked.');
    return outcome;
  }
  say(`${opts.dryRun ? 'Would revoke' : 'Revoking'} ${deadEnds.length} exposed key${deadEnds.length === 1 ? '' : 's'} without replacement:`);
  for (const d of deadEnds) say(`  - ${describeDeadEnd(d)}`);
  if (opts.dryRun) {
    outcome.skipped = true;
    return outcome;
  }
  // An admin credential goes only where the user trusted it: a trusted credctl.yaml.
  if (deadEnds.some((d) => d.provider.integration?.revoke?.needsAdmin)) await trusted(ctx.project, opts, 'revoking exposed keys');
  if (!opts.yes) {
    if (opts.noInput || !io.inputIsTTY())
      throw refusedError('revoking keys needs a confirmation', 'Re-run with --yes to revoke the keys listed above, or --dry-run to only list them.');
    const ask = opts.ask ?? ((message: string) => confirm({ message, default: false }, { output: process.stderr }));
    if (!(await ask(`Revoke these ${deadEnds.length} key(s) now? This cannot be undone.`))) {
      say('Not confirmed: nothing was revoked.');
      outcome.skipped = true;
      return outcome;
    }
  }
  const settings = actionableSettings(ctx.project);
  const store = opts.store ?? (await openStore({ paths: ctx.paths }));
  const http = new SafeHttp({ trustedOrigins: projectTrustedOrigins(ctx.project), timeoutMs: 15_000 });
  const wiring: ProviderWiring = {
    store,
    adminRef: (p) => settings.providers[p]?.admin,
    issuerFor: (p) => settings.providers[p]?.issuer,
    settingFor: (p, key) => settings.providers[p]?.settings?.[key],
    checkAdmin: (entry, provider) => checkBinding(ctx.project.trust, entry, provider, settings.providers[provider]?.issuer ?? null),
    http,
  };
  try {
    await withAudit(
      async (audit) => {
        for (const d of deadEnds) {
          const subject = { credential: d.item.id, provider: d.provider.id };
          const secrets = [d.value, ...Object.values(d.parts ?? {})];
          // Fail closed: nothing is revoked unless the intent is on the record first.
          await audit.append({
            action: 'credential.revoke',
            subject,
            outcome: 'started',
            details: { reason: 'emergency: exposed and used by nothing in this project' },
          });
          try {
            const r = await d.provider.integration!.revoke!.run(
              { value: d.value, ...(d.parts ? { parts: d.parts } : {}) },
              contextForProvider(d.provider, wiring),
            );
            await audit.append({ action: 'credential.revoke', subject, outcome: 'ok', details: { result: r } });
            (r === 'already' ? outcome.already : outcome.revoked).push(d.item.id);
            say(`  ${r === 'already' ? 'was already revoked' : 'revoked'}: ${d.item.names[0] ?? d.item.redacted}`);
          } catch (err) {
            const reason = maskValues((err as Error).message.split('\n')[0] ?? 'failed', secrets);
            await audit.append({ action: 'credential.revoke', subject, outcome: 'failed', details: { reason } });
            outcome.failed.push({ id: d.item.id, reason });
            say(`  failed: ${d.item.names[0] ?? d.item.redacted}: ${reason}`);
          }
        }
      },
      { paths: ctx.paths, store },
    );
  } finally {
    await http.close();
  }
  return outcome;
}
