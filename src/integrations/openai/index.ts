import { refusedError } from '../../core/errors.js';
import { READ_RETRY, refusalOf, unreachable, vendorCall } from '../kit.js';
import type { Integration, IntegrationContext, RotationProvider } from '../types.js';
import { OpenAiAdmin } from './admin.js';

/**
 * OpenAI API keys (admin.ts speaks the Admin API). The credential is a project key owned by a
 * service account:
 *   verify   GET /v1/models with the key itself: 200 live, 401 dead
 *   rotate   overlap: a new key for the same service account, then the old key deleted. The old
 *            key's id travels as `<key id>|<service account id>`, so create and revoke need no
 *            second lookup. The Admin API has no idempotency keys: a key is named after the run's
 *            idempotency key, and a resumed create first deletes a key of that name left by the
 *            interrupted attempt (its value was never stored, so nothing can be using it).
 * User-owned keys cannot be created through the API: refused with that reason.
 */
function rotationProvider(_cred: unknown, ctx: IntegrationContext): RotationProvider {
  let admin: OpenAiAdmin | undefined;
  const get = async () => {
    if (!admin) {
      const project = ctx.setting('project');
      if (!project) throw refusedError('OpenAI needs the project id: set providers.openai.project in credctl.yaml');
      admin = new OpenAiAdmin(ctx.api, await ctx.adminSecret(), project, ctx.http);
    }
    return admin;
  };
  const parse = (id: string | undefined) => {
    // Stryker disable next-line StringLiteral: any text without a '|' splits to one part: no service account, refused the same
    const [keyId, serviceAccount] = (id ?? '').split('|');
    if (!keyId || !serviceAccount) throw refusedError('the old OpenAI key was not identified (no key id recorded)');
    return { keyId, serviceAccount };
  };
  return {
    async identify({ oldValue }) {
      const ref = await (await get()).identify(oldValue);
      return `${ref.id}|${ref.serviceAccount}`;
    },
    async create({ oldId, idempotencyKey }) {
      const a = await get();
      const { serviceAccount } = parse(oldId);
      const name = `credctl ${idempotencyKey}`;
      for (const leftover of (await a.listKeys()).filter((k) => k.name === name)) await a.deleteKey(leftover.id);
      const created = await a.createKey(serviceAccount, name);
      return { value: created.value, id: `${created.id}|${serviceAccount}` };
    },
    async revoke({ id }) {
      const r = await (await get()).deleteKey(parse(id).keyId);
      return r === 'already' ? 'already' : 'revoked';
    },
    async isActive({ value }) {
      return (await get()).isActive(value);
    },
  };
}

const openai: Integration = {
  id: 'openai',
  title: 'OpenAI API and Admin API',
  defaultApi: 'https://api.openai.com',
  config: [
    { key: 'admin', secret: true, description: 'an admin key (sk-admin-, store:<entry>) for creating and deleting project keys' },
    { key: 'project', description: 'the project id (proj_...) whose keys credctl rotates' },
  ],
  async verify({ value }, ctx) {
    try {
      const reply = await vendorCall(ctx, '/v1/models', { headers: { authorization: `Bearer ${value}` }, secrets: [value], retry: READ_RETRY });
      const refused = refusalOf('OpenAI', reply, [value]);
      if (refused) return refused;
      return {
        status: 'live',
        reason: 'OpenAI accepted it just now',
        identity: { kind: value.startsWith('sk-admin-') ? 'admin key' : value.startsWith('sk-svcacct-') ? 'service account key' : 'project key' },
      };
    } catch (err) {
      return unreachable('OpenAI', err);
    }
  },
  revoke: {
    needsAdmin: true,
    warning: 'the key is deleted at OpenAI: every application still using it fails at once',
    async run({ value }, ctx) {
      const project = ctx.setting('project');
      if (!project) throw refusedError('OpenAI needs the project id: set providers.openai.project in credctl.yaml');
      const admin = new OpenAiAdmin(ctx.api, await ctx.adminSecret(), project, ctx.http);
      const ref = await admin.identify(value).catch(async (err) => {
        // Not in the project's list: deleted already, or another project's (refuse: never guess).
        if (!(await admin.isActive(value))) return undefined;
        throw err;
      });
      if (!ref) return 'already';
      return (await admin.deleteKey(ref.id)) === 'already' ? 'already' : 'revoked';
    },
  },
  rotate: {
    strategy: 'overlap',
    summary: 'a new key for the same service account; the old key is deleted once every target holds the new one',
    provider: rotationProvider,
  },
  manual: {
    rotate: {
      url: 'https://platform.openai.com/api-keys',
      instructions: 'Create a new secret key in the same project with the same permissions, then delete the old one.',
    },
    revoke: { url: 'https://platform.openai.com/api-keys', instructions: 'Delete the key in the project it belongs to.' },
  },
};

export default openai;
