import { createHash } from 'node:crypto';
import { refusedError, remoteError } from '../../core/errors.js';
import type { RotationProvider } from '../types.js';
import type { RotationSubject } from '../types.js';
import { basicAuth, READ_RETRY, unreachable, vendorCall, vendorFailure, type VendorReply, type VendorRequest } from '../kit.js';
import type { Analysis, CredentialValue, Integration, IntegrationContext, Verification } from '../types.js';

/**
 * Twilio credentials, a secret used with an id (API.md in this folder names the documents):
 *   - an auth token, used with the Account SID (AC...) as HTTP Basic user;
 *   - an API key secret, used with the key's SID (SK...) as user, for the account it belongs to.
 * The secret is the credential credctl tracks; the SIDs are its parts (`account-sid`,
 * `api-key-sid`), or come from credctl.yaml (`account`, `api_key`) where the caller has no parts.
 *   verify   GET /2010-04-01/Accounts/{AC}.json. Only an auth token or a Main key may read it:
 *            Twilio answers 401 (20003) to Standard and Restricted keys too, so for a key a second
 *            harmless read (one page of IncomingPhoneNumbers) tells a Standard key from a bad one.
 *   analyze  what the answers reveal: auth token / Main key (everything), Standard (all but
 *            Accounts and Keys); Restricted keys' permissions are not readable here.
 *   revoke   an API key: DELETE /Accounts/{AC}/Keys/{SK}.json with an admin credential.
 *   rotate   overlap. API key: POST /Accounts/{AC}/Keys.json (a new Standard key and its secret),
 *            then DELETE the old key. Auth token: POST accounts.twilio.com/v1/AuthTokens/Secondary
 *            (both tokens work), then POST /v1/AuthTokens/Promote (the old primary stops working).
 */
const VENDOR = 'Twilio';
const DEFAULT_API = 'https://api.twilio.com';
const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
const KEY_SID = /^SK[0-9a-fA-F]{32}$/;

/** Auth tokens live on accounts.twilio.com; a trusted override (a stand-in, a proxy) serves both. */
function accountsApi(ctx: IntegrationContext): IntegrationContext {
  return { ...ctx, api: ctx.api === DEFAULT_API ? 'https://accounts.twilio.com' : ctx.api };
}

async function call(ctx: IntegrationContext, path: string, user: string, secret: string, req: VendorRequest = {}): Promise<VendorReply> {
  return vendorCall(ctx, path, { ...req, headers: { authorization: basicAuth(user, secret), ...req.headers }, secrets: [secret, ...(req.secrets ?? [])] });
}

function sidOf(value: string | undefined, form: RegExp): string | undefined {
  return value && form.test(value) ? value : undefined;
}

interface Who {
  account?: string;
  keySid?: string;
}

/** Auth tokens are 32 lowercase hex characters; API key secrets are 32 mixed-case letters and digits. */
export function looksLikeAuthToken(value: string): boolean {
  return /^[0-9a-f]{32}$/.test(value);
}

function whoOf(credential: CredentialValue, ctx: IntegrationContext): Who {
  const fromParts = sidOf(credential.parts?.['api-key-sid'], KEY_SID);
  return {
    account: sidOf(credential.parts?.['account-sid'], ACCOUNT_SID) ?? sidOf(ctx.setting('account'), ACCOUNT_SID),
    // credctl.yaml's api_key pairs only with a value that cannot be an auth token.
    keySid: fromParts ?? (looksLikeAuthToken(credential.value) ? undefined : sidOf(ctx.setting('api_key'), KEY_SID)),
  };
}

/** Twilio's own error code, for reasons ("20003"). */
function codeOf(reply: VendorReply): string {
  return typeof reply.json?.code === 'number' ? ` ${reply.json.code}` : '';
}

function noAnswer(reply: VendorReply): string | undefined {
  if (reply.status === 429) return `Twilio is rate-limiting (HTTP 429${codeOf(reply)}); try again later`;
  if (reply.status >= 500) return `Twilio failed to answer (HTTP ${reply.status})`;
  if (reply.status === 200 && reply.malformed) return 'Twilio answered with a body that is not JSON';
  return undefined;
}

interface Probe {
  verification: Verification;
  /** What the answers show the credential may do. */
  level?: 'account' | 'standard';
  account?: { status?: string; type?: string; name?: string };
}

async function probe(credential: CredentialValue, ctx: IntegrationContext): Promise<Probe> {
  const { value } = credential;
  const { account, keySid } = whoOf(credential, ctx);
  const kind = keySid ? 'API key' : 'auth token';
  if (!account)
    return {
      verification: {
        status: 'unknown',
        reason: 'Twilio needs the Account SID used with it (TWILIO_ACCOUNT_SID, or providers.twilio.account)',
        identity: { kind },
      },
    };
  if (!keySid && !looksLikeAuthToken(value)) {
    return {
      verification: {
        status: 'unknown',
        reason: 'Not an auth token (32 hex characters): an API key secret needs its SK SID (TWILIO_API_KEY, or providers.twilio.api_key)',
        identity: { kind: 'API key', account },
      },
    };
  }
  const user = keySid ?? account;
  const first = await call(ctx, `/2010-04-01/Accounts/${account}.json`, user, value, { retry: READ_RETRY });
  const trouble = noAnswer(first);
  if (trouble) return { verification: { status: 'unknown', reason: trouble, identity: { kind, account } } };
  if (first.status === 200) {
    const a = first.json ?? {};
    const name = typeof a.friendly_name === 'string' ? a.friendly_name : undefined;
    return {
      level: 'account',
      account: { status: a.status, type: a.type, name },
      verification: {
        status: 'live',
        reason: `Twilio accepted it just now (account ${typeof a.status === 'string' ? a.status : 'status unknown'})`,
        identity: { account, credentialId: keySid ?? account, kind: keySid ? 'Main API key' : 'auth token', ...(name ? { principal: name } : {}) },
      },
    };
  }
  if (first.status !== 401 && first.status !== 403)
    return { verification: { status: 'unknown', reason: `Twilio answered HTTP ${first.status}${codeOf(first)}`, identity: { kind, account } } };
  if (!keySid) return { verification: { status: 'dead', reason: `Twilio refuses it (HTTP ${first.status}${codeOf(first)})`, identity: { kind, account } } };
  // A Standard or Restricted key is refused on /Accounts even when it is good: ask a resource it may read.
  const second = await call(ctx, `/2010-04-01/Accounts/${account}/IncomingPhoneNumbers.json`, keySid, value, { query: { PageSize: 1 }, retry: READ_RETRY });
  const trouble2 = noAnswer(second);
  if (trouble2) return { verification: { status: 'unknown', reason: trouble2, identity: { kind, account, credentialId: keySid } } };
  if (second.status === 200) {
    return {
      level: 'standard',
      verification: {
        status: 'live',
        reason: 'Twilio accepted it just now (not a Main key: /Accounts refused it)',
        identity: { account, credentialId: keySid, kind: 'Standard or Restricted API key' },
      },
    };
  }
  return {
    verification: {
      status: 'unknown',
      reason: `Twilio refused it on /Accounts and /IncomingPhoneNumbers (HTTP ${second.status}${codeOf(second)}): a wrong or deleted key, or a Restricted key without those permissions; Twilio answers both alike`,
      identity: { account, credentialId: keySid, kind },
    },
  };
}

async function verify(credential: CredentialValue, ctx: IntegrationContext): Promise<Verification> {
  try {
    return (await probe(credential, ctx)).verification;
  } catch (err) {
    return unreachable(VENDOR, err);
  }
}

async function analyze(credential: CredentialValue, ctx: IntegrationContext): Promise<Analysis> {
  const found = await probe(credential, ctx);
  if (found.verification.status !== 'live') throw remoteError(`Twilio: cannot analyze it: ${found.verification.reason}`);
  if (found.level === 'account') {
    const keySid = whoOf(credential, ctx).keySid;
    const a = found.account ?? {};
    return {
      grants: [
        {
          scope: keySid ? 'main' : 'auth token',
          risk: 'admin',
          description: 'Everything on the account, including API keys, subaccounts and account settings.',
          ...(a.name ? { resource: a.name } : {}),
        },
      ],
      complete: true,
      note: `Account type ${a.type ?? 'unknown'}, status ${a.status ?? 'unknown'}.`,
    };
  }
  return {
    grants: [{ scope: 'standard', risk: 'write', description: 'Every API except Accounts and Keys (a Restricted key only what its policy allows).' }],
    complete: false,
    note: "Twilio answers a Standard and a Restricted key alike here; a Restricted key's permissions are shown in the Console (Account > API keys) or by iam.twilio.com/v1/Keys/{sid} with a Main key.",
  };
}

/** The admin credential: the account's auth token, or a Main API key written `SK...:secret`. */
async function adminOf(ctx: IntegrationContext, account: string): Promise<{ user: string; secret: string }> {
  const admin = await ctx.adminSecret();
  // The secret is everything after the colon (`s`: newlines too), so no end anchor is needed.
  const m = /^(SK[0-9a-fA-F]{32}):(.+)/s.exec(admin);
  return m ? { user: m[1]!, secret: m[2]! } : { user: account, secret: admin };
}

function accountFor(ctx: IntegrationContext, explicit?: string): string {
  const account = sidOf(explicit, ACCOUNT_SID) ?? sidOf(ctx.setting('account'), ACCOUNT_SID);
  if (!account) throw refusedError('Twilio needs the Account SID: set providers.twilio.account (AC...) in credctl.yaml');
  return account;
}

async function deleteKey(ctx: IntegrationContext, account: string, keySid: string, secrets: string[]): Promise<'revoked' | 'already'> {
  const admin = await adminOf(ctx, account);
  const reply = await call(ctx, `/2010-04-01/Accounts/${account}/Keys/${keySid}.json`, admin.user, admin.secret, { method: 'DELETE', secrets });
  if (reply.status === 204) return 'revoked';
  if (reply.status === 404) return 'already';
  throw vendorFailure(VENDOR, 'DELETE Keys/{sid}', reply, [admin.secret, ...secrets]);
}

/** FriendlyName of a rotation's key (at most 64 characters): the same for a resumed run. */
function rotationName(idempotencyKey: string): string {
  return `credctl rotation ${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 16)}`;
}

export function isAuthToken(credential: RotationSubject & { kind?: string }): boolean {
  return credential.kind === 'token' || credential.names.some((n) => /AUTH_TOKEN/i.test(n));
}

function apiKeyRotation(ctx: IntegrationContext): RotationProvider {
  const admin = async () => {
    const account = accountFor(ctx);
    return { account, ...(await adminOf(ctx, account)) };
  };
  return {
    async identify(input) {
      // The key SID comes from the plan's parts (the SK... beside the secret), else from credctl.yaml.
      const parts = input.parts;
      const keySid = sidOf(parts?.['api-key-sid'], KEY_SID) ?? sidOf(ctx.setting('api_key'), KEY_SID);
      if (!keySid) return undefined;
      const a = await admin();
      const reply = await call(ctx, `/2010-04-01/Accounts/${a.account}/Keys/${keySid}.json`, a.user, a.secret, {
        secrets: [input.oldValue],
        retry: READ_RETRY,
      });
      if (reply.status === 404) return undefined;
      if (reply.status !== 200) throw vendorFailure(VENDOR, 'GET Keys/{sid}', reply, [a.secret, input.oldValue]);
      // A Main key reads /Accounts; its replacement would be a Standard key with less access.
      const main = await call(ctx, `/2010-04-01/Accounts/${a.account}.json`, keySid, input.oldValue, { retry: READ_RETRY });
      if (main.status === 200)
        throw refusedError(
          'Twilio: this is a Main API key; the API makes only Standard keys, so rotate it in the Console',
          'https://console.twilio.com/us1/account/keys-credentials/api-keys',
        );
      // Only a refusal says it is not a Main key; a failing Twilio says nothing, and a Main key
      // taken for a Standard one would be replaced by a key with less access.
      if (main.status !== 401 && main.status !== 403) throw vendorFailure(VENDOR, 'GET Accounts.json', main, [input.oldValue]);
      return keySid;
    },
    async create({ credential, oldId, oldValue, idempotencyKey }) {
      if (!oldId) throw refusedError(`Twilio: the old ${credential.names[0] ?? 'API key'} was not identified (set providers.twilio.api_key to its SK SID)`);
      const a = await admin();
      const secrets = [a.secret, ...(oldValue ? [oldValue] : [])];
      const name = rotationName(idempotencyKey);
      // A resumed run: the interrupted attempt's key (its secret never stored) is deleted first.
      const list = await call(ctx, `/2010-04-01/Accounts/${a.account}/Keys.json`, a.user, a.secret, { query: { PageSize: 1000 }, secrets, retry: READ_RETRY });
      if (list.status !== 200 || !Array.isArray(list.json?.keys))
        throw vendorFailure(VENDOR, 'GET Keys.json', list.status === 200 ? { ...list, malformed: true } : list, secrets);
      for (const k of list.json.keys) if (k?.friendly_name === name && typeof k.sid === 'string') await deleteKey(ctx, a.account, k.sid, secrets);
      const made = await call(ctx, `/2010-04-01/Accounts/${a.account}/Keys.json`, a.user, a.secret, { method: 'POST', form: { FriendlyName: name }, secrets });
      const secret = made.json?.secret;
      const sid = made.json?.sid;
      if (made.status !== 201 || typeof secret !== 'string' || !sidOf(sid, KEY_SID))
        throw vendorFailure(
          VENDOR,
          'POST Keys.json',
          made.status === 201 ? { ...made, malformed: true } : made,
          typeof secret === 'string' ? [...secrets, secret] : secrets,
        );
      // The new key's SID goes beside its secret wherever the plan writes the api-key-sid part.
      return { value: secret, id: sid, parts: { 'api-key-sid': sid, 'account-sid': a.account } };
    },
    async revoke({ value, id, mode }) {
      if (mode === 'deactivate') throw refusedError('Twilio API keys cannot be deactivated, only deleted', 'Make a plan without --grace for Twilio keys.');
      if (!sidOf(id, KEY_SID)) throw refusedError('Twilio: the API key to delete was not identified');
      return deleteKey(ctx, accountFor(ctx), id!, [value]);
    },
    async isActive({ value, id }) {
      const keySid = sidOf(id, KEY_SID);
      if (!keySid) return 'unknown';
      const a = await admin();
      const known = await call(ctx, `/2010-04-01/Accounts/${a.account}/Keys/${keySid}.json`, a.user, a.secret, { secrets: [value], retry: READ_RETRY });
      if (known.status === 404) return false;
      const found = await probe({ value, parts: { 'account-sid': a.account, 'api-key-sid': keySid } }, ctx);
      return found.verification.status === 'live' ? true : 'unknown';
    },
  };
}

function authTokenRotation(ctx: IntegrationContext): RotationProvider {
  const accounts = accountsApi(ctx);
  const isActive = async (value: string): Promise<boolean | 'unknown'> => {
    const found = await probe({ value, parts: { 'account-sid': accountFor(ctx) } }, ctx);
    return found.verification.status === 'live' ? true : found.verification.status === 'dead' ? false : 'unknown';
  };
  return {
    async identify() {
      return accountFor(ctx);
    },
    async create({ credential, oldValue }) {
      if (!oldValue)
        throw refusedError(`Twilio: the current ${credential.names[0] ?? 'auth token'} is not in the store, and it is what creates the secondary token`);
      const account = accountFor(ctx);
      // One secondary token at a time: a leftover from an interrupted run (never stored) is removed first.
      const removed = await call(accounts, '/v1/AuthTokens/Secondary', account, oldValue, { method: 'DELETE' });
      if (removed.status !== 204 && removed.status !== 404) throw vendorFailure(VENDOR, 'DELETE /v1/AuthTokens/Secondary', removed, [oldValue]);
      const made = await call(accounts, '/v1/AuthTokens/Secondary', account, oldValue, { method: 'POST', form: {} });
      const secondary = made.json?.secondary_auth_token;
      if (made.status !== 201 || typeof secondary !== 'string')
        throw vendorFailure(
          VENDOR,
          'POST /v1/AuthTokens/Secondary',
          made.status === 201 ? { ...made, malformed: true } : made,
          typeof secondary === 'string' ? [oldValue, secondary] : [oldValue],
        );
      return { value: secondary, id: account };
    },
    async revoke({ value, mode }) {
      if (mode === 'deactivate')
        throw refusedError(
          'Twilio auth tokens cannot be deactivated: promoting the secondary token retires the old one',
          'Make a plan without --grace for Twilio auth tokens.',
        );
      if ((await isActive(value)) === false) return 'already';
      const promoted = await call(accounts, '/v1/AuthTokens/Promote', accountFor(ctx), value, { method: 'POST', form: {} });
      if (promoted.status !== 200)
        throw vendorFailure(
          VENDOR,
          'POST /v1/AuthTokens/Promote',
          promoted,
          typeof promoted.json?.auth_token === 'string' ? [value, promoted.json.auth_token] : [value],
        );
      return 'revoked';
    },
    isActive: ({ value }) => isActive(value),
  };
}

const twilio: Integration = {
  id: 'twilio',
  title: 'Twilio REST API',
  defaultApi: DEFAULT_API,
  config: [
    { key: 'account', description: 'The Account SID (AC...) the credentials belong to; needed for revoke and rotate' },
    {
      key: 'admin',
      secret: true,
      description: "store:<entry> holding the account's auth token, or a Main API key written SK...:secret; needed to create and delete API keys",
    },
    { key: 'api_key', description: 'The SID (SK...) of the API key to rotate, while plans do not carry credential parts' },
  ],
  parts: [
    { role: 'account-sid', envNames: ['TWILIO_ACCOUNT_SID', 'TWILIO_SID'], pattern: ACCOUNT_SID },
    { role: 'api-key-sid', envNames: ['TWILIO_API_KEY', 'TWILIO_API_KEY_SID', 'TWILIO_API_SID'], pattern: KEY_SID },
  ],
  verify,
  analyze,
  revoke: {
    needsAdmin: true,
    warning: 'Irreversible: the API key is deleted and its secret stops working at once.',
    async run(credential, ctx) {
      const { account, keySid } = whoOf(credential, ctx);
      if (!keySid)
        throw refusedError(
          'Twilio: an auth token is not revoked on its own: rotate it (secondary token, then promote) with credctl apply or in the Console',
          'https://console.twilio.com/us1/account/keys-credentials/api-keys',
        );
      return deleteKey(ctx, accountFor(ctx, account), keySid, [credential.value]);
    },
  },
  rotate: {
    strategy: 'overlap',
    summary:
      "API key: a new Standard key is created next to the old one, then the old key is deleted; its SID (the new id) must be written next to the secret, and a Restricted key's policy is not copied (the replacement is Standard, so wider). Auth token: a secondary token is created (both work), then promoted, which retires the old token.",
    provider: (credential, ctx) => (isAuthToken(credential) ? authTokenRotation(ctx) : apiKeyRotation(ctx)),
  },
  manual: {
    rotate: {
      url: 'https://console.twilio.com/us1/account/keys-credentials/api-keys',
      instructions:
        'API keys: create a new key of the same type (Main keys only here), deploy its SID and secret, then delete the old key. Auth token: Account > API keys & tokens > "Create secondary token", deploy it, then "Promote to primary".',
    },
    revoke: {
      url: 'https://console.twilio.com/us1/account/keys-credentials/api-keys',
      instructions: 'Open the API key and choose "Delete this API key". An auth token is retired by creating a secondary token and promoting it.',
    },
  },
};

export default twilio;
