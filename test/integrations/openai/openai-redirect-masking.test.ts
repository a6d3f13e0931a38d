import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrationNamed } from '../../../src/integrations/registry.js';
import { contextFor } from '../context.js';
import { startStandIn, type StandIn } from '../standin.js';

// A key sent only in the Authorization header can still come back in an error: an answer that
// redirects to an address holding the key, then a redirect the client cannot follow, ends in a
// network error naming that address. verify masks the key there. The key is fake and says so.
const KEY = `sk-proj-FAKE${'0123456789'.repeat(4)}redirect`;

const openai = integrationNamed('openai')!;
let api: StandIn;
beforeAll(async () => {
  api = await startStandIn({
    handle: (req) =>
      req.path.startsWith('/moved/') ? { status: 302 } : { status: 302, headers: { location: `/moved/${req.headers.authorization?.replace(/^Bearer /, '')}` } },
    errorBody: (_s, message) => ({ error: { message } }),
  });
});
afterAll(() => api.close());

describe('a redirect that quotes the key', () => {
  it('is not repeated in the reason verify gives', async () => {
    const v = await openai.verify!({ value: KEY }, contextFor('openai', api.url));
    expect(v.status).toBe('unknown');
    expect(v.reason).toMatch(/^OpenAI could not be asked: .*\/moved\/.*redirect without a Location/);
    expect(v.reason).not.toContain(KEY);
    expect(v.reason).not.toContain('FAKE0123456789');
  });
});
