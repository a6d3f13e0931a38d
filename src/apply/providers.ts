import { CredctlError, refusedError, storeError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import type { PlanCredential } from '../plan/types.js';
import { UnsupportedOperation } from '../providers/adapter.js';
import { IssuerResponseError, StandardClient } from '../providers/standard-client.js';
import * as pgAdapter from '../providers/adapters/postgres.js';
import { OpenAiAdmin } from '../providers/adapters/openai.js';
import { originOf } from '../net/http.js';
import { loadProviders } from '../providers/registry.js';
import type { SecretStore } from '../store/types.js';
import { retryTransient, type RetryPolicy } from '../net/retry.js';
import type { RotationProvider } from './ports.js';

/**
 * Turn a plan credential into the RotationProvider the engine drives:
 *   - a provider that publishes the standard manifest (the reference issuer, and any vendor that
 *     adopts it) → the standard client: create with the old credential's scopes and environment
 *     (from introspection, so "same scopes" is what the issuer says, not a guess), revoke,
 *     introspect;
 *   - postgres → alternating-user roles (src/providers/adapters/postgres.ts);
 *   - anything else → manual (the plan already routes create and revoke to a person).
 * Admin credentials come from the store, named in credctl.yaml (`providers.<id>.admin:
 * store:<entry>`), never from the plan.
 */
export interface ProviderWiring {
  store: SecretStore;
  /** credctl.yaml providers.<id>.admin, e.g. `store:example/admin`. */
  adminRef(provider: string): string | undefined;
  issuerFor(provider: string): string | undefined;
  /** credctl.yaml providers.<id>.project (OpenAI's project id). */
  projectFor?(provider: string): string | undefined;
  /** Throws (exit 6) unless the user trusted this store entry to go to this provider. */
  checkAdmin?(entry: string, provider: string): void;
  /** Origins the user trusted in credctl.yaml (the network client may reach them on private addresses). */
  trustedOrigins?: string[];
}

async function adminSecret(wiring: ProviderWiring, provider: string): Promise<string> {
  const ref = wiring.adminRef(provider);
  if (!ref) throw refusedError(`no admin credential configured for ${provider}`, `Add providers.${provider}.admin: store:<entry> to credctl.yaml and put it with \`credctl store put <entry>\`.`);
  const name = ref.startsWith('store:') ? ref.slice('store:'.length) : ref;
  wiring.checkAdmin?.(name, provider);
  const value = await wiring.store.get(name, { label: 'current' });
  if (!value) throw storeError(`the admin credential for ${provider} (store entry ${name}) is not in the store`, `Put it with \`credctl store put ${name}\`.`);
  return value;
}

/**
 * The issuer a credential's provider lives at, from trusted sources only: credctl.yaml (trusted
 * before anything runs) or the provider's built-in entry. A plan or a stored run that names
 * another issuer is refused rather than obeyed.
 */
function issuerOf(cred: PlanCredential, wiring: ProviderWiring): string {
  const expected = wiring.issuerFor(cred.provider) ?? loadProviders().find((p) => p.id === cred.provider)?.issuer;
  if (!expected || !cred.issuer || originOf(expected) !== originOf(cred.issuer)) {
    throw refusedError(`the plan sends ${cred.names[0] ?? cred.id} to ${cred.issuer ?? 'no issuer'}, but ${cred.provider} lives at ${expected ?? 'no known issuer'}; refused`, 'Make a fresh plan with `credctl plan`.');
  }
  return expected;
}

export function rotationProviderFor(cred: PlanCredential, wiring: ProviderWiring, closers: (() => Promise<void>)[]): RotationProvider {
  if (cred.provider === 'postgres') return withRetries(postgresProvider(wiring));
  if (cred.provider === 'openai' && cred.strategy === 'api') return withRetries(openaiProvider(cred, wiring, closers));
  if (cred.strategy === 'api' && cred.issuer) return withRetries(standardProvider(cred, wiring, closers));
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
  if (err instanceof IssuerResponseError) return err.status >= 500 || err.status === 429 || err.status < 300;
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

function standardProvider(cred: PlanCredential, wiring: ProviderWiring, closers: (() => Promise<void>)[]): RotationProvider {
  let client: StandardClient | undefined;
  const get = async () => {
    if (!client) {
      client = new StandardClient({ providerId: cred.provider, issuer: issuerOf(cred, wiring), adminToken: await adminSecret(wiring, cred.provider), trustedOrigins: wiring.trustedOrigins });
      closers.push(() => client!.close());
    }
    return client;
  };
  return {
    async identify({ oldValue }) {
      const info = await (await get()).introspect(oldValue);
      return info.id;
    },
    async create({ credential, oldValue, idempotencyKey }) {
      const c = await get();
      // "Same scopes" means what the issuer says the old credential holds, unless the plan narrows them.
      let scopes = credential.scopes;
      if (!scopes) {
        if (!oldValue) throw refusedError(`cannot read the scopes of the old ${credential.names[0] ?? 'credential'}: its value is not in the store`);
        const old = await c.introspect(oldValue);
        if (!old.active) throw refusedError(`the old ${credential.names[0] ?? 'credential'} is no longer active at the issuer, so its scopes cannot be copied`, 'Set scopes for it in the plan, or create the replacement by hand.');
        scopes = old.scopes ?? [];
      }
      const created = await c.create({ scopes, environment: credential.environment, idempotencyKey, name: `${credential.names[0] ?? 'credential'} (rotated by credctl)` });
      return { value: created.value, id: created.id };
    },
    async revoke({ value, id, mode }) {
      const c = await get();
      if (mode === 'deactivate') {
        // Reversible, so never silently downgraded to a revocation: without the credential's id
        // (the issuer would not say which one it is) the step fails and the run stays resumable.
        const which = id ?? (await c.introspect(value)).id;
        if (!which) throw refusedError(`${cred.provider} did not say which credential to deactivate`, 'Revoke it by hand, or make a plan without --grace.');
        try {
          await c.deactivate(which); // deactivating twice (a resumed run) is fine
          return 'revoked';
        } catch (err) {
          // Revoked for good already (by hand, by another run): the issuer refuses to deactivate it.
          if (err instanceof IssuerResponseError && (await c.get(which).catch(() => undefined))?.status === 'revoked') return 'already';
          throw err;
        }
      }
      const before = await c.introspect(value).catch(() => undefined);
      await c.revoke({ value });
      return before && !before.active ? 'already' : 'revoked';
    },
    async isActive({ value }) {
      return (await (await get()).introspect(value)).active;
    },
    async reactivate({ id }) {
      if (!id) throw refusedError(`${cred.provider}: no id recorded for the credential to reactivate`);
      await (await get()).reactivate(id);
    },
  };
}

/**
 * OpenAI: a project key owned by a service account (see ../providers/adapters/openai.ts). The
 * old key's id travels as `<key id>|<service account id>`, so create and revoke need no second
 * lookup. The Admin API has no idempotency keys: a key is named after the run's idempotency key,
 * and a resumed create first deletes a key of that name left by the interrupted attempt (its
 * value was never stored, so nothing can be using it).
 */
function openaiProvider(cred: PlanCredential, wiring: ProviderWiring, closers: (() => Promise<void>)[]): RotationProvider {
  let admin: OpenAiAdmin | undefined;
  const get = async () => {
    if (!admin) {
      const project = wiring.projectFor?.('openai');
      if (!project) throw refusedError('OpenAI needs the project id: set providers.openai.project in credctl.yaml');
      admin = new OpenAiAdmin(wiring.issuerFor('openai') ?? 'https://api.openai.com', await adminSecret(wiring, 'openai'), project, { trustedOrigins: wiring.trustedOrigins });
      closers.push(() => admin!.close());
    }
    return admin;
  };
  const parse = (id: string | undefined) => {
    const [keyId, serviceAccount] = (id ?? '').split('|');
    if (!keyId || !serviceAccount) throw refusedError('the old OpenAI key was not identified (no key id recorded)');
    return { keyId, serviceAccount };
  };
  return {
    async identify({ oldValue }) {
      const ref = await (await get()).identify(oldValue);
      return `${ref.id}|${ref.serviceAccount}`;
    },
    async create({ oldId, idempotencyKey }) {
      const a = await get();
      const { serviceAccount } = parse(oldId);
      const name = `credctl ${idempotencyKey}`;
      for (const leftover of (await a.listKeys()).filter((k) => k.name === name)) await a.deleteKey(leftover.id);
      const created = await a.createKey(serviceAccount, name);
      return { value: created.value, id: `${created.id}|${serviceAccount}` };
    },
    async revoke({ id }) {
      const r = await (await get()).deleteKey(parse(id).keyId);
      return r === 'already' ? 'already' : 'revoked';
    },
    async isActive({ value }) {
      return (await get()).isActive(value);
    },
  };
}

/**
 * PostgreSQL: the credential is a connection URL (what the app reads as DATABASE_URL), and its
 * replacement is the same URL with a new login role and password (alternating users), so the
 * old URL keeps working until revoke makes its role NOLOGIN.
 */
function postgresProvider(wiring: ProviderWiring): RotationProvider {
  const loginOf = (value: string) => {
    try {
      return pgAdapter.loginFromUrl(value);
    } catch {
      throw refusedError('this PostgreSQL credential is not a connection URL; rotate a bare password by hand');
    }
  };
  return {
    async identify({ oldValue }) {
      return loginOf(oldValue).user;
    },
    async create({ oldValue, oldId, idempotencyKey }) {
      if (!oldValue) throw refusedError('the old connection URL is not in the store');
      const login = await pgAdapter.createReplacement(await adminSecret(wiring, 'postgres'), oldId ?? loginOf(oldValue).user, idempotencyKey);
      return { value: pgAdapter.withCredentials(oldValue, login), id: login.user };
    },
    async revoke({ value, id }) {
      return pgAdapter.revokeLogin(await adminSecret(wiring, 'postgres'), id ?? loginOf(value).user);
    },
    async isActive({ value }) {
      return pgAdapter.canLogin(value, loginOf(value));
    },
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
