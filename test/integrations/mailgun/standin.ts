/**
 * Mailgun stand-in (see src/integrations/mailgun/API.md): HTTP Basic `api:<key>`, GET /v3/domains
 * for account keys, a plain-text "Forbidden" 401 for an unknown key and for a Domain Sending Key
 * (which may only send), JSON `{ message }` bodies otherwise.
 */
import { basicOf, startStandIn, type StandIn } from '../standin.js';

export interface MailgunKey {
  kind: 'account' | 'sending';
}

export async function startMailgun(keys: Record<string, MailgunKey>, domainNames: string[]): Promise<StandIn> {
  return startStandIn({
    errorBody: (status, message) => ({ message: status === 429 ? 'Too many requests' : message }),
    rateLimitHeaders: {},
    handle(req) {
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
}
