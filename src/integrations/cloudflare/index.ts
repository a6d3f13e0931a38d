import { CredctlError, refusedError } from '../../core/errors.js';
import { ExitCode } from '../../core/exit-codes.js';
import type { RotationProvider } from '../types.js';
import { READ_RETRY, refusalOf, unreachable, vendorCall, vendorFailure, type VendorReply } from '../kit.js';
import type { Analysis, Grant, Integration, IntegrationContext, Risk, Verification } from '../types.js';

/**
 * Cloudflare API tokens (user tokens and account-owned tokens), through the client v4 API
 * (API.md in this folder names the document).
 *   verify   GET .../tokens/verify with the token itself: its id, status and expiry (and, when
 *            the token may read its own details, when it was last used)
 *   analyze  GET .../tokens/{id}: the policies (permission groups, resources); needs "API Tokens
 *            Read", so a token without it is analysed as incomplete unless an admin token is set
 *   rotate   roll: PUT .../tokens/{id}/value gives the same token a new value and the old value
 *            dies at once (so there is no overlap, and "revoking the old one" must never delete the
 *            token id, which now carries the new value)
 *   revoke   DELETE .../tokens/{id}
 * Account-owned tokens (`cfat_...`) live under /accounts/{account_id}/tokens and need the account
 * id (`providers.<p>.account`). Writes use the admin token when one is configured, else the token
 * itself, which works only if it holds "API Tokens Write".
 */
const VENDOR = 'Cloudflare';

type Owner = { kind: 'user' } | { kind: 'account'; account: string };

const base = (owner: Owner) => (owner.kind === 'user' ? '/user/tokens' : `/accounts/${encodeURIComponent(owner.account)}/tokens`);

interface TokenCheck {
  verification: Verification;
  owner?: Owner;
  id?: string;
}

/**
 * Which path the token is checked on: a `cfat_` token, or one the user path refuses with 403
 * while an account id is configured, is account-owned.
 */
async function check(value: string, ctx: IntegrationContext): Promise<TokenCheck> {
  const account = ctx.setting('account');
  const ask = async (owner: Owner): Promise<{ reply: VendorReply; owner: Owner }> => ({
    reply: await vendorCall(ctx, `${base(owner)}/verify`, { headers: { authorization: `Bearer ${value}` }, secrets: [value], retry: READ_RETRY }),
    owner,
  });
  let { reply, owner } = await ask(value.startsWith('cfat_') && account ? { kind: 'account', account } : { kind: 'user' });
  if (reply.status === 403 && owner.kind === 'user' && account) ({ reply, owner } = await ask({ kind: 'account', account }));
  // 400 6003/6111: the header is not a token at all, so Cloudflare does not accept it.
  const codes = (reply.json?.errors ?? []).map((e: any) => e?.code);
  if (reply.status === 400 && (codes.includes(6003) || codes.includes(6111))) {
    return { verification: { status: 'dead', reason: `${VENDOR} refuses it as malformed (HTTP 400)` } };
  }
  const refused = refusalOf(VENDOR, reply, [value], {});
  if (refused) {
    // A 403 on the user path with an account id set was asked again on the account path, so a
    // user token "live but refused" here means no account id is set.
    if (refused.status === 'live' && owner.kind === 'user') {
      refused.reason += '; if it is an account-owned token, set providers.<provider>.account to check it';
    }
    return { verification: refused };
  }
  const r = reply.json?.result;
  if (reply.json?.success !== true || typeof r?.id !== 'string' || typeof r.status !== 'string') {
    return { verification: { status: 'unknown', reason: `${VENDOR} answered verify without a token id and status` } };
  }
  const kind = owner.kind === 'user' ? 'user API token' : 'account API token';
  const identity = { credentialId: r.id, kind, ...(owner.kind === 'account' ? { account: owner.account } : {}) };
  const times = { ...(typeof r.expires_on === 'string' ? { expiresAt: r.expires_on } : {}) };
  if (r.status !== 'active') {
    return { owner, id: r.id, verification: { status: 'dead', reason: `${VENDOR} says the token is ${r.status}`, identity, ...times } };
  }
  return { owner, id: r.id, verification: { status: 'live', reason: `${VENDOR} accepted it just now`, identity, ...times } };
}

/** The admin token, or undefined when none is configured or stored (the token itself is used then). */
async function adminOrNone(ctx: IntegrationContext): Promise<{ admin?: string; why?: string }> {
  try {
    return { admin: await ctx.adminSecret() };
  } catch (err) {
    if (err instanceof CredctlError) return { why: err.message.split('\n')[0] };
    throw err;
  }
}

/** A permission group's risk from Cloudflare's "<Thing> Read|Write|Edit" naming. */
export function riskOfPermission(name: string): Risk {
  if (/\b(api tokens|account settings|memberships?|user details|billing|access: organizations, identity providers, and groups)\b.*\b(write|edit)\b/i.test(name))
    return 'admin';
  if (/\b(write|edit|purge|revoke)\b/i.test(name)) return 'write';
  return 'read';
}

/** "com.cloudflare.api.account.zone.<id>" → "account.zone.<id>", nested maps flattened. */
function resourcesOf(resources: unknown, prefix = ''): string[] {
  if (!resources || typeof resources !== 'object') return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(resources as Record<string, unknown>)) {
    const name = `${prefix}${k.replace(/^com\.cloudflare\.api\./, '')}`;
    if (v && typeof v === 'object') out.push(...resourcesOf(v, `${name} > `));
    else out.push(name);
  }
  return out;
}

function grantsOf(policies: any[]): { grants: Grant[]; denies: number } {
  const grants: Grant[] = [];
  let denies = 0;
  for (const p of policies) {
    if (p?.effect === 'deny') {
      denies++;
      continue;
    }
    const resource = resourcesOf(p?.resources).join(', ') || undefined;
    for (const g of Array.isArray(p?.permission_groups) ? p.permission_groups : []) {
      if (typeof g?.name !== 'string') continue;
      grants.push({ scope: g.name, risk: riskOfPermission(g.name), ...(resource ? { resource } : {}) });
    }
  }
  return { grants, denies };
}

async function analyze(value: string, ctx: IntegrationContext): Promise<Analysis> {
  const checked = await check(value, ctx);
  if (!checked.id || !checked.owner) throw new CredctlError(`${VENDOR}: cannot analyse the token: ${checked.verification.reason}`, ExitCode.Remote);
  const path = `${base(checked.owner)}/${encodeURIComponent(checked.id)}`;
  const read = (token: string) => vendorCall(ctx, path, { headers: { authorization: `Bearer ${token}` }, secrets: [value, token], retry: READ_RETRY });
  let reply = await read(value);
  let note: string | undefined;
  if (reply.status === 403) {
    const { admin, why } = await adminOrNone(ctx);
    if (admin) reply = await read(admin);
    if (reply.status === 403) {
      const need = checked.owner.kind === 'user' ? 'API Tokens Read' : 'Account API Tokens Read';
      note = `${VENDOR} would not show the token's policies: it lacks "${need}"${admin ? ' and so does the admin token' : ` and no admin token is available (${why})`}. Only its liveness is known.`;
      return { grants: [], complete: false, note };
    }
  }
  if (reply.status < 200 || reply.status >= 300 || reply.malformed) throw vendorFailure(VENDOR, 'token details', reply, [value]);
  const policies = reply.json?.result?.policies;
  if (!Array.isArray(policies)) throw vendorFailure(VENDOR, 'token details', { ...reply, malformed: true }, [value]);
  const { grants, denies } = grantsOf(policies);
  const ips = reply.json.result.condition?.request_ip;
  const notes = [
    denies ? `${denies} deny polic${denies === 1 ? 'y narrows' : 'ies narrow'} these grants` : '',
    Array.isArray(ips?.in) && ips.in.length ? `usable only from ${ips.in.join(', ')}` : '',
  ].filter(Boolean);
  return { grants, complete: true, ...(notes.length ? { note: notes.join('; ') } : {}) };
}

/** Where a token lives, from an id recorded as "user:<id>" or "account:<account>:<id>". */
function parseRef(ref: string | undefined): { owner: Owner; id: string } {
  const m = /^(?:user:([0-9a-zA-Z]+)|account:([0-9a-zA-Z]+):([0-9a-zA-Z]+))$/.exec(ref ?? '');
  if (!m) throw refusedError(`the old ${VENDOR} token was not identified (no token id recorded)`);
  return m[1] ? { owner: { kind: 'user' }, id: m[1] } : { owner: { kind: 'account', account: m[2]! }, id: m[3]! };
}

const refOf = (owner: Owner, id: string) => (owner.kind === 'user' ? `user:${id}` : `account:${owner.account}:${id}`);

async function liveness(value: string, ctx: IntegrationContext): Promise<boolean | 'unknown'> {
  const v = (await check(value, ctx)).verification.status;
  return v === 'unknown' ? 'unknown' : v === 'live';
}

function rollProvider(ctx: IntegrationContext): RotationProvider {
  return {
    async identify({ oldValue }) {
      const c = await check(oldValue, ctx);
      if (!c.id || !c.owner) throw new CredctlError(`${VENDOR} did not say which token this is: ${c.verification.reason}`, ExitCode.Remote);
      return refOf(c.owner, c.id);
    },
    async create({ oldId, oldValue }) {
      const { owner, id } = parseRef(oldId);
      const { admin, why } = await adminOrNone(ctx);
      const token = admin ?? oldValue;
      if (!token) throw refusedError(`${VENDOR}: no admin token (${why}) and the old value is not in the store, so nothing can roll the token`);
      // Not retried: a roll whose answer is lost has already killed the old value; repeating it
      // with the admin token gives a fresh value (fine), with the old value it can only fail.
      const reply = await vendorCall(ctx, `${base(owner)}/${encodeURIComponent(id)}/value`, {
        method: 'PUT',
        json: {},
        headers: { authorization: `Bearer ${token}` },
        secrets: [token, ...(oldValue ? [oldValue] : [])],
      });
      if (reply.status === 401 && !admin) {
        throw new CredctlError(
          `${VENDOR} refused the roll: the old value no longer works (a roll may already have happened)`,
          ExitCode.Remote,
          'Roll the token in the dashboard (https://dash.cloudflare.com/profile/api-tokens), or configure providers.<provider>.admin with a token holding "API Tokens Write".',
        );
      }
      if (reply.status === 403) {
        throw new CredctlError(
          `${VENDOR} refused the roll (HTTP 403): ${admin ? 'the admin token' : 'the token itself'} lacks "${owner.kind === 'user' ? 'API Tokens Write' : 'Account API Tokens Write'}"`,
          ExitCode.Remote,
          'Configure providers.<provider>.admin: store:<entry> with a token that holds that permission.',
        );
      }
      if (reply.status < 200 || reply.status >= 300 || reply.malformed) throw vendorFailure(VENDOR, 'roll token', reply, [token]);
      const value = reply.json?.result;
      if (typeof value !== 'string' || value.length < 40) throw vendorFailure(VENDOR, 'roll token', { ...reply, malformed: true }, [token]);
      return { value, id: refOf(owner, id) };
    },
    async revoke({ value }) {
      // After a roll the old value is already dead and the token id carries the new value, so
      // "revoke the old one" only confirms it: deleting the id would kill the replacement.
      const alive = await liveness(value, ctx);
      if (alive === false) return 'already';
      throw new CredctlError(
        `${VENDOR}: the old value is ${alive === true ? 'still accepted after the roll' : 'not confirmed dead (Cloudflare could not be asked)'}`,
        ExitCode.Remote,
        'Check the token in the dashboard (https://dash.cloudflare.com/profile/api-tokens) and roll it again there.',
      );
    },
    isActive: ({ value }) => liveness(value, ctx),
  };
}

const cloudflare: Integration = {
  id: 'cloudflare',
  title: 'Cloudflare API (client v4)',
  defaultApi: 'https://api.cloudflare.com/client/v4',
  config: [
    {
      key: 'admin',
      secret: true,
      description:
        'A Cloudflare API token with "API Tokens Write" of the same user as the leaked user tokens (for account-owned tokens: "Account API Tokens Write" on that account), used to read, roll and delete them; without it the leaked token itself is used, which works only if it holds that permission.',
    },
    { key: 'account', description: 'The Cloudflare account id, for account-owned API tokens (cfat_...), which live under /accounts/{account_id}/tokens.' },
  ],
  async verify({ value }, ctx) {
    try {
      const c = await check(value, ctx);
      if (c.verification.status !== 'live' || !c.id || !c.owner) return c.verification;
      // When it was last used, if the token may read its own details: a best effort with the
      // token itself (one more call), which never changes the answer.
      const details = await vendorCall(ctx, `${base(c.owner)}/${encodeURIComponent(c.id)}`, {
        headers: { authorization: `Bearer ${value}` },
        // Stryker disable next-line ArrayDeclaration: this best-effort call's failure is dropped (.catch below) and its error text never read, so nothing it masks is ever shown
        secrets: [value],
      }).catch(() => undefined);
      const used = details && details.status === 200 ? details.json?.result?.last_used_on : undefined;
      return typeof used === 'string' ? { ...c.verification, lastUsedAt: used } : c.verification;
    } catch (err) {
      return unreachable(VENDOR, err);
    }
  },
  analyze: ({ value }, ctx) => analyze(value, ctx),
  revoke: {
    needsAdmin: true,
    warning: 'Deletes the token for good: everything that uses it stops at once, and it cannot be undone.',
    async run({ value }, ctx) {
      const c = await check(value, ctx);
      if (c.verification.status === 'dead' && !c.id) return 'already';
      if (!c.id || !c.owner) throw new CredctlError(`${VENDOR} did not say which token this is: ${c.verification.reason}`, ExitCode.Remote);
      const { admin } = await adminOrNone(ctx);
      const token = admin ?? value;
      const reply = await vendorCall(ctx, `${base(c.owner)}/${encodeURIComponent(c.id)}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${token}` },
        secrets: [token, value],
        retry: true,
      });
      if (reply.status === 404) return 'already';
      if (reply.status < 200 || reply.status >= 300) throw vendorFailure(VENDOR, 'delete token', reply, [token, value]);
      return 'revoked';
    },
  },
  rotate: {
    strategy: 'roll',
    summary:
      'Cloudflare rolls the token in place: same id, name and policies, a new value; the old value stops working at once, so every target must be updated right after.',
    provider: (_credential, ctx) => rollProvider(ctx),
  },
  manual: {
    rotate: {
      url: 'https://dash.cloudflare.com/profile/api-tokens',
      instructions:
        'My Profile > API Tokens (account-owned tokens: Manage Account > API Tokens), next to the token select the three dots > Roll > Confirm, and store the new value with `credctl store put`. The old value stops working at once.',
    },
    revoke: {
      url: 'https://dash.cloudflare.com/profile/api-tokens',
      instructions: 'My Profile > API Tokens (account-owned tokens: Manage Account > API Tokens), next to the token select the three dots > Delete.',
    },
  },
};

export default cloudflare;
