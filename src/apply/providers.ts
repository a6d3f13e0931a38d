import { refusedError, storeError } from '../core/errors.js';
import { CredctlError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import type { PlanCredential } from '../plan/types.js';
import { UnsupportedOperation } from '../providers/adapter.js';
import { IssuerResponseError, MAX_RETRY_AFTER_SECONDS } from '../integrations/standard/client.js';
import type { SafeHttp } from '../net/http.js';
import { integrationContext } from '../integrations/context.js';
import { wiredProviders, type WiredProvider } from '../integrations/providers.js';
import { onboardedVersion } from '../providers/registry.js';
import type { IntegrationContext } from '../integrations/types.js';
import type { SecretStore } from '../store/types.js';
import { retryTransient, type RetryPolicy } from '../net/retry.js';
import type { RotationProvider } from './ports.js';

/**
 * Turn a plan credential into the RotationProvider the engine drives: the `rotate` part of the
 * integration its provider names (src/integrations/<adapter>/), given a context built from
 * trusted sources only, or a manual provider when the plan routes the steps to a person.
 * Admin credentials come from the store, named in credctl.yaml (`providers.<id>.admin:
 * store:<entry>`), never from the plan.
 */
export interface ProviderWiring {
  store: SecretStore;
  /** credctl.yaml providers.<id>.admin, e.g. `store:example/admin`. */
  adminRef(provider: string): string | undefined;
  issuerFor(provider: string): string | undefined;
  /** credctl.yaml providers.<id>.<key>: plain ids an integration reads (OpenAI's project). */
  settingFor?(provider: string, key: string): string | undefined;
  /** Throws (exit 6) unless the user trusted this store entry to go to this provider. */
  checkAdmin?(entry: string, provider: string): void;
  /** The network client (with the origins the user trusted). */
  http: SafeHttp;
}

async function adminSecret(wiring: ProviderWiring, provider: string): Promise<string> {
  const ref = wiring.adminRef(provider);
  if (!ref)
    throw refusedError(
      `no admin credential configured for ${provider}`,
      `Add providers.${provider}.admin: store:<entry> to credctl.yaml and put it with \`credctl store put <entry>\`.`,
    );
  const name = ref.startsWith('store:') ? ref.slice('store:'.length) : ref;
  wiring.checkAdmin?.(name, provider);
  const value = await wiring.store.get(name, { label: 'current' });
  if (!value) throw storeError(`the admin credential for ${provider} (store entry ${name}) is not in the store`, `Put it with \`credctl store put ${name}\`.`);
  return value;
}

let providersCache: { version: number; byId: Map<string, WiredProvider> } | undefined;
function wiredProvider(id: string): WiredProvider | undefined {
  // Rebuilt when the project's issuer-only providers change (another project in this process).
  if (providersCache?.version !== onboardedVersion()) providersCache = { version: onboardedVersion(), byId: new Map(wiredProviders().map((p) => [p.id, p])) };
  return providersCache.byId.get(id);
}

/** The context an integration acts in for one provider: trusted API address, settings, admin secret. */
export function contextForProvider(provider: WiredProvider, wiring: ProviderWiring): IntegrationContext {
  return integrationContext({
    integration: provider.integration!,
    provider: provider.id,
    api: wiring.issuerFor(provider.id) ?? provider.issuer,
    http: wiring.http,
    settings: new Proxy({}, { get: (_t, key) => (typeof key === 'string' ? wiring.settingFor?.(provider.id, key) : undefined) }),
    adminSecret: () => adminSecret(wiring, provider.id),
  });
}

export function rotationProviderFor(cred: PlanCredential, wiring: ProviderWiring): RotationProvider {
  const provider = wiredProvider(cred.provider);
  const rotate = provider?.integration?.rotate;
  if (cred.strategy === 'api' && rotate && provider) return withRetries(rotate.provider(cred, contextForProvider(provider, wiring)));
  return manualProvider(cred);
}

/**
 * Every provider operation the engine calls is idempotent (creates carry an idempotency key,
 * revocation of a revoked credential succeeds, introspection only reads), so transient faults
 * are retried: 5xx and 429 answers, timeouts, resets and malformed bodies, up to 4 attempts with
 * doubling backoff. A 4xx answer is the provider saying no: not retried.
 */
export const RETRY_POLICY: RetryPolicy = { attempts: 4, backoffMs: 200 };

export function isTransient(err: unknown): boolean {
  if (err instanceof IssuerResponseError) {
    // The issuer asked for a longer wait than credctl sits out (the client already named it).
    if ((err.retryAfterSeconds ?? 0) > MAX_RETRY_AFTER_SECONDS) return false;
    return err.status >= 500 || err.status === 429 || err.status < 300;
  }
  if (err instanceof CredctlError) return err.exitCode === ExitCode.Remote;
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'ECONNRESET' || code === 'ECONNREFUSED' || code === 'ETIMEDOUT' || code === 'EPIPE';
}

export function retrying<T>(fn: () => Promise<T>, policy = RETRY_POLICY): Promise<T> {
  return retryTransient(fn, isTransient, policy);
}

function withRetries(p: RotationProvider): RotationProvider {
  return {
    identify: (i) => retrying(() => p.identify(i)),
    create: (i) => retrying(() => p.create(i)),
    revoke: (i) => retrying(() => p.revoke(i)),
    isActive: (i) => retrying(() => p.isActive(i)),
    ...(p.reactivate ? { reactivate: (i: { value: string; id?: string }) => retrying(() => p.reactivate!(i)) } : {}),
    ...(p.render ? { render: p.render } : {}),
  };
}

function manualProvider(cred: PlanCredential): RotationProvider {
  return {
    async identify() {
      return undefined;
    },
    async create() {
      throw new UnsupportedOperation(cred.provider, 'create');
    },
    async revoke() {
      throw new UnsupportedOperation(cred.provider, 'revoke');
    },
    async isActive() {
      return 'unknown';
    },
  };
}
