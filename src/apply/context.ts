import { integrationNamed } from '../integrations/registry.js';
import { password, confirm } from '@inquirer/prompts';
import { paintErr } from '../core/output.js';
import type { ProjectPaths } from '../core/paths.js';
import type { AuditLog } from '../audit/log.js';
import type { ProjectSettings } from '../config/sections.js';
import { SafeHttp } from '../net/http.js';
import { projectTrustedOrigins, type Project } from '../project/context.js';
import { checkBinding } from '../trust/gate.js';
import type { SecretStore } from '../store/types.js';
import { asBindingTarget } from '../targets/index.js';
import { projectState } from '../state/files.js';
import { openTarget, targetKey, targetPlugins } from '../integrations/targets.js';
import type { TargetRef } from '../targets/target.js';
import type { PlanCredential } from '../plan/types.js';
import { describeRef } from '../plan/render.js';
import { escapeControl } from '../core/text.js';
import { loadProviders, manualStep } from '../providers/registry.js';
import { compileRuleSet, detect } from '../scan/detect.js';
import { loadRulesCached } from '../scan/rules-cache.js';
import { runHealthCheck } from './health.js';
import type { EngineDeps, EngineEvent, Prompter } from './ports.js';
import { rotationProviderFor } from './providers.js';
import * as io from '../core/io.js';

/**
 * Wire the engine to the real world for one project: the secret store, the audit log (fail
 * closed), provider clients, targets (remote ones get their guard token from the store), health
 * checks run in the project root, prompts unless --no-input.
 */
export interface ContextOptions {
  /** The opened, trusted project (admin credentials are checked against its trust bindings). */
  project?: Project;
  paths: ProjectPaths;
  settings: ProjectSettings;
  store: SecretStore;
  audit: AuditLog;
  noInput: boolean;
  concurrency: number;
  /** Per target type API base URL overrides (tests, GitHub Enterprise). */
  apiUrl?: Partial<Record<string, string>>;
  onEvent?: (e: EngineEvent) => void;
  prompter?: Prompter;
  /** --force: accept a pasted value that does not look like the provider's credential. */
  acceptUnrecognised?: boolean;
  /** --confirm-manual KEY (repeated): manual places the person confirms without a prompt. */
  confirmedManual?: string[];
  /** Aborted when the person stops the run (Ctrl-C): see EngineDeps.signal. */
  signal?: AbortSignal;
}

/**
 * GitHub Enterprise, a Vercel proxy, a stand-in: a target reaches its provider's API at the
 * address trusted credctl.yaml gives for that provider (providers.<id>.issuer), never from a ref.
 */
export function targetApiOverrides(settings: ProjectSettings): Record<string, string> {
  const out: Record<string, string> = {};
  for (const plugin of targetPlugins()) {
    const issuer = plugin.guardedBy ? settings.providers[plugin.guardedBy.provider]?.issuer : undefined;
    if (issuer) out[plugin.type] = issuer;
  }
  return out;
}

export function engineDeps(opts: ContextOptions): { deps: EngineDeps; close(): Promise<void> } {
  const closers: (() => Promise<void>)[] = [];
  const ledger = (opts.project?.state ?? projectState(opts.paths)).ledger;
  const trustedOrigins = opts.project ? projectTrustedOrigins(opts.project) : [];
  const net = new SafeHttp({ trustedOrigins, maxBodyBytes: 1024 * 1024 });
  closers.push(() => net.close());
  // An admin credential goes only where the user trusted it to go (src/trust/gate.ts).
  const checkAdmin = (entry: string, provider: string) => {
    if (opts.project) checkBinding(opts.project.trust, entry, provider, opts.settings.providers[provider]?.issuer ?? null);
  };
  const wiring = {
    store: opts.store,
    adminRef: (p: string) => opts.settings.providers[p]?.admin,
    issuerFor: (p: string) => opts.settings.providers[p]?.issuer,
    settingFor: (p: string, key: string) => opts.settings.providers[p]?.settings?.[key],
    checkAdmin,
    http: net,
  };
  const terminal: Prompter = {
    secret: (message) => password({ message, mask: '*' }, { output: process.stderr, ...(opts.signal ? { signal: opts.signal } : {}) }),
    confirm: (message) => confirm({ message, default: false }, { output: process.stderr, ...(opts.signal ? { signal: opts.signal } : {}) }),
  };
  const prompter: Prompter | null = opts.prompter ?? (opts.noInput || !io.inputIsTTY() ? null : terminal);
  // A remote target asks for its provider's token (github, vercel); credctl.yaml names it.
  const configuredToken = async (provider: string): Promise<string | null> => {
    const ref = opts.settings.providers[provider]?.admin;
    if (!ref) return null;
    checkAdmin(ref.slice('store:'.length), provider);
    return opts.store.get(ref.slice('store:'.length), { label: 'current' });
  };
  const deps: EngineDeps = {
    root: opts.paths.root,
    store: opts.store,
    audit: {
      async append(entry) {
        await opts.audit.append({ action: entry.action, subject: entry.subject as never, outcome: entry.outcome, details: entry.details as never });
      },
    },
    provider: (cred) => rotationProviderFor(cred, wiring),
    openTarget: (ref, guardValue) =>
      asBindingTarget(
        openTarget(ref as TargetRef, {
          projectRoot: opts.paths.root,
          // The guard rotated in this plan if there is one, else the token credctl.yaml names for
          // that provider (providers.github.admin / providers.vercel.admin: store:<entry>).
          getCredential: async (purpose) => (await guardValue(targetKey(ref as TargetRef))) ?? configuredToken(purpose),
          ledger,
          net,
          apiUrl: { ...targetApiOverrides(opts.settings), ...opts.apiUrl },
        }),
      ),
    runHealthCheck: (check, env, secrets) => runHealthCheck(check, env, secrets, { cwd: opts.paths.root, http: net }),
    prompter,
    revokePlace: (cred) => revokePlace(cred, opts.settings),
    checkPastedValue,
    acceptUnrecognised: opts.acceptUnrecognised,
    ...(opts.confirmedManual?.length ? { confirmedManual: new Set(opts.confirmedManual) } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    onEvent: opts.onEvent,
    concurrency: opts.concurrency,
  };
  return {
    deps,
    async close() {
      for (const c of closers) await c().catch(() => undefined);
    },
  };
}

/** Where a person deletes this provider's credentials by hand: its dashboard's revoke page, else its issuer. */
export function revokePlace(cred: PlanCredential, settings: ProjectSettings): string | undefined {
  const entry = loadProviders().find((p) => p.id === cred.provider);
  const name = entry?.name ?? cred.provider;
  const url = manualStep(entry, 'revoke').url;
  if (url) return `${name}: ${url}`;
  const issuer = settings.providers[cred.provider]?.issuer ?? cred.issuer;
  return issuer ? `${name} (${issuer})` : name;
}

/** Does a pasted value look like this provider's credential? (manifest patterns, else its detection rules) */
export function checkPastedValue(cred: PlanCredential, value: string, partRole?: string): string | undefined {
  const entry = loadProviders().find((p) => p.id === cred.provider);
  if (partRole !== undefined) {
    // A part (an AWS key id) is checked against the pattern its integration declares for it.
    const part = integrationNamed(entry?.adapter?.module)?.parts?.find((p) => p.role === partRole);
    if (!part?.pattern) return undefined;
    const whole = new RegExp(`^(?:${part.pattern.source.replace(/^\\b|\\b$/g, '')})$`);
    return whole.test(value) ? undefined : `that does not look like its ${partRole.replace(/-/g, ' ')} (${entry?.name ?? cred.provider})`;
  }
  const what = `a ${entry?.name ?? cred.provider} ${cred.kind.replace(/_/g, ' ')}`;
  // The manifest's patterns for this kind of credential (an AWS key id pattern says nothing about its secret).
  const patterns = (entry?.manifest?.credential_patterns ?? []).filter((p) => !p.kind || p.kind === cred.kind);
  if (patterns.length) {
    const ok = patterns.some((p) => {
      try {
        return new RegExp(p.regex).test(value);
      } catch {
        return false;
      }
    });
    return ok ? undefined : `that does not look like ${what}`;
  }
  const rules = loadRulesCached().filter((r) => r.provider === cred.provider);
  if (!rules.length || cred.provider === 'generic') return undefined;
  const hits = detect(compileRuleSet(rules), `${cred.names[0] ?? 'VALUE'}=${value}`);
  return hits.some((m) => m.value === value || value.includes(m.value)) ? undefined : `that does not look like ${what}`;
}

/**
 * Progress, one plain line per finished step, labelled with the credential (runs interleave
 * under --concurrency); colour only on a TTY. Never a value: steps report outcomes only.
 */
export function progressPrinter(write: (line: string) => void = (l) => io.err().write(l + '\n')): (e: EngineEvent) => void {
  const c = paintErr();
  return (e) => {
    if (e.type === 'note') return write(c.yellow(e.message));
    const who = e.credential.names[0] ?? e.credential.redacted;
    if (e.type === 'credential-start') write(`${c.bold(who)} ${c.dim(`(${e.credential.provider}, ${e.credential.redacted})`)}: rotating`);
    else if (e.type === 'step') {
      if (e.state === 'start') return;
      const mark = e.state === 'done' ? c.green('✓') : e.state === 'skipped' ? c.dim('↷') : c.red('✗');
      write(`  ${mark} ${who} ${e.action}${stepObject(e.credential, e.step)}${e.detail ? c.dim(`: ${e.detail}`) : ''}`);
      // What a failed health check printed (masked and trimmed by the engine), so the failure explains itself.
      if (e.output) {
        write(c.dim('      its output (last lines, secret values masked):'));
        for (const line of e.output.split('\n')) write(c.dim(`      │ ${escapeControl(line)}`));
      }
    } else {
      const text = e.outcome === 'rotated' ? c.green('rotated') : e.outcome === 'skipped' ? c.yellow(`skipped: ${e.reason}`) : c.red(`failed: ${e.reason}`);
      write(`${c.bold(who)}: ${text}`);
    }
  };
}

/** What a step acts on, so that three injects read as three places: ` EVENTS_API_KEY into dotenv .env`. */
function stepObject(cred: PlanCredential, stepId: string): string {
  const step = cred.steps.find((s) => s.id === stepId);
  if (step?.action === 'inject' && step.target) return ` ${step.envName ?? ''} into ${describeRef(step.target)}`;
  return '';
}
