/**
 * Mailgun stand-in (see src/integrations/mailgun/API.md): HTTP Basic `api:<key>`, GET /v3/domains
 * for account keys, a plain-text "Forbidden" 401 for an unknown key and for a Domain Sending Key
 * (which may only send), JSON `{ message }` bodies otherwise.
 */
import { basicOf, startStandIn, type StandIn, type StandInAnswer, type StandInRequest } from '../standin.js';

export interface MailgunKey {
  kind: 'account' | 'sending';
}

export interface MailgunStandIn extends StandIn {
  /** The next `count` requests to this method and path get this answer instead of the account's. */
  answerNext(method: string, path: string | RegExp, answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer), count?: number): void;
}

export async function startMailgun(keys: Record<string, MailgunKey>, domainNames: string[]): Promise<MailgunStandIn> {
  const scripted: { method: string; path: string | RegExp; answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer); left: number }[] = [];
  const standIn = await startStandIn({
    errorBody: (status, message) => ({ message: status === 429 ? 'Too many requests' : message }),
    rateLimitHeaders: {},
    handle(req) {
      const i = scripted.findIndex((a) => a.method === req.method && (typeof a.path === 'string' ? req.path === a.path : a.path.test(req.path)));
      if (i >= 0) {
        const a = scripted[i]!;
        if (--a.left <= 0) scripted.splice(i, 1);
        return typeof a.answer === 'function' ? a.answer(req) : a.answer;
      }
      const basic = basicOf(req);
      const key = basic?.user === 'api' ? keys[basic.password] : undefined;
      if (!key || key.kind === 'sending') return { status: 401, raw: 'Forbidden', headers: { 'content-type': 'text/plain' } };
      if (req.method === 'GET' && req.path === '/v3/domains') {
        const limit = Number(req.query.get('limit') ?? 100);
        const items = domainNames.slice(0, limit).map((name) => ({
          name,
          state: 'active',
          type: 'custom',
          created_at: 'Thu, 13 Oct 2011 18:02:00 +0000',
          is_disabled: false,
          spam_action: 'disabled',
          wildcard: false,
        }));
        return { status: 200, body: { total_count: domainNames.length, items } };
      }
      return { status: 404, body: { message: 'Not Found' } };
    },
  });
  return Object.assign(standIn, {
    answerNext(method: string, path: string | RegExp, answer: StandInAnswer | ((req: StandInRequest) => StandInAnswer), count = 1) {
      scripted.push({ method, path, answer, left: count });
    },
  });
}
