import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/core/exit-codes.js';
import { OpenAiAdmin } from '../../../src/integrations/openai/admin.js';
import { credctlRejection } from '../context.js';
import { startStandIn, type StandIn, type StandInAnswer } from '../standin.js';

// Admin API answers the stand-in of admin.test.ts does not give: a key listed as a user's that
// also names a service account, and an error message that glues the admin key to a word (where
// the `sk-` rule, which needs a word boundary, does not see it). Keys are fake and say so.
const ADMIN = `sk-admin-FAKE${'0123456789'.repeat(4)}`;
const SVC_KEY = `sk-svcacct-FAKE${'0123456789'.repeat(5)}sv01`;

let api: StandIn | undefined;
let admin: OpenAiAdmin | undefined;
afterEach(async () => {
  await admin?.close();
  await api?.close();
  admin = api = undefined;
});
async function adminAnswering(answer: StandInAnswer): Promise<OpenAiAdmin> {
  api = await startStandIn({ handle: () => answer, errorBody: (_s, message) => ({ error: { message } }) });
  admin = new OpenAiAdmin(api.url, ADMIN, 'proj_shop');
  return admin;
}

describe('identifying the key to rotate', () => {
  it('refuses a key the list says a user owns, even when the entry also names a service account', async () => {
    const a = await adminAnswering({
      status: 200,
      body: {
        data: [{ id: 'key_1', name: 'app', redacted_value: 'sk-svcac...sv01', owner: { type: 'user', service_account: { id: 'svc_1' } } }],
        has_more: false,
      },
    });
    const err = await credctlRejection(a.identify(SVC_KEY));
    expect(err.exitCode).toBe(ExitCode.Refused);
    expect(err.message).toMatch(/belongs to a user/);
  });
});

describe("OpenAI's error messages", () => {
  it('never repeat the admin key, even glued to a word where the sk- rule does not look', async () => {
    const a = await adminAnswering({ status: 401, body: { error: { message: `Incorrect API key provided: key_${ADMIN}.` } } });
    const err = await credctlRejection(a.listKeys());
    expect(err.exitCode).toBe(ExitCode.Remote);
    expect(err.message).toMatch(/^OpenAI could not list the project API keys: HTTP 401 \(Incorrect API key provided: key_/);
    expect(err.message).not.toContain(ADMIN);
    expect(err.message).not.toContain('FAKE0123456789');
  });
});
