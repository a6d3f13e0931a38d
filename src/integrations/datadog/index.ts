import { CredctlError, refusedError } from '../../core/errors.js';
import { ExitCode } from '../../core/exit-codes.js';
import type { RotationProvider } from '../types.js';
import { READ_RETRY, refusalOf, riskFromWords, unreachable, vendorCall, vendorFailure, type VendorReply } from '../kit.js';
import type { Analysis, CredentialValue, Grant, Integration, IntegrationContext, Risk, Verification } from '../types.js';

/**
 * Datadog API keys (32 hex) and application keys (40 hex), through the Datadog API (API.md in
 * this folder names the document).
 *   verify   API key: GET /api/v1/validate (Datadog answers 403, not 401, for a bad key);
 *            app key: GET /api/v2/validate_keys with an API key of the same org next to it
 *   analyze  API key: what an API key is for, plus its id and scopes from /api/v2/validate
 *            (preview); app key: its scopes from /api/v2/current_user/application_keys
 *   rotate   API keys only, overlap: create a key with the admin pair, delete the old one by id
 *   revoke   delete the key by id with the admin pair
 * The admin credential is a pair, stored as one entry "<API key>:<application key>" of a user
 * holding api_keys_write (and org_app_keys_write to delete application keys). An application
 * key is checked with the API key passed as its `api-key` part, else the admin pair's API key.
 * The site (datadoghq.eu, us5.datadoghq.com...) is `providers.<p>.site`, unless the API address
 * is overridden with `issuer`.
 */
const VENDOR = 'Datadog';
const DEFAULT_API = 'https://api.datadoghq.com';
const SITES = /^(?:(?:us3|us5|ap1|ap2|uk1)\.)?datadoghq\.com$|^datadoghq\.eu$|^(?:us2\.)?ddog-gov\.com$/;

type KeyKind = 'api' | 'app';
const kindOf = (value: string): KeyKind => (/^[0-9a-f]{40}$/i.test(value.trim()) ? 'app' : 'api');

/** The context pointed at the configured site, unless the API address was overridden. */
function siteContext(ctx: IntegrationContext): IntegrationContext {
  const site = ctx
    .setting('site')
    ?.trim()
    .toLowerCase()
    // Stryker disable next-line Regex: every part is optional, so the first match is at the start with or without the anchor
    .replace(/^(?:https:\/\/)?(?:app\.|api\.)?/, '');
  if (!site || ctx.api !== DEFAULT_API) return ctx;
  if (!SITES.test(site))
    throw new CredctlError(
      `providers.${ctx.provider}.site: "${site.slice(0, 40)}" is not a Datadog site`,
      ExitCode.BadInput,
      'Use one of datadoghq.com, us3.datadoghq.com, us5.datadoghq.com, datadoghq.eu, ap1.datadoghq.com, ap2.datadoghq.com, uk1.datadoghq.com, ddog-gov.com, us2.ddog-gov.com.',
    );
  return { ...ctx, api: `https://api.${site}` };
}

interface AdminPair {
  apiKey: string;
  appKey: string;
}

/** The admin pair, or why there is none (not configured, not stored, or not a pair). */
async function adminPair(ctx: IntegrationContext): Promise<{ pair?: AdminPair; why?: string }> {
  let raw: string;
  try {
    raw = await ctx.adminSecret();
  } catch (err) {
    if (err instanceof CredctlError) return { why: err.message.split('\n')[0] };
    throw err;
  }
  const m = /^\s*([0-9a-f]{32})\s*[:\s]\s*([0-9a-f]{40})\s*$/i.exec(raw);
  if (!m)
    throw new CredctlError(
      `${VENDOR}: the admin entry for ${ctx.provider} must hold "<API key>:<application key>" (32 and 40 hex characters)`,
      ExitCode.BadInput,
      'Store the pair with `credctl store put <entry>`.',
    );
  return { pair: { apiKey: m[1]!, appKey: m[2]! } };
}

async function needAdmin(ctx: IntegrationContext, what: string): Promise<AdminPair> {
  const { pair, why } = await adminPair(ctx);
  if (!pair)
    throw refusedError(
      `${VENDOR}: ${what} needs the admin pair (${why})`,
      `Set providers.${ctx.provider}.admin: store:<entry> holding "<API key>:<application key>" of a user with api_keys_write.`,
    );
  return pair;
}

const headersFor = (apiKey: string, appKey?: string) => ({ 'dd-api-key': apiKey, ...(appKey ? { 'dd-application-key': appKey } : {}) });

function call(
  ctx: IntegrationContext,
  path: string,
  keys: { apiKey: string; appKey?: string },
  req: { method?: 'GET' | 'POST' | 'DELETE'; json?: unknown; query?: Record<string, string | number>; retry?: boolean | typeof READ_RETRY } = {},
): Promise<VendorReply> {
  // Stryker disable next-line ArrayDeclaration,ConditionalExpression: the keys travel only in headers, which no network error quotes; Datadog's own words are masked by refusalOf/vendorFailure
  const secrets = [keys.apiKey, ...(keys.appKey ? [keys.appKey] : [])];
  return vendorCall(ctx, path, {
    method: req.method,
    json: req.json,
    query: req.query,
    headers: headersFor(keys.apiKey, keys.appKey),
    secrets,
    retry: req.retry ?? READ_RETRY,
  });
}

const ok = (r: VendorReply) => r.status >= 200 && r.status < 300 && !r.malformed;

async function verifyApiKey(value: string, ctx: IntegrationContext): Promise<Verification> {
  const reply = await call(ctx, '/api/v1/validate', { apiKey: value });
  const refused = refusalOf(VENDOR, reply, [value], { forbiddenMeansDead: true });
  if (refused) return refused;
  if (reply.json?.valid !== true) return { status: 'unknown', reason: `${VENDOR} answered validate without "valid": true` };
  return { status: 'live', reason: `${VENDOR} accepted the API key just now`, identity: { kind: 'API key' } };
}

/** The API key an application key is checked with: its `api-key` part, else the admin pair's. */
async function companionApiKey(credential: CredentialValue, ctx: IntegrationContext): Promise<{ apiKey?: string; why?: string }> {
  const part = credential.parts?.['api-key'];
  if (part) return { apiKey: part };
  const { pair, why } = await adminPair(ctx);
  return pair ? { apiKey: pair.apiKey } : { why: `an application key is only checked together with an API key of its org, and none is known (${why})` };
}

async function verifyAppKey(credential: CredentialValue, ctx: IntegrationContext): Promise<Verification> {
  const { apiKey, why } = await companionApiKey(credential, ctx);
  if (!apiKey) return { status: 'unknown', reason: `${VENDOR}: ${why}` };
  const secrets = [credential.value, apiKey];
  const reply = await call(ctx, '/api/v2/validate_keys', { apiKey, appKey: credential.value });
  if (reply.status === 401 || reply.status === 403) {
    // Either key may be the one refused: only a good API key makes this say "the app key is dead".
    const api = await verifyApiKey(apiKey, ctx);
    if (api.status !== 'live') return { status: 'unknown', reason: `${VENDOR} refused the pair, and the API key it was checked with is not live either` };
    return { status: 'dead', reason: `${VENDOR} refuses the application key (HTTP ${reply.status})` };
  }
  const refused = refusalOf(VENDOR, reply, secrets);
  if (refused) return refused;
  if (reply.json?.status !== 'ok') return { status: 'unknown', reason: `${VENDOR} answered validate_keys without "status": "ok"` };
  return { status: 'live', reason: `${VENDOR} accepted the application key just now`, identity: { kind: 'application key' } };
}

/** Datadog permission names are <area>_<verb>; the ones that manage access are admin. */
export function riskOfScope(scope: string): Risk {
  if (
    /^(api_keys_(write|delete)|org_app_keys_write|user_app_keys|user_access_(manage|invite)|org_management|user_access_manage|service_account_write|saml_configuration_write|org_connections_write)$/.test(
      scope,
    )
  )
    return 'admin';
  if (/_(read)$/.test(scope)) return 'read';
  return riskFromWords(scope);
}

const API_KEY_GRANT: Grant = {
  scope: 'data submission',
  risk: 'write',
  description: 'Submit metrics, logs, traces and events to the org; an API key alone cannot read data (that needs an application key).',
};

async function analyzeApiKey(value: string, ctx: IntegrationContext): Promise<Analysis> {
  const reply = await call(ctx, '/api/v2/validate', { apiKey: value });
  const attrs = reply.json?.data?.attributes;
  if (ok(reply) && Array.isArray(attrs?.api_key_scopes)) {
    const scopes = attrs.api_key_scopes.filter((s: unknown): s is string => typeof s === 'string');
    return { grants: [API_KEY_GRANT, ...scopes.map((s: string) => ({ scope: s, risk: riskOfScope(s) }))], complete: true };
  }
  if (reply.status === 403) throw new CredctlError(`${VENDOR} refuses the API key (HTTP 403): nothing to analyse`, ExitCode.Remote);
  return {
    grants: [API_KEY_GRANT],
    complete: false,
    note: `${VENDOR}'s /api/v2/validate (preview) did not answer (HTTP ${reply.status}), so any extra scopes of the key are not shown.`,
  };
}

interface AppKeyEntry {
  id: string;
  name?: string;
  scopes: string[] | null;
  owner?: string;
}

/** The leaked application key's own entry, found by its last four characters in its owner's list. */
async function ownAppKey(value: string, apiKey: string, ctx: IntegrationContext): Promise<{ entry?: AppKeyEntry; reply: VendorReply; matches: number }> {
  const reply = await call(ctx, '/api/v2/current_user/application_keys', { apiKey, appKey: value }, { query: { 'page[size]': 100 } });
  if (!ok(reply) || !Array.isArray(reply.json?.data)) return { reply, matches: 0 };
  const hits = reply.json.data.filter((k: any) => k?.attributes?.last4 === value.slice(-4));
  const k = hits.length === 1 ? hits[0] : undefined;
  const entry =
    k && typeof k.id === 'string'
      ? {
          id: k.id,
          name: k.attributes.name,
          scopes: Array.isArray(k.attributes.scopes) ? k.attributes.scopes : null,
          owner: k.relationships?.owned_by?.data?.id,
        }
      : undefined;
  return { entry, reply, matches: hits.length };
}

async function analyzeAppKey(credential: CredentialValue, ctx: IntegrationContext): Promise<Analysis> {
  const { apiKey, why } = await companionApiKey(credential, ctx);
  if (!apiKey) return { grants: [], complete: false, note: `${VENDOR}: ${why}` };
  const { entry, reply, matches } = await ownAppKey(credential.value, apiKey, ctx);
  if (reply.status === 403)
    return {
      grants: [],
      complete: false,
      note: `${VENDOR} would not list the key's owner's application keys (HTTP 403): the owner lacks "user_app_keys", so the key's scopes are not known.`,
    };
  if (!ok(reply)) throw vendorFailure(VENDOR, 'list application keys', reply, [credential.value, apiKey]);
  if (!entry)
    return {
      grants: [],
      complete: false,
      note: `${VENDOR}: ${matches ? 'several' : 'none'} of the owner's application keys end with the same four characters, so its scopes are not known.`,
    };
  const resource = entry.owner ? `user ${entry.owner}` : undefined;
  if (entry.scopes === null) {
    return {
      grants: [
        {
          scope: 'all permissions of its owner',
          risk: 'admin',
          description: 'An application key without scopes acts with every permission its owner has.',
          ...(resource ? { resource } : {}),
        },
      ],
      complete: false,
      note: "The key has no scopes: what it can do is what its owner's roles allow, which credctl does not read.",
    };
  }
  return { grants: entry.scopes.map((s) => ({ scope: s, risk: riskOfScope(s), ...(resource ? { resource } : {}) })), complete: true };
}

/**
 * The id of a leaked API key: from /api/v2/validate with the key itself, else by last4 in the
 * admin's list; undefined only when Datadog refuses the key (it is deleted).
 */
async function apiKeyId(value: string, ctx: IntegrationContext): Promise<string | undefined> {
  const own = await call(ctx, '/api/v2/validate', { apiKey: value });
  const id = own.json?.data?.attributes?.api_key_id;
  if (ok(own) && typeof id === 'string') return id;
  if (own.status === 403) return undefined; // the key is dead: nothing to find
  const admin = await needAdmin(ctx, 'finding the API key');
  const hits: string[] = [];
  for (let page = 0; page < 50; page++) {
    const list = await call(ctx, '/api/v2/api_keys', admin, { query: { 'page[size]': 100, 'page[number]': page } });
    if (!ok(list) || !Array.isArray(list.json?.data)) throw vendorFailure(VENDOR, 'list API keys', list, [value, admin.apiKey, admin.appKey]);
    for (const k of list.json.data) if (k?.attributes?.last4 === value.slice(-4) && typeof k.id === 'string') hits.push(k.id);
    if (list.json.data.length < 100) break;
  }
  if (hits.length > 1)
    throw refusedError(
      `${VENDOR}: ${hits.length} API keys end with the same four characters, so credctl cannot tell which one leaked`,
      'Revoke it in the dashboard: Organization Settings > API Keys.',
    );
  if (hits[0]) return hits[0];
  // Not in the admin's list: deleted since, or a key of another org than the admin pair's. Only
  // Datadog refusing the key itself tells them apart; "already revoked" for a live key would be a lie.
  if ((await verifyApiKey(value, ctx)).status === 'dead') return undefined;
  throw refusedError(
    `${VENDOR}: no API key in the admin pair's org ends with the same four characters, yet Datadog does not refuse the key`,
    "Check that the admin pair belongs to the key's org and site, or revoke the key in the dashboard: Organization Settings > API Keys.",
  );
}

async function deleteApiKey(id: string, admin: AdminPair, ctx: IntegrationContext, secrets: string[]): Promise<'revoked' | 'already'> {
  const reply = await call(ctx, `/api/v2/api_keys/${encodeURIComponent(id)}`, admin, { method: 'DELETE', retry: true });
  if (reply.status === 404) return 'already';
  if (reply.status < 200 || reply.status >= 300) throw vendorFailure(VENDOR, 'delete API key', reply, [...secrets, admin.apiKey, admin.appKey]);
  return 'revoked';
}

async function revoke(credential: CredentialValue, rawCtx: IntegrationContext): Promise<'revoked' | 'already'> {
  const ctx = siteContext(rawCtx);
  const value = credential.value;
  if (kindOf(value) === 'api') {
    if ((await verifyApiKey(value, ctx)).status === 'dead') return 'already';
    const admin = await needAdmin(ctx, 'revoking an API key');
    const id = await apiKeyId(value, ctx);
    if (!id) return 'already';
    return deleteApiKey(id, admin, ctx, [value]);
  }
  const state = await verifyAppKey(credential, ctx);
  if (state.status === 'dead') return 'already';
  const admin = await needAdmin(ctx, 'revoking an application key');
  const { entry, reply } = await ownAppKey(value, credential.parts?.['api-key'] ?? admin.apiKey, ctx);
  if (!entry)
    throw new CredctlError(
      `${VENDOR} did not say which application key this is (HTTP ${reply.status})`,
      ExitCode.Remote,
      'Revoke it in the dashboard: Organization Settings > Application Keys.',
    );
  const del = await call(ctx, `/api/v2/application_keys/${encodeURIComponent(entry.id)}`, admin, { method: 'DELETE', retry: true });
  if (del.status === 404) return 'already';
  if (del.status < 200 || del.status >= 300) throw vendorFailure(VENDOR, 'delete application key', del, [value, admin.apiKey, admin.appKey]);
  return 'revoked';
}

function overlapProvider(rawCtx: IntegrationContext): RotationProvider {
  const ctx = siteContext(rawCtx);
  const apiOnly = (value: string | undefined) => {
    if (value && kindOf(value) === 'app')
      throw refusedError(
        `${VENDOR} application keys are rotated by hand: a new key must belong to the same user`,
        'Create one in Personal Settings > Application Keys as the owner, store it, then revoke the old one.',
      );
  };
  return {
    async identify({ oldValue }) {
      apiOnly(oldValue);
      const id = await apiKeyId(oldValue, ctx);
      if (!id) throw refusedError(`${VENDOR} does not know the old API key any more (it is revoked)`);
      return id;
    },
    async create({ oldValue, idempotencyKey }) {
      apiOnly(oldValue);
      const admin = await needAdmin(ctx, 'creating an API key');
      const secrets = [admin.apiKey, admin.appKey, ...(oldValue ? [oldValue] : [])];
      const name = `credctl rotation ${idempotencyKey}`;
      // A resumed run: a key of this run that was made but never recorded is deleted, not reused
      // (its value cannot be trusted to have been stored), then a fresh one is made.
      const found = await call(ctx, '/api/v2/api_keys', admin, { query: { 'page[size]': 100, filter: name } });
      if (!ok(found)) throw vendorFailure(VENDOR, 'list API keys', found, secrets);
      const leftovers = found.json?.data;
      if (Array.isArray(leftovers))
        for (const k of leftovers) if (k?.attributes?.name === name && typeof k.id === 'string') await deleteApiKey(k.id, admin, ctx, secrets);
      const made = await call(ctx, '/api/v2/api_keys', admin, { method: 'POST', json: { data: { type: 'api_keys', attributes: { name } } }, retry: false });
      if (!ok(made)) throw vendorFailure(VENDOR, 'create API key', made, secrets);
      const key = made.json?.data?.attributes?.key;
      const id = made.json?.data?.id;
      if (typeof key !== 'string' || typeof id !== 'string') throw vendorFailure(VENDOR, 'create API key', { ...made, malformed: true }, secrets);
      return { value: key, id };
    },
    async revoke({ value, id, mode }) {
      if (mode === 'deactivate') throw refusedError(`${VENDOR} API keys cannot be deactivated, only deleted`, 'Make the plan without --grace.');
      const admin = await needAdmin(ctx, 'revoking an API key');
      const which = id ?? (await apiKeyId(value, ctx));
      if (!which) return 'already';
      return deleteApiKey(which, admin, ctx, [value]);
    },
    async isActive({ value }) {
      const v = await verifyApiKey(value, ctx);
      return v.status === 'unknown' ? 'unknown' : v.status === 'live';
    },
  };
}

const datadog: Integration = {
  id: 'datadog',
  title: 'Datadog API',
  defaultApi: DEFAULT_API,
  config: [
    {
      key: 'admin',
      secret: true,
      description:
        'One store entry holding "<API key>:<application key>" of a user with api_keys_read/api_keys_write (and org_app_keys_write to delete application keys).',
    },
    {
      key: 'site',
      description:
        'The Datadog site the keys belong to: datadoghq.com (default), us3.datadoghq.com, us5.datadoghq.com, datadoghq.eu, ap1.datadoghq.com, ap2.datadoghq.com, uk1.datadoghq.com, ddog-gov.com, us2.ddog-gov.com.',
    },
  ],
  async verify(credential, ctx) {
    try {
      const site = siteContext(ctx);
      return kindOf(credential.value) === 'api' ? await verifyApiKey(credential.value, site) : await verifyAppKey(credential, site);
    } catch (err) {
      return unreachable(VENDOR, err);
    }
  },
  async analyze(credential, ctx) {
    const site = siteContext(ctx);
    return kindOf(credential.value) === 'api' ? analyzeApiKey(credential.value, site) : analyzeAppKey(credential, site);
  },
  revoke: { needsAdmin: true, warning: 'Deletes the key for good: everything that sends with it (agents, apps) stops at once.', run: revoke },
  rotate: {
    strategy: 'overlap',
    summary:
      'A new API key is created next to the old one; both work until the old one is deleted after every target has the new one. Application keys are rotated by hand.',
    provider: (_credential, ctx) => overlapProvider(ctx),
  },
  manual: {
    rotate: {
      url: 'https://app.datadoghq.com/organization-settings/api-keys',
      instructions:
        "API key: Organization Settings > API Keys > New Key, store it with `credctl store put`, then revoke the old key. Application key: as its owner, Personal Settings > Application Keys > New Key with the same scopes (https://app.datadoghq.com/personal-settings/application-keys). Use your own site's address (app.datadoghq.eu, us5.datadoghq.com...).",
    },
    revoke: {
      url: 'https://app.datadoghq.com/organization-settings/api-keys',
      instructions: 'Organization Settings > API Keys (or Application Keys), find the key by its last four characters, and Revoke/Delete it.',
    },
  },
};

export default datadog;
