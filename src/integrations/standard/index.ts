import { refusedError } from '../../core/errors.js';
import { originOf } from '../../net/http.js';
import type { Integration, IntegrationContext, RotationProvider, RotationSubject } from '../types.js';
import { IssuerResponseError, StandardClient } from './client.js';
import { because, riskFromWords } from '../kit.js';

/**
 * The standard client: any issuer that publishes `/.well-known/credential-issuer` (the reference
 * issuer, and any vendor that adopts the standard). What it can do is what the issuer's manifest
 * lists (src/integrations/providers.ts reads it), so this one folder serves every such provider.
 *   verify   whoami, authenticated with the credential itself: its id, scopes and expiry
 *   analyze  the scopes whoami reports, described by the issuer's permission schema
 *   rotate   `/rotate` when the manifest lists `rotate` (the issuer keeps the old credential's scopes
 *            and lifetime and links the two); else create with the old credential's scopes (from
 *            introspection). Either way the old one is revoked (or deactivated) by credctl once
 *            every target holds the new one.
 * A credential is addressed by introspection's `credential_id`, else whoami's `id`, never by
 * introspection's `client_id` (the owning account, RFC 7662).
 */
function client(ctx: IntegrationContext, adminToken?: string): StandardClient {
  return new StandardClient({ providerId: ctx.provider, issuer: ctx.api, http: ctx.http, ...(adminToken ? { adminToken } : {}) });
}

/**
 * The issuer a plan was made for must be the one the user trusts for this provider (credctl.yaml,
 * or the provider's built-in entry): a plan or a stored run that names another is refused.
 */
function checkIssuer(cred: RotationSubject, ctx: IntegrationContext): void {
  if (!ctx.api || !cred.issuer || originOf(ctx.api) !== originOf(cred.issuer)) {
    throw refusedError(
      `the plan sends ${cred.names[0] ?? cred.id} to ${cred.issuer ?? 'no issuer'}, but ${cred.provider} lives at ${ctx.api || 'no known issuer'}; refused`,
      'Make a fresh plan with `credctl plan`.',
    );
  }
}

function rotationProvider(cred: RotationSubject, ctx: IntegrationContext): RotationProvider {
  let admin: StandardClient | undefined;
  const get = async () => {
    if (!admin) {
      checkIssuer(cred, ctx);
      admin = client(ctx, await ctx.adminSecret());
    }
    return admin;
  };
  return {
    async identify({ oldValue }) {
      return (await get()).credentialId(oldValue);
    },
    async create({ credential, oldValue, oldId, idempotencyKey }) {
      const c = await get();
      const manifest = await c.getManifest();
      const which = oldId ?? (oldValue ? await c.credentialId(oldValue) : undefined);
      if (manifest.supported_operations.includes('rotate') && which) {
        // The issuer copies scopes and lifetime itself; a plan's narrower scopes are passed on.
        const created = await c.rotate(which, { ...(credential.scopes ? { scopes: credential.scopes } : {}), idempotencyKey });
        return { value: created.value, id: created.id, ...(created.rotatedFrom ? { rotatedFrom: created.rotatedFrom } : {}) };
      }
      // "Same scopes" means what the issuer says the old credential holds, unless the plan narrows them.
      let scopes = credential.scopes;
      if (!scopes) {
        if (!oldValue) throw refusedError(`cannot read the scopes of the old ${credential.names[0] ?? 'credential'}: its value is not in the store`);
        const old = await c.introspect(oldValue);
        if (!old.active)
          throw refusedError(
            `the old ${credential.names[0] ?? 'credential'} is no longer active at the issuer, so its scopes cannot be copied`,
            'Set scopes for it in the plan, or create the replacement by hand.',
          );
        scopes = old.scopes ?? [];
      }
      const created = await c.create({
        scopes,
        environment: credential.environment,
        idempotencyKey,
        name: `${credential.names[0] ?? 'credential'} (rotated by credctl)`,
      });
      return { value: created.value, id: created.id };
    },
    async revoke({ value, id, mode }) {
      const c = await get();
      if (mode === 'deactivate') {
        // Reversible, so never silently downgraded to a revocation: without the credential's id
        // (the issuer would not say which one it is) the step fails and the run stays resumable.
        const which = id ?? (await c.credentialId(value));
        if (!which)
          throw refusedError(
            `${cred.provider} did not say which credential to deactivate (no credential_id from introspection, no id from whoami)`,
            'Revoke it by hand, or make a plan without --grace.',
          );
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

const standard: Integration = {
  id: 'standard',
  followsManifest: true,
  title: 'the credential-issuer standard (/.well-known/credential-issuer)',
  config: [{ key: 'admin', secret: true, description: 'the management token (store:<entry>) for create, revoke and deactivate' }],
  async verify({ value }, ctx) {
    try {
      const who = await client(ctx).whoami(value);
      return {
        status: 'live',
        reason: `${ctx.provider} accepted it just now`,
        identity: { ...(who.id ? { credentialId: who.id } : {}), ...(who.environment ? { kind: `${who.environment} credential` } : {}) },
        ...(who.expiresAt ? { expiresAt: who.expiresAt } : {}),
      };
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 401 || status === 403) return { status: 'dead', reason: `${ctx.provider} refuses it` };
      return { status: 'unknown', reason: `${ctx.provider} could not be asked${because(err)}` };
    }
  },
  async analyze({ value }, ctx) {
    const who = await client(ctx).whoami(value);
    // Risks come from the issuer's permission schema when the caller describes them (report/probe).
    return { grants: who.scopes.map((scope) => ({ scope, risk: riskFromWords(scope) })), complete: true };
  },
  rotate: {
    strategy: 'overlap',
    summary: 'a second credential with the same scopes; the old one is revoked (or deactivated for a grace period) after every target holds the new one',
    provider: rotationProvider,
  },
};

export default standard;
