import { createHash } from 'node:crypto';
import { CredctlError, refusedError, remoteError } from '../../core/errors.js';
import { ExitCode } from '../../core/exit-codes.js';
import { READ_RETRY, refusalOf, unreachable, vendorCall, vendorFailure, vendorMessage, type VendorReply } from '../kit.js';
import type { Analysis, Grant, Integration, IntegrationContext, Verification } from '../types.js';

/**
 * Google API keys (AIza...), API.md in this folder names the documents.
 *   verify   a harmless keyed call, GET generativelanguage.googleapis.com/v1beta/models: Google
 *            answers API_KEY_INVALID (400) for a wrong or deleted key, and SERVICE_DISABLED or an
 *            API_KEY_*_BLOCKED reason (403) for a valid key that may not call that API
 *   analyze  the key's API and application restrictions, from the API Keys API v2
 *            (keys:lookupKey, then the key), with an OAuth access token (`providers.google.admin`)
 *   revoke   DELETE the key through the API Keys API (Google keeps it 30 days for undelete)
 *   rotate   a new key with the same restrictions (keyId from the run's idempotency key), then
 *            the old one deleted: deletion is reversible for 30 days ("deactivation-grace")
 * The API Keys API lives at https://apikeys.googleapis.com; an issuer override (a stand-in in
 * tests) serves both it and the verify call.
 */
const VENDOR = 'Google';
const VERIFY_API = 'https://generativelanguage.googleapis.com';
const KEYS_API = 'https://apikeys.googleapis.com';
const KEY_NAME = /^projects\/[A-Za-z0-9-]+\/locations\/global\/keys\/[A-Za-z0-9-]+$/;
const POLL = { attempts: 20, waitMs: 250 };
// Stryker disable next-line ArrayDeclaration: nothing to mask; a placeholder string is in no message
const NO_SECRETS: string[] = [];

const DEAD_REASONS = new Set(['API_KEY_INVALID', 'API_KEY_EXPIRED']);
const RESTRICTED_REASONS = new Set([
  'SERVICE_DISABLED',
  'API_KEY_SERVICE_BLOCKED',
  'API_KEY_HTTP_REFERRER_BLOCKED',
  'API_KEY_IP_ADDRESS_BLOCKED',
  'API_KEY_ANDROID_APP_BLOCKED',
  'API_KEY_IOS_APP_BLOCKED',
]);

/** The google.rpc.ErrorInfo of an error answer: reason, and the consumer (projects/<number>) when it names one. */
function errorInfo(json: any): { reason?: string; consumer?: string } {
  // Stryker disable next-line ArrayDeclaration: a placeholder string in an empty list is no ErrorInfo either
  const details = Array.isArray(json?.error?.details) ? json.error.details : [];
  const info = details.find((d: any) => typeof d?.['@type'] === 'string' && d['@type'].endsWith('google.rpc.ErrorInfo'));
  return {
    reason: typeof info?.reason === 'string' ? info.reason : undefined,
    consumer: typeof info?.metadata?.consumer === 'string' ? info.metadata.consumer : undefined,
  };
}

/** How Google's answer to a keyed call reads: live / dead / unknown, with the project when it says. */
export function readKeyedAnswer(reply: VendorReply, value: string): Verification {
  const said = vendorMessage(reply, [value]);
  const { reason, consumer } = errorInfo(reply.json);
  const suffix = `${reason ? ` ${reason}` : ''}${said ? `: ${said}` : ''}`;
  if (reason && DEAD_REASONS.has(reason)) return { status: 'dead', reason: `${VENDOR} refuses it (HTTP ${reply.status}${suffix})` };
  // Stryker disable next-line StringLiteral: no message and a message without these words read the same
  const saysInvalid = /api key not valid/i.test(said ?? '');
  if (reply.status === 400 && !reason && saysInvalid) return { status: 'dead', reason: `${VENDOR} refuses it (HTTP 400${suffix})` };
  const identity = { kind: 'API key', ...(consumer ? { account: consumer } : {}) };
  if (reply.status === 403 && reason && RESTRICTED_REASONS.has(reason)) {
    return { status: 'live', reason: `${VENDOR} knows the key but it may not make this call (HTTP 403${suffix})`, identity };
  }
  if (reply.status === 400) return { status: 'unknown', reason: `${VENDOR} answered HTTP 400${suffix}` };
  const refused = refusalOf(VENDOR, reply, [value]);
  if (refused) return refused.status === 'live' ? { ...refused, identity } : refused;
  if (!Array.isArray(reply.json?.models)) return { status: 'unknown', reason: `${VENDOR} answered without a model list` };
  return { status: 'live', reason: `${VENDOR} accepted it just now`, identity };
}

async function probe(ctx: IntegrationContext, value: string): Promise<Verification> {
  const reply = await vendorCall(ctx, '/v1beta/models', { headers: { 'x-goog-api-key': value }, query: { pageSize: 1 }, secrets: [value], retry: READ_RETRY });
  return readKeyedAnswer(reply, value);
}

/** API Keys API v2 calls with the admin access token. */
function keysApi(ctx: IntegrationContext) {
  const base: IntegrationContext = ctx.api !== VERIFY_API ? ctx : { ...ctx, api: KEYS_API };
  let token: string | undefined;
  const call = async (
    path: string,
    req: { method?: 'GET' | 'POST' | 'DELETE'; json?: unknown; query?: Record<string, string>; retry?: boolean },
    secrets: string[],
  ) => {
    token ??= await ctx.adminSecret();
    const all = [token, ...secrets];
    const reply = await vendorCall(base, path, {
      method: req.method,
      json: req.json,
      query: req.query,
      headers: { authorization: `Bearer ${token}` },
      secrets: all,
      retry: req.retry === false ? undefined : READ_RETRY,
    });
    return { reply, all };
  };
  const fail = (what: string, reply: VendorReply, all: string[]) => {
    const err = vendorFailure(VENDOR, what, reply, all);
    if (reply.status !== 403) return err;
    return new CredctlError(
      err.message,
      ExitCode.Remote,
      "The access token in providers.google.admin needs the API Keys Admin role (apikeys.keys.*) on the key's project.",
    );
  };
  const checkName = (name: string) => {
    if (!KEY_NAME.test(name)) throw remoteError(`${VENDOR} named the key in an unexpected form`);
    return name;
  };
  const wait = async (op: any, what: string, all: string[]) => {
    for (let i = 0; op && op.done !== true && i < POLL.attempts; i++) {
      if (typeof op.name !== 'string' || !/^operations\/[A-Za-z0-9._-]+$/.test(op.name))
        throw remoteError(`${VENDOR} ${what}: the operation has no usable name`);
      await new Promise((r) => setTimeout(r, POLL.waitMs));
      const { reply } = await call(`/v2/${op.name}`, {}, all);
      if (reply.status !== 200) throw fail(`${what} (operation)`, reply, all);
      op = reply.json;
    }
    if (op?.done !== true) throw remoteError(`${VENDOR} ${what}: still in progress`, 'Run it again (credctl apply --resume): the step picks up the same key.');
    if (op.error)
      // Stryker disable next-line BooleanLiteral: vendorMessage reads only the body, never the malformed flag
      throw remoteError(`${VENDOR} ${what}: ${vendorMessage({ status: 200, headers: {}, json: { error: op.error }, malformed: false }, all) ?? 'failed'}`);
    return op.response;
  };
  return {
    /** The key's resource name, or undefined when Google does not know it (or purged it). */
    async lookup(value: string): Promise<string | undefined> {
      const { reply, all } = await call('/v2/keys:lookupKey', { query: { keyString: value } }, [value]);
      if (reply.status === 404 || (reply.status === 400 && errorInfo(reply.json).reason === 'API_KEY_INVALID')) return undefined;
      if (reply.status !== 200 || reply.malformed) throw fail('look up the key', { ...reply, malformed: reply.malformed }, all);
      return typeof reply.json?.name === 'string' && reply.json.name ? checkName(reply.json.name) : undefined;
    },
    async get(name: string, secrets: string[]): Promise<any | undefined> {
      const { reply, all } = await call(`/v2/${checkName(name)}`, {}, secrets);
      if (reply.status === 404) return undefined;
      if (reply.status !== 200 || reply.malformed || typeof reply.json !== 'object')
        throw fail('read the key', { ...reply, malformed: reply.malformed || reply.status === 200 }, all);
      return reply.json;
    },
    async create(parent: string, keyId: string, body: unknown, secrets: string[]): Promise<void> {
      const { reply, all } = await call(`/v2/${parent}/keys`, { method: 'POST', query: { keyId }, json: body, retry: false }, secrets);
      if (reply.status === 409) return; // made by an earlier attempt of the same run
      if (reply.status !== 200) throw fail('create a key', reply, all);
      await wait(reply.json, 'create a key', all);
    },
    async keyString(name: string, secrets: string[]): Promise<string> {
      const { reply, all } = await call(`/v2/${checkName(name)}/keyString`, {}, secrets);
      const value = reply.json?.keyString;
      if (reply.status !== 200 || typeof value !== 'string' || !value)
        throw fail('read the new key', { ...reply, malformed: reply.malformed || reply.status === 200 }, [
          ...all,
          ...(typeof value === 'string' ? [value] : NO_SECRETS),
        ]);
      return value;
    },
    async remove(name: string, secrets: string[]): Promise<'revoked' | 'already'> {
      const { reply, all } = await call(`/v2/${checkName(name)}`, { method: 'DELETE', retry: false }, secrets);
      if (reply.status === 404 || (reply.status === 400 && /FAILED_PRECONDITION/.test(String(reply.json?.error?.status)))) return 'already';
      if (reply.status !== 200) throw fail('delete the key', reply, all);
      await wait(reply.json, 'delete the key', all);
      return 'revoked';
    },
    async undelete(name: string, secrets: string[]): Promise<void> {
      const { reply, all } = await call(`/v2/${checkName(name)}:undelete`, { method: 'POST', json: {}, retry: false }, secrets);
      if (reply.status !== 200) throw fail('undelete the key', reply, all);
      await wait(reply.json, 'undelete the key', all);
    },
  };
}

/** The keyId of the key one rotation makes: stable across attempts, valid for the API. */
export function rotationKeyId(idempotencyKey: string): string {
  return `credctl-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 20)}`;
}

function grantsOf(key: any): Analysis {
  const project = typeof key.name === 'string' ? key.name.split('/locations/')[0] : 'its project';
  const r = key.restrictions ?? {};
  const targets: any[] = Array.isArray(r.apiTargets) ? r.apiTargets : [];
  const grants: Grant[] = targets
    .filter((t) => typeof t?.service === 'string')
    .map((t) => ({
      scope: t.service,
      risk: 'write' as const,
      description:
        Array.isArray(t.methods) && t.methods.length ? `Only these methods: ${t.methods.join(', ')}` : 'Every method of this API, billed to the project',
      resource: project,
    }));
  if (!targets.length)
    grants.push({ scope: '*', risk: 'write', description: 'No API restriction: every API enabled in the project, billed to it', resource: project });
  const apps: string[] = [];
  if (r.browserKeyRestrictions?.allowedReferrers?.length) apps.push(`websites ${r.browserKeyRestrictions.allowedReferrers.join(', ')}`);
  if (r.serverKeyRestrictions?.allowedIps?.length) apps.push(`IP addresses ${r.serverKeyRestrictions.allowedIps.join(', ')}`);
  if (r.androidKeyRestrictions?.allowedApplications?.length) apps.push(`${r.androidKeyRestrictions.allowedApplications.length} Android app(s)`);
  if (r.iosKeyRestrictions?.allowedBundleIds?.length) apps.push(`iOS apps ${r.iosKeyRestrictions.allowedBundleIds.join(', ')}`);
  return {
    grants,
    complete: true,
    note: apps.length ? `Usable only from ${apps.join('; ')}.` : 'No application restriction: usable from anywhere.',
  };
}

const google: Integration = {
  id: 'google',
  title: 'Google API keys (Generative Language API, API Keys API v2)',
  defaultApi: VERIFY_API,
  config: [
    {
      key: 'admin',
      secret: true,
      description:
        "An OAuth 2.0 access token (cloud-platform scope) allowed to use the API Keys API on the key's project: needed to analyze, revoke and rotate",
    },
  ],

  async verify({ value }, ctx) {
    try {
      return await probe(ctx, value);
    } catch (err) {
      return unreachable(VENDOR, err);
    }
  },

  async analyze({ value }, ctx) {
    try {
      await ctx.adminSecret();
    } catch (err) {
      if (!(err instanceof CredctlError) || err.exitCode !== ExitCode.Refused) throw err;
      return {
        grants: [],
        complete: false,
        note: `Google shows a key's restrictions only through the API Keys API with an OAuth access token (providers.google.admin): ${err.message}`,
      };
    }
    const api = keysApi(ctx);
    const name = await api.lookup(value);
    if (!name) throw new CredctlError(`${VENDOR} does not know this key (deleted and purged, or not an API key)`, ExitCode.Remote);
    const key = await api.get(name, [value]);
    if (!key) throw new CredctlError(`${VENDOR} does not know this key any more`, ExitCode.Remote);
    return grantsOf(key);
  },

  revoke: {
    needsAdmin: true,
    warning: 'Google deletes the key at once; it can be restored (undeleted) for 30 days, then it is purged.',
    async run({ value }, ctx) {
      const api = keysApi(ctx);
      const name = await api.lookup(value);
      if (!name) return 'already';
      const key = await api.get(name, [value]);
      if (!key || key.deleteTime) return 'already';
      return api.remove(name, [value]);
    },
  },

  rotate: {
    strategy: 'deactivation-grace',
    summary:
      'A new key with the same API and application restrictions is created through the API Keys API; the old key is deleted once every target has the new one, and Google can undelete it for 30 days.',
    provider(_credential, ctx) {
      const api = keysApi(ctx);
      const nameOf = async (value: string | undefined, id: string | undefined) => {
        const name = id ?? (value ? await api.lookup(value) : undefined);
        if (!name) throw refusedError('the old Google API key was not found through the API Keys API');
        return name;
      };
      return {
        async identify({ oldValue }) {
          return api.lookup(oldValue);
        },
        async create({ oldId, oldValue, idempotencyKey }) {
          const secrets = oldValue ? [oldValue] : NO_SECRETS;
          const oldName = await nameOf(oldValue, oldId);
          const old = await api.get(oldName, secrets);
          if (!old) throw refusedError('the old Google API key no longer exists, so its restrictions cannot be copied');
          const parent = oldName.split('/keys/')[0]!;
          const keyId = rotationKeyId(idempotencyKey);
          const displayName = `${typeof old.displayName === 'string' && old.displayName ? old.displayName : 'API key'}`.slice(0, 52) + ' (credctl)';
          await api.create(
            parent,
            keyId,
            { displayName, ...(old.restrictions ? { restrictions: old.restrictions } : {}), ...(old.annotations ? { annotations: old.annotations } : {}) },
            secrets,
          );
          const name = `${parent}/keys/${keyId}`;
          return { value: await api.keyString(name, secrets), id: name };
        },
        async revoke({ value, id }) {
          const name = id ?? (await api.lookup(value));
          if (!name) return 'already';
          return api.remove(name, [value]);
        },
        async reactivate({ value, id }) {
          await api.undelete(await nameOf(value, id), [value]);
        },
        async isActive({ value }) {
          const v = await probe(ctx, value);
          return v.status === 'live' ? true : v.status === 'dead' ? false : 'unknown';
        },
      };
    },
  },

  manual: {
    revoke: {
      url: 'https://console.cloud.google.com/apis/credentials',
      instructions: "Pick the key's project, find the key under API keys and select Delete (it can be restored for 30 days).",
    },
    rotate: {
      url: 'https://console.cloud.google.com/apis/credentials',
      instructions:
        'Create a new API key with the same API and application restrictions, store it with `credctl store put`, and delete the old key once nothing uses it.',
    },
  },
};

export default google;
