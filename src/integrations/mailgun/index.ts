import { remoteError } from '../../core/errors.js';
import { basicAuth, READ_RETRY, refusalOf, unreachable, vendorCall, type VendorReply } from '../kit.js';
import type { Analysis, Integration, IntegrationContext, Verification } from '../types.js';

/**
 * Mailgun API keys, through the public API (API.md in this folder names the document).
 *   verify   GET /v3/domains with HTTP Basic `api:<key>`, a harmless read any account key may do.
 *            Keys belong to one region: a US key is refused by the EU API and the other way
 *            round, so with the default address both regions are asked before a refusal counts.
 *            A Domain Sending Key may only send (POST .../messages) and is refused on every read,
 *            exactly like a wrong key, so a refusal of a key in the current form is "unknown";
 *            only the legacy `key-...` primary key form can be called dead from a 401.
 *   analyze  which sending domains the key can see; the key's role is not shown to it (complete: false).
 *   rotate / revoke  manual. The Keys API (POST /v1/keys, DELETE /v1/keys/{key_id}) exists, but
 *            nothing maps a key's value to its key_id (GET /v1/keys lists ids, descriptions and
 *            roles), so credctl cannot know which key to delete.
 */
const VENDOR = 'Mailgun';
export const US_API = 'https://api.mailgun.net';
export const EU_API = 'https://api.eu.mailgun.net';

/** The API addresses to ask, in order: both regions for the default address, else the one trusted. */
export function regionsFor(ctx: IntegrationContext): { name: string; api: string }[] {
  const region = ctx.setting('region')?.toLowerCase();
  if (ctx.api !== US_API) return [{ name: region === 'eu' ? 'EU' : region === 'us' ? 'US' : 'configured', api: ctx.api }];
  if (region === 'eu') return [{ name: 'EU', api: EU_API }];
  if (region === 'us') return [{ name: 'US', api: US_API }];
  return [
    { name: 'US', api: US_API },
    { name: 'EU', api: EU_API },
  ];
}

function isLegacyPrimary(value: string): boolean {
  return /^key-[0-9a-f]{32}$/.test(value);
}

async function domains(ctx: IntegrationContext, api: string, value: string): Promise<VendorReply> {
  return vendorCall({ ...ctx, api }, '/v3/domains', {
    headers: { authorization: basicAuth('api', value) },
    query: { limit: 10 },
    // Stryker disable next-line ArrayDeclaration: the client's own errors (network, timeout) never quote a header value; the vendor's words are masked in probe
    secrets: [value],
    retry: READ_RETRY,
  });
}

interface Found {
  verification: Verification;
  names?: string[];
  total?: number;
}

async function probe(value: string, ctx: IntegrationContext): Promise<Found> {
  const kind = isLegacyPrimary(value) ? 'primary account API key (legacy form)' : 'API key';
  const refusals: string[] = [];
  for (const region of regionsFor(ctx)) {
    const reply = await domains(ctx, region.api, value);
    if (reply.status === 401 || reply.status === 403) {
      // 403: Mailgun knows the key but it may not read domains (a role or IP allowlist); 401: not here.
      if (reply.status === 403)
        return {
          verification: {
            status: 'live',
            reason: `Mailgun (${region.name}) knows it but it may not list domains (HTTP 403)`,
            identity: { kind, account: `${region.name} region` },
          },
        };
      refusals.push(region.name);
      continue;
    }
    const refused = refusalOf(VENDOR, reply, [value]);
    if (refused) return { verification: { ...refused, identity: { kind } } };
    const items = Array.isArray(reply.json?.items) ? reply.json.items : undefined;
    if (!items) return { verification: { status: 'unknown', reason: 'Mailgun answered GET /v3/domains without a domain list', identity: { kind } } };
    const names = items.map((d: any) => d?.name).filter((n: unknown): n is string => typeof n === 'string');
    const total = typeof reply.json.total_count === 'number' ? reply.json.total_count : names.length;
    return {
      names,
      total,
      verification: {
        status: 'live',
        reason: `Mailgun (${region.name}) accepted it just now`,
        identity: { kind: kind === 'API key' ? 'account API key' : kind, account: `${region.name} region` },
      },
    };
  }
  const where = refusals.join(' and ');
  if (isLegacyPrimary(value)) return { verification: { status: 'dead', reason: `Mailgun refuses it (HTTP 401 in ${where})`, identity: { kind } } };
  return {
    verification: {
      status: 'unknown',
      reason: `Mailgun refused it (HTTP 401 in ${where}): a wrong or deleted key, or a Domain Sending Key, which may only send and is refused on every read alike`,
      identity: { kind },
    },
  };
}

async function verify({ value }: { value: string }, ctx: IntegrationContext): Promise<Verification> {
  try {
    return (await probe(value, ctx)).verification;
  } catch (err) {
    return unreachable(VENDOR, err);
  }
}

async function analyze({ value }: { value: string }, ctx: IntegrationContext): Promise<Analysis> {
  const found = await probe(value, ctx);
  if (found.verification.status !== 'live') throw remoteError(`Mailgun: cannot analyze it: ${found.verification.reason}`);
  if (!found.names) {
    return { grants: [], complete: false, note: 'Mailgun knows the key but it may not list domains; its role is shown only in the dashboard.' };
  }
  const shown = found.names.slice(0, 10).join(', ');
  return {
    grants: [
      {
        scope: 'domains:read',
        risk: 'read',
        description: `Sees ${found.total ?? found.names.length} sending domain(s).`,
        ...(shown ? { resource: shown } : {}),
      },
    ],
    complete: false,
    note: 'An account key can read its domains; Mailgun does not tell a key its own role (admin, developer, basic, support). A primary or admin key can also send from every domain and manage domains, webhooks and keys: see https://app.mailgun.com/settings/api_security.',
  };
}

const mailgun: Integration = {
  id: 'mailgun',
  title: 'Mailgun API',
  defaultApi: US_API,
  config: [{ key: 'region', description: '"us" or "eu": ask only that region\'s API (default: both, US first)' }],
  verify,
  analyze,
  manual: {
    rotate: {
      url: 'https://app.mailgun.com/settings/api_security',
      instructions:
        'Account keys: Account Settings > API keys, "Create key" with the same role, store it with `credctl store put`, deploy it, then delete the old key (trash icon). Domain Sending Keys: Sending > Domains > the domain > Domain settings > Sending API keys, "Add sending key", then delete the old one.',
    },
    revoke: {
      url: 'https://app.mailgun.com/settings/api_security',
      instructions: 'Account Settings > API keys: the trash icon next to the key, then "Delete" (Domain Sending Keys: the domain\'s Sending API keys tab).',
    },
  },
};

export default mailgun;
