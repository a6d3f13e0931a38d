import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { confirm } from '@inquirer/prompts';
import { atomicWriteFileSync } from '../core/atomic-write.js';
import { refusedError } from '../core/errors.js';
import { describeSurface, isEmptySurface, surfaceDigest, type TrustSurface } from './surface.js';
import * as io from '../core/io.js';

/**
 * Trust, as direnv, mise and VS Code do it: a repository's credctl.yaml may ask credctl to run
 * commands, contact URLs and hand stored secrets to providers (its trust surface, surface.ts).
 * credctl does none of that until the user has trusted that exact surface for that exact real
 * path. The record lives outside the repository, in the user's config directory
 * (`$CREDCTL_CONFIG_DIR`, else `$XDG_CONFIG_HOME/credctl`, else `~/.config/credctl`), one file
 * per project under `trust/`, holding the digest and the surface it covers. Any change to the
 * surface asks again.
 *
 * CI cannot answer a prompt: it sets CREDCTL_TRUST to the digest `credctl trust --print-digest`
 * shows, from the pipeline's protected settings (a variable a pull request cannot change). A
 * pull request that edits credctl.yaml changes the digest, so it is not trusted by that setting.
 *
 * Admin credentials are bound: the first time a store entry is trusted as some provider's admin
 * credential, the record notes which provider and which issuer it goes to, and credctl refuses to
 * send it anywhere else (`credctl trust --rebind ENTRY` moves it, deliberately).
 */
export interface TrustBinding {
  provider: string;
  /** credctl.yaml's issuer URL for that provider; null = the provider's built-in address. */
  issuer: string | null;
}

export interface TrustRecord {
  root: string;
  digest: string;
  trustedAt: string;
  surface: TrustSurface;
  bindings: Record<string, TrustBinding>;
}

export interface TrustDecision {
  trusted: boolean;
  /** There is nothing to trust (no commands, URLs or secrets in credctl.yaml). */
  empty: boolean;
  digest: string;
  surface: TrustSurface;
  /** How it was decided, for messages: "trusted on 2026-12-07", "CREDCTL_TRUST", "never trusted". */
  reason: string;
  record?: TrustRecord;
}

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CREDCTL_CONFIG_DIR) return resolve(env.CREDCTL_CONFIG_DIR);
  const base = env.XDG_CONFIG_HOME ? resolve(env.XDG_CONFIG_HOME) : join(env.HOME || homedir(), '.config');
  return join(base, 'credctl');
}

function recordPath(realRoot: string, env: NodeJS.ProcessEnv): string {
  const id = createHash('sha256').update(realRoot).digest('hex').slice(0, 32);
  return join(configDir(env), 'trust', `${id}.json`);
}

export function readTrustRecord(realRoot: string, env: NodeJS.ProcessEnv = process.env): TrustRecord | undefined {
  const path = recordPath(realRoot, env);
  if (!existsSync(path)) return undefined;
  try {
    const r = JSON.parse(readFileSync(path, 'utf8')) as TrustRecord;
    // A record copied from another project (same file name is a hash collision, or a hand copy) is ignored.
    return r && r.root === realRoot && typeof r.digest === 'string' ? { ...r, bindings: r.bindings ?? {} } : undefined;
  } catch {
    return undefined; // a damaged record is as good as none: the user is asked again
  }
}

export function decideTrust(realRoot: string, surface: TrustSurface, env: NodeJS.ProcessEnv = process.env): TrustDecision {
  const digest = surfaceDigest(surface);
  const base = { digest, surface, empty: isEmptySurface(surface) };
  if (base.empty) return { ...base, trusted: true, reason: 'credctl.yaml asks for nothing that needs trust' };
  const record = readTrustRecord(realRoot, env);
  const fromEnv = env.CREDCTL_TRUST?.trim();
  if (fromEnv && fromEnv === digest) return { ...base, trusted: true, reason: 'CREDCTL_TRUST matches', ...(record ? { record } : {}) };
  if (record?.digest === digest) return { ...base, trusted: true, reason: `trusted on ${record.trustedAt.slice(0, 10)}`, record };
  return { ...base, trusted: false, reason: record ? 'credctl.yaml changed since you trusted it' : 'never trusted here', ...(record ? { record } : {}) };
}

/** Bindings an admin entry would break if this surface were trusted: entry → [was, would be]. */
export function bindingConflicts(decision: TrustDecision): { entry: string; was: TrustBinding; now: TrustBinding }[] {
  const out: { entry: string; was: TrustBinding; now: TrustBinding }[] = [];
  for (const s of decision.surface.secrets) {
    const was = decision.record?.bindings[s.entry];
    if (was && (was.provider !== s.provider || was.issuer !== s.issuer)) out.push({ entry: s.entry, was, now: { provider: s.provider, issuer: s.issuer } });
  }
  return out;
}

const describeBinding = (b: TrustBinding) => `${b.provider} at ${b.issuer ?? 'its built-in address'}`;

/** Record trust in this surface for this real path. `rebind` lists entries allowed to move. */
export function grantTrust(realRoot: string, decision: TrustDecision, options: { env?: NodeJS.ProcessEnv; rebind?: string[] } = {}): TrustRecord {
  const env = options.env ?? process.env;
  const conflicts = bindingConflicts(decision).filter((c) => !options.rebind?.includes(c.entry));
  if (conflicts.length) {
    const c = conflicts[0]!;
    throw refusedError(
      `credctl.yaml would send store:${c.entry} to ${describeBinding(c.now)}, but it is pinned to ${describeBinding(c.was)}`,
      `If that is really intended, run \`credctl trust --rebind ${c.entry}\`.`,
    );
  }
  const bindings: Record<string, TrustBinding> = { ...(decision.record?.bindings ?? {}) };
  for (const s of decision.surface.secrets) bindings[s.entry] = { provider: s.provider, issuer: s.issuer };
  const record: TrustRecord = { root: realRoot, digest: decision.digest, trustedAt: new Date().toISOString(), surface: decision.surface, bindings };
  const path = recordPath(realRoot, env);
  mkdirSync(join(configDir(env), 'trust'), { recursive: true, mode: 0o700 });
  atomicWriteFileSync(path, JSON.stringify(record, null, 2) + '\n', { mode: 0o600 });
  return record;
}

export function forgetTrust(realRoot: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const path = recordPath(realRoot, env);
  if (!existsSync(path)) return false;
  atomicWriteFileSync(
    path,
    JSON.stringify({
      root: realRoot,
      digest: 'revoked',
      trustedAt: new Date().toISOString(),
      surface: { commands: [], urls: [], secrets: [], github: null },
      bindings: readTrustRecord(realRoot, env)?.bindings ?? {},
    }) + '\n',
    { mode: 0o600 },
  );
  return true;
}

/**
 * The store entry `entry` may go to `provider` with `issuer` (credctl.yaml's URL, or null for
 * the built-in one) only if that is where it was bound when trusted. Throws exit 6 otherwise.
 */
export function checkBinding(decision: TrustDecision, entry: string, provider: string, issuer: string | null): void {
  const bound = decision.record?.bindings[entry];
  if (!bound) {
    // Trusted through CREDCTL_TRUST without a local record: the digest pins the surface, which names the binding.
    if (decision.trusted && decision.surface.secrets.some((s) => s.entry === entry && s.provider === provider && s.issuer === issuer)) return;
    throw refusedError(`store:${entry} is not trusted as the admin credential of ${provider}`, 'Run `credctl trust` to review credctl.yaml.');
  }
  if (bound.provider !== provider || bound.issuer !== issuer) {
    throw refusedError(
      `store:${entry} is pinned to ${describeBinding(bound)}; refusing to send it to ${describeBinding({ provider, issuer })}`,
      `If that is really intended, run \`credctl trust --rebind ${entry}\`.`,
    );
  }
}

export interface EnsureTrustOptions {
  noInput: boolean;
  env?: NodeJS.ProcessEnv;
  /** What needs the trust, for the message: "rotating credentials". */
  what: string;
  /** Store entries the person allows to move to another provider or issuer. */
  rebind?: string[];
  /** Ask on this stream (default stderr); tests and library callers may answer themselves. */
  ask?: (lines: string[]) => Promise<boolean>;
}

/**
 * Go ahead only in a trusted project. On a terminal (and without --no-input) the person is shown
 * the surface and asked; elsewhere this refuses with exit 6 and says what to run.
 */
export async function ensureTrusted(realRoot: string, decision: TrustDecision, options: EnsureTrustOptions): Promise<TrustDecision> {
  if (decision.trusted) return decision;
  const hint = `Review it with \`credctl trust\` (in CI: set CREDCTL_TRUST=${decision.digest} from a protected setting).`;
  const interactive = !options.noInput && Boolean(io.inputIsTTY()) && !options.env?.CI && !process.env.CI;
  if (!options.ask && !interactive) {
    throw refusedError(
      `${options.what} needs credctl.yaml to be trusted in this project (${decision.reason}): it runs commands, contacts URLs or hands over stored secrets`,
      hint,
    );
  }
  const lines = [`credctl.yaml in ${realRoot} asks credctl to:`, ...describeSurface(decision.surface)];
  for (const c of bindingConflicts(decision))
    lines.push(`!! store:${c.entry} was pinned to ${describeBinding(c.was)} and would now go to ${describeBinding(c.now)}`);
  const ask =
    options.ask ??
    (async (text: string[]) => {
      io.err().write(text.join('\n') + '\n');
      return confirm({ message: 'Trust this configuration for this project?', default: false }, { output: process.stderr });
    });
  if (!(await ask(lines))) throw refusedError('credctl.yaml not trusted; nothing was done', hint);
  const record = grantTrust(realRoot, decision, { env: options.env, rebind: options.rebind });
  return { ...decision, trusted: true, reason: 'trusted just now', record };
}
