import { join } from 'node:path';
import { password, confirm } from '@inquirer/prompts';
import { paintErr } from '../core/output.js';
import type { ProjectPaths } from '../core/paths.js';
import type { AuditLog } from '../audit/log.js';
import type { ProjectSettings } from '../config/sections.js';
import type { SecretStore } from '../store/types.js';
import { asBindingTarget, fileLedger, openTarget, targetKey } from '../targets/index.js';
import type { TargetRef } from '../targets/target.js';
import { runHealthCheck } from './health.js';
import type { EngineDeps, EngineEvent, Prompter } from './ports.js';
import { rotationProviderFor } from './providers.js';

/**
 * Wire the engine to the real world for one project: the secret store, the audit log (fail
 * closed), provider clients, targets (remote ones get their guard token from the store), health
 * checks run in the project root, prompts unless --no-input.
 */
export interface ContextOptions {
  paths: ProjectPaths;
  settings: ProjectSettings;
  store: SecretStore;
  audit: AuditLog;
  noInput: boolean;
  concurrency: number;
  /** Per target type API base URL overrides (tests, GitHub Enterprise). */
  apiUrl?: Partial<Record<string, string>>;
  onEvent?: (e: EngineEvent) => void;
}

export function engineDeps(opts: ContextOptions): { deps: EngineDeps; close(): Promise<void> } {
  const closers: (() => Promise<void>)[] = [];
  const ledger = fileLedger(join(opts.paths.stateDir, 'target-ledger.json'));
  const wiring = {
    store: opts.store,
    adminRef: (p: string) => opts.settings.providers[p]?.admin,
    issuerFor: (p: string) => opts.settings.providers[p]?.issuer,
  };
  const prompter: Prompter | null = opts.noInput || !process.stdin.isTTY
    ? null
    : {
        secret: (message) => password({ message, mask: '*' }, { output: process.stderr }),
        confirm: (message) => confirm({ message, default: false }, { output: process.stderr }),
      };
  const deps: EngineDeps = {
    root: opts.paths.root,
    store: opts.store,
    audit: {
      async append(entry) {
        await opts.audit.append({ action: entry.action, subject: entry.subject as never, outcome: entry.outcome, details: entry.details as never });
      },
    },
    provider: (cred) => rotationProviderFor(cred, wiring, closers),
    openTarget: (ref, guardValue) =>
      asBindingTarget(
        openTarget(ref as TargetRef, {
          projectRoot: opts.paths.root,
          getCredential: () => guardValue(targetKey(ref as TargetRef)),
          ledger,
          ...(opts.apiUrl ? { apiUrl: opts.apiUrl } : {}),
        }),
      ),
    runHealthCheck: (check, env, secrets) => runHealthCheck(check, env, secrets, { cwd: opts.paths.root }),
    prompter,
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

/** Progress on stderr: one plain line per step (a TTY gets colour), never a value. */
export function progressPrinter(): (e: EngineEvent) => void {
  const c = paintErr();
  return (e) => {
    const who = e.credential.names[0] ?? e.credential.redacted;
    if (e.type === 'credential-start') process.stderr.write(`${c.bold(who)} ${c.dim(`(${e.credential.provider}, ${e.credential.redacted})`)}\n`);
    else if (e.type === 'step') {
      if (e.state === 'start') return;
      const mark = e.state === 'done' ? c.green('✓') : e.state === 'skipped' ? c.dim('↷') : c.red('✗');
      process.stderr.write(`  ${mark} ${e.action}${e.detail ? c.dim(`: ${e.detail}`) : ''}\n`);
    } else {
      const text = e.outcome === 'rotated' ? c.green('rotated') : e.outcome === 'skipped' ? c.yellow(`skipped: ${e.reason}`) : c.red(`failed, rolled back: ${e.reason}`);
      process.stderr.write(`  → ${text}\n`);
    }
  };
}
