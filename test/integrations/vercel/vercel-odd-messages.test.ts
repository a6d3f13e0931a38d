/**
 * Vercel reads a 403 as a dead token only when its error says so in text ("Not authorized") or
 * flags invalidToken. A message that is not text (a list) is no such word, even when it
 * would print as one: the token is live but may not make the call, so it is not taken for
 * revoked (a leaked token called dead might be left unrevoked).
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import { integrationNamed } from '../../../src/integrations/registry.js';
import { contextFor } from '../context.js';
import { startVercel, type VercelStandIn } from './standin.js';

const TOKEN = 'FAKEodd456789abcdefFAKE0';
const vercel = integrationNamed('vercel')!;
let api: VercelStandIn;

beforeEach(async () => {
  api = await startVercel(
    { [TOKEN]: { id: 'tok_fake_odd', name: 'laptop', userId: 'usr_FAKE1' } },
    { usr_FAKE1: { username: 'fake-dev', email: 'dev@example.test' } },
  );
});
afterEach(() => api.close());

it('a 403 forbidden whose message is a list that prints as "Not authorized" is not dead', async () => {
  for (const message of [['Not authorized'], ['not authorized.']]) {
    api.answerNext('GET', '/v2/user', { status: 403, body: { error: { code: 'forbidden', message } } });
    const v = await vercel.verify!({ value: TOKEN }, contextFor('vercel', api.url));
    expect(v.status).toBe('live');
    expect(v.reason).toMatch(/^Vercel knows it but it may not make this call \(HTTP 403/);
  }
});
