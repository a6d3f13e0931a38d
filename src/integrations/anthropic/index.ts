import { CredctlError, refusedError } from '../../core/errors.js';
import { ExitCode } from '../../core/exit-codes.js';
import { READ_RETRY, refusalOf, unreachable, vendorCall, vendorFailure, vendorMessage, type VendorReply } from '../kit.js';
import type { Identity, Integration, IntegrationContext, Verification } from '../types.js';

/**
 * Anthropic API keys (sk-ant-api03-...) and Admin API keys (sk-ant-admin01-...), through the
 * Claude API and its Admin API (API.md in this folder names the document).
 *   verify   GET /v1/models with the key itself (admin keys: GET /v1/organizations/me); with an
 *            admin key configured, the key's id, workspace, creator and expiry are added
 *   analyze  API keys carry no scopes: they use the Claude API within their workspace
 *   revoke   with the admin key: find the key by its partial hint, then archive it (permanent)
 *   rotate   manual: the Admin API cannot create keys, only the Console can
 */
const VENDOR = 'Anthropic';
const VERSION = '2023-06-01';
const CONSOLE = 'https://console.anthropic.com/settings/keys';

const isAdminKey = (value: string) => /^sk-ant-admin\d\d-/.test(value);

function call(
  ctx: IntegrationContext,
  path: string,
  key: string,
  req: {
    method?: 'GET' | 'POST';
    json?: unknown;
    query?: Record<string, string | number | undefined>;
    retry?: boolean | typeof READ_RETRY;
    secrets?: string[];
  } = {},
): Promise<VendorReply> {
  return vendorCall(ctx, path, {
    method: req.method,
    json: req.json,
    query: req.query,
    headers: { 'x-api-key': key, 'anthropic-version': VERSION },
    secrets: [key, ...(req.secrets ?? [])],
    retry: req.retry ?? READ_RETRY,
  });
}

/** Anthropic's error type and message: "authentication_error: invalid x-api-key". */
const errorText = (json: any) => (json?.error?.type ? `${json.error.type}${json.error.message ? `: ${json.error.message}` : ''}` : undefined);

interface KeyRecord {
  id: string;
  name?: string;
  status?: string;
  workspace_id?: string | null;
  created_by?: { id?: string; type?: string } | null;
  expires_at?: string | null;
  partial_key_hint?: string | null;
}

/** Does a partial hint ("sk-ant-api03-R2D...igAA") fit this value? */
export function hintFits(hint: string | null | undefined, value: string): boolean {
  if (!hint) return false;
  const at = hint.indexOf('...');
  if (at < 0) return false;
  const head = hint.slice(0, at);
  const tail = hint.slice(at + 3);
  return head.length > 'sk-ant-api03-'.length && tail.length >= 2 && value.startsWith(head) && value.endsWith(tail);
}

/** The organisation's keys whose hint fits the value (every page). */
async function keysFitting(value: string, admin: string, ctx: IntegrationContext): Promise<KeyRecord[]> {
  const hits: KeyRecord[] = [];
  let after: string | undefined;
  for (let page = 0; page < 100; page++) {
    const reply = await call(ctx, '/v1/organizations/api_keys', admin, { query: { limit: 1000, after_id: after }, secrets: [value] });
    if (reply.status < 200 || reply.status >= 300 || reply.malformed || !Array.isArray(reply.json?.data)) {
      throw vendorFailure(VENDOR, 'list API keys', { ...reply, malformed: reply.malformed || (reply.status < 300 && !Array.isArray(reply.json?.data)) }, [
        value,
        admin,
      ]);
    }
    for (const k of reply.json.data) if (typeof k?.id === 'string' && hintFits(k.partial_key_hint, value)) hits.push(k);
    if (!reply.json.has_more || typeof reply.json.last_id !== 'string') break;
    after = reply.json.last_id;
  }
  return hits;
}

/** The admin key, or undefined when none is configured or stored. */
async function adminOrNone(ctx: IntegrationContext): Promise<string | undefined> {
  try {
    return await ctx.adminSecret();
  } catch (err) {
    if (err instanceof CredctlError) return undefined;
    throw err;
  }
}

function identityOf(k: KeyRecord): Identity {
  return {
    credentialId: k.id,
    kind: 'API key',
    account: k.workspace_id ? `workspace ${k.workspace_id}` : 'default workspace',
    ...(k.created_by?.id ? { principal: `${k.created_by.type ?? 'user'} ${k.created_by.id}` } : {}),
  };
}

/** Is the key accepted right now? One call with the key itself. */
async function check(value: string, ctx: IntegrationContext): Promise<Verification> {
  if (isAdminKey(value)) {
    const reply = await call(ctx, '/v1/organizations/me', value);
    const refused = refusalOf(VENDOR, reply, [value]);
    if (refused) return refused;
    const org = reply.json;
    if (typeof org?.id !== 'string') return { status: 'unknown', reason: `${VENDOR} answered without an organisation` };
    return {
      status: 'live',
      reason: `${VENDOR} accepted the admin key just now`,
      identity: { kind: 'Admin API key', account: typeof org.name === 'string' ? org.name : org.id },
    };
  }
  const reply = await call(ctx, '/v1/models', value, { query: { limit: 1 } });
  const refused = refusalOf(VENDOR, reply, [value]);
  if (refused) {
    const said = vendorMessage(reply, [value], errorText);
    return said && reply.status === 401 ? { ...refused, reason: `${VENDOR} refuses it (HTTP 401 ${said.slice(0, 80)})` } : refused;
  }
  if (!Array.isArray(reply.json?.data)) return { status: 'unknown', reason: `${VENDOR} answered /v1/models without a model list` };
  return { status: 'live', reason: `${VENDOR} accepted it just now`, identity: { kind: 'API key' } };
}

async function verify(value: string, ctx: IntegrationContext): Promise<Verification> {
  const live = await check(value, ctx);
  if (live.status !== 'live' || isAdminKey(value)) return live;
  // Who and where, when an admin key is configured: a best effort that never changes the answer.
  const admin = await adminOrNone(ctx);
  if (!admin) return live;
  try {
    const hits = await keysFitting(value, admin, ctx);
    if (hits.length !== 1) return live;
    const k = hits[0]!;
    return { ...live, identity: identityOf(k), ...(k.expires_at ? { expiresAt: k.expires_at } : {}) };
  } catch {
    return live;
  }
}

const anthropic: Integration = {
  id: 'anthropic',
  title: 'Claude API and Admin API',
  defaultApi: 'https://api.anthropic.com',
  config: [{ key: 'admin', secret: true, description: 'An Admin API key (sk-ant-admin01-...) of the organisation, used to find and archive leaked API keys.' }],
  async verify({ value }, ctx) {
    try {
      return await verify(value, ctx);
    } catch (err) {
      return unreachable(VENDOR, err);
    }
  },
  async analyze({ value }) {
    if (isAdminKey(value)) {
      return {
        grants: [
          {
            scope: 'admin',
            risk: 'admin',
            description: "Admin API key: manage the organisation's members, invites, workspaces and API keys, and read its usage and costs.",
          },
        ],
        complete: true,
      };
    }
    return {
      grants: [
        {
          scope: 'api',
          risk: 'write',
          description:
            "Use every Claude API feature its workspace allows (messages, files, batches...) and spend the organisation's credit; Anthropic API keys carry no finer scopes.",
        },
      ],
      complete: true,
    };
  },
  revoke: {
    needsAdmin: true,
    warning: 'Archives the key: it stops working at once and an archived key cannot be made active again.',
    async run({ value }, ctx) {
      if (isAdminKey(value))
        throw refusedError(`${VENDOR} Admin API keys are not managed through the Admin API`, `Delete it in the Console: ${CONSOLE} (Admin keys tab).`);
      const admin = await ctx.adminSecret();
      const hits = await keysFitting(value, admin, ctx);
      if (hits.length > 1) {
        const live = hits.filter((k) => k.status !== 'archived');
        if (live.length === 0) return 'already';
        throw refusedError(
          `${VENDOR}: ${hits.length} keys have the same partial hint, so credctl cannot tell which one leaked`,
          `Archive it in the Console: ${CONSOLE}.`,
        );
      }
      const k = hits[0];
      if (!k) {
        const v = await check(value, ctx);
        if (v.status === 'dead') return 'already';
        throw new CredctlError(
          `${VENDOR}: the admin key's organisation does not list this key${v.status === 'live' ? ', yet it still works (a key of another organisation?)' : ''}`,
          ExitCode.Remote,
          `Archive it in the Console of its organisation: ${CONSOLE}.`,
        );
      }
      if (k.status === 'archived') return 'already';
      const reply = await call(ctx, `/v1/organizations/api_keys/${encodeURIComponent(k.id)}`, admin, {
        method: 'POST',
        json: { status: 'archived' },
        retry: true,
        secrets: [value],
      });
      if (reply.status < 200 || reply.status >= 300) throw vendorFailure(VENDOR, 'archive API key', reply, [value, admin]);
      if (reply.json?.status !== 'archived') throw vendorFailure(VENDOR, 'archive API key', { ...reply, malformed: true }, [value, admin]);
      return 'revoked';
    },
  },
  manual: {
    rotate: {
      url: CONSOLE,
      instructions:
        'In the Console, Settings > API Keys > Create Key in the same workspace, store the new value with `credctl store put` (it is shown once), move every consumer to it, then archive the old key (credctl can archive it with an admin key).',
    },
    revoke: {
      url: CONSOLE,
      instructions:
        'In the Console, Settings > API Keys, find the key by its hint (sk-ant-api03-XXX...XXXX) and select Archive (or Disable to keep it reversible).',
    },
  },
};

export default anthropic;
