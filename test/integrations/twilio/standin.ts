/**
 * Twilio stand-in (see src/integrations/twilio/API.md): HTTP Basic with the Account SID and auth
 * token or an API key SID and secret; the v2010 Account, IncomingPhoneNumbers and Key resources,
 * and the Accounts v1 secondary auth token and promotion (served on the same origin). Key types
 * behave as documented: only an auth token or a Main key may use /Accounts and /Keys; Standard and
 * Restricted keys get 401 code 20003 there. Errors use Twilio's body
 * `{ code, message, more_info, status }`; 429 is code 20429. New SIDs and secrets come from
 * node:crypto. `answerNext` scripts an answer its state never produces (an account without a
 * status, a created key without a secret).
 */
import { randomBytes } from 'node:crypto';
import { basicOf, startStandIn, type StandIn, type StandInAnswer, type StandInRequest } from '../standin.js';

export interface TwilioAccount {
  sid: string;
  authToken: string;
  friendlyName: string;
  status?: 'active' | 'suspended' | 'closed';
  type?: 'Trial' | 'Full';
}

export interface TwilioKey {
  secret: string;
  friendlyName: string;
  type: 'main' | 'standard' | 'restricted';
  /** Restricted keys: the resources they may read, e.g. ['IncomingPhoneNumbers']. */
  allows?: string[];
}

const twilioError = (status: number, code: number, message: string) => ({
  status,
  body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
});
const hex = (n: number) => randomBytes(n).toString('hex');

export interface TwilioStandIn extends StandIn {
  account: TwilioAccount & { secondary?: string };
  keys: Map<string, TwilioKey>;
  /** The next `count` requests of `method` to `path` get this answer, whoever asks. */
  answerNext(method: string, path: string, answer: StandInAnswer, count?: number): void;
}

export async function startTwilio(account: TwilioAccount, initialKeys: Record<string, TwilioKey> = {}): Promise<TwilioStandIn> {
  const acct: TwilioAccount & { secondary?: string } = { status: 'active', type: 'Full', ...account };
  const keys = new Map(Object.entries(initialKeys));
  const scripted: { method: string; path: string; answer: StandInAnswer; left: number }[] = [];
  const now = () => new Date().toUTCString().replace('GMT', '+0000');
  const keyJson = (sid: string, k: TwilioKey) => ({ sid, friendly_name: k.friendlyName, date_created: now(), date_updated: now() });

  /** Who is calling: 'account' (auth token or Main key), a Standard/Restricted key, or nobody. */
  function caller(req: StandInRequest): { level: 'account' | 'key'; key?: TwilioKey } | undefined {
    const basic = basicOf(req);
    if (!basic) return undefined;
    if (basic.user === acct.sid)
      return basic.password === acct.authToken || (acct.secondary !== undefined && basic.password === acct.secondary) ? { level: 'account' } : undefined;
    const key = keys.get(basic.user);
    if (!key || key.secret !== basic.password) return undefined;
    return { level: key.type === 'main' ? 'account' : 'key', key };
  }

  const standIn = await startStandIn({
    errorBody: (status, message) =>
      (status === 429 ? twilioError(429, 20429, 'Too Many Requests') : twilioError(status, status >= 500 ? 20500 : status, message)).body,
    rateLimitHeaders: {},
    handle(req) {
      const i = scripted.findIndex((a) => a.method === req.method && a.path === req.path);
      if (i >= 0) {
        const a = scripted[i]!;
        if (--a.left <= 0) scripted.splice(i, 1);
        return a.answer;
      }
      const who = caller(req);
      const refused = twilioError(401, 20003, 'Authenticate');
      if (!who) return refused;
      const path = req.path;
      const base = `/2010-04-01/Accounts/${acct.sid}`;
      if (path.startsWith('/2010-04-01/Accounts/') && !path.startsWith(base)) return refused;
      if (path === `${base}.json` && req.method === 'GET') {
        if (who.level !== 'account') return refused;
        return {
          status: 200,
          body: {
            sid: acct.sid,
            friendly_name: acct.friendlyName,
            status: acct.status,
            type: acct.type,
            owner_account_sid: acct.sid,
            date_created: now(),
            date_updated: now(),
            uri: `${base}.json`,
          },
        };
      }
      if (path === `${base}/IncomingPhoneNumbers.json` && req.method === 'GET') {
        if (who.key?.type === 'restricted' && !who.key.allows?.includes('IncomingPhoneNumbers')) return refused;
        return {
          status: 200,
          body: {
            incoming_phone_numbers: [{ sid: 'PN00000000000000000000000000000000', phone_number: '+15005550006' }],
            page: 0,
            page_size: Number(req.query.get('PageSize') ?? 50),
          },
        };
      }
      if (path === `${base}/Keys.json`) {
        if (who.level !== 'account') return refused;
        if (req.method === 'GET')
          return { status: 200, body: { keys: [...keys.entries()].map(([sid, k]) => keyJson(sid, k)), page: 0, page_size: 50, next_page_uri: null } };
        if (req.method === 'POST') {
          const sid = `SK${hex(16)}`;
          const k: TwilioKey = {
            secret: randomBytes(24).toString('base64url').slice(0, 32),
            friendlyName: String(req.body?.FriendlyName ?? sid).slice(0, 64),
            type: 'standard',
          };
          keys.set(sid, k);
          return { status: 201, body: { ...keyJson(sid, k), secret: k.secret } };
        }
      }
      const keyPath = new RegExp(`^${base}/Keys/(SK[0-9a-fA-F]{32})\\.json$`).exec(path);
      if (keyPath) {
        if (who.level !== 'account') return refused;
        const k = keys.get(keyPath[1]!);
        if (!k) return twilioError(404, 20404, `The requested resource ${path} was not found`);
        if (req.method === 'GET') return { status: 200, body: keyJson(keyPath[1]!, k) };
        if (req.method === 'DELETE') {
          keys.delete(keyPath[1]!);
          return { status: 204 };
        }
      }
      if (path === '/v1/AuthTokens/Secondary' || path === '/v1/AuthTokens/Promote') {
        if (basicOf(req)?.user !== acct.sid) return refused;
        if (path === '/v1/AuthTokens/Promote' && req.method === 'POST') {
          if (!acct.secondary) return twilioError(400, 20001, 'No secondary Auth Token to promote');
          acct.authToken = acct.secondary;
          acct.secondary = undefined;
          return {
            status: 200,
            body: {
              account_sid: acct.sid,
              auth_token: acct.authToken,
              date_created: now(),
              date_updated: now(),
              url: 'https://accounts.twilio.com/v1/AuthTokens/Promote',
            },
          };
        }
        if (req.method === 'POST') {
          // The reference does not say what a second POST does; this stand-in refuses it (see API.md).
          if (acct.secondary) return twilioError(400, 20001, 'A secondary Auth Token already exists');
          acct.secondary = hex(16);
          return {
            status: 201,
            body: {
              account_sid: acct.sid,
              date_created: now(),
              date_updated: now(),
              secondary_auth_token: acct.secondary,
              url: 'https://accounts.twilio.com/v1/AuthTokens/Secondary',
            },
          };
        }
        if (req.method === 'DELETE') {
          if (!acct.secondary) return twilioError(404, 20404, 'The requested resource /v1/AuthTokens/Secondary was not found');
          acct.secondary = undefined;
          return { status: 204 };
        }
      }
      return twilioError(404, 20404, `The requested resource ${path} was not found`);
    },
  });
  return Object.assign(standIn, {
    account: acct,
    keys,
    answerNext(method: string, path: string, answer: StandInAnswer, count = 1) {
      scripted.push({ method, path, answer, left: count });
    },
  });
}
