import { refusedError } from '../../core/errors.js';
import { CredctlError } from '../../core/errors.js';
import { ExitCode } from '../../core/exit-codes.js';
import type { Analysis, CredentialValue, Grant, Integration, IntegrationContext, RotationProvider, Verification } from '../types.js';
import { awsQuery, parseAwsCredential, type AwsKey, type AwsReply } from './sigv4.js';

/**
 * AWS IAM user access keys: a credential in two parts, the secret access key (tracked) and its
 * access key id (a part, written next to it in every target). Every call is SigV4-signed by the
 * aws4 package (sigv4.ts). API.md names the documents.
 *   verify   sts:GetCallerIdentity with the key itself: the ARN, account and user; InvalidClientTokenId
 *            or SignatureDoesNotMatch mean dead
 *   analyze  the user's attached and inline policies (ListAttachedUserPolicies, ListUserPolicies),
 *            asked with the key itself, else with the admin key
 *   lastUsed iam:GetAccessKeyLastUsed (admin key)
 *   rotate   deactivation-grace: CreateAccessKey for the same user (at most two keys per user:
 *            LimitExceeded is refused with the keys to look at), inject id + secret, health,
 *            UpdateAccessKey Inactive (reversible, `credctl rollback`), DeleteAccessKey at finalize;
 *            without a grace period the old key is deleted at once
 *   revoke   DeleteAccessKey (admin key)
 * The admin credential is one store entry holding `ACCESS_KEY_ID:SECRET_ACCESS_KEY` of a user
 * allowed the iam:*AccessKey* actions.
 */
const KEY_ID = /^(?:AKIA|ASIA)[0-9A-Z]{16}$/;

function keyOf(credential: CredentialValue): AwsKey | undefined {
  const id = credential.parts?.['access-key-id'];
  return id && KEY_ID.test(id) ? { accessKeyId: id, secretAccessKey: credential.value } : undefined;
}

async function adminKey(ctx: IntegrationContext): Promise<AwsKey> {
  return parseAwsCredential(await ctx.adminSecret());
}

async function maybeAdmin(ctx: IntegrationContext): Promise<AwsKey | undefined> {
  try {
    return await adminKey(ctx);
  } catch (err) {
    if (err instanceof CredctlError && (err.exitCode === ExitCode.Refused || err.exitCode === ExitCode.Store)) return undefined;
    throw err;
  }
}

function failure(what: string, r: AwsReply): CredctlError {
  const code = r.error?.code ? ` ${r.error.code}` : '';
  const message = r.error?.message ? `: ${r.error.message.replace(/(?:AKIA|ASIA)[0-9A-Z]{16}/g, (id) => `${id.slice(0, 8)}…`).slice(0, 160)}` : '';
  const hint =
    r.status === 403
      ? 'The admin key lacks an IAM permission this needs.'
      : r.status === 429 || r.error?.code === 'Throttling'
        ? 'Throttled: try again (credctl apply --resume).'
        : undefined;
  return new CredctlError(`AWS ${what}: HTTP ${r.status}${code}${r.malformed ? ' (malformed answer)' : ''}${message}`, ExitCode.Remote, hint);
}

const DEAD_CODES = new Set(['InvalidClientTokenId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidAccessKeyId', 'AccessDeniedException-Inactive']);

async function verify(credential: CredentialValue, ctx: IntegrationContext): Promise<Verification> {
  const key = keyOf(credential);
  if (!key) return { status: 'unknown', reason: 'its access key id (AWS_ACCESS_KEY_ID) was not found next to it' };
  let r: AwsReply;
  try {
    r = await awsQuery(ctx, 'sts', key, { Action: 'GetCallerIdentity' }, { retry: true });
  } catch (err) {
    return { status: 'unknown', reason: `AWS could not be asked: ${(err as Error).message.split('\n')[0]}` };
  }
  if (r.error && DEAD_CODES.has(r.error.code)) return { status: 'dead', reason: `AWS refuses it (${r.error.code})` };
  if (r.status !== 200 || r.malformed) return { status: 'unknown', reason: `AWS answered HTTP ${r.status}${r.error ? ` ${r.error.code}` : ''}` };
  const who = r.body?.GetCallerIdentityResult ?? {};
  const arn = String(who.Arn ?? '');
  const v: Verification = {
    status: 'live',
    reason: 'AWS accepted it just now',
    identity: {
      credentialId: key.accessKeyId,
      principal: arn || undefined,
      account: who.Account ? String(who.Account) : undefined,
      kind: key.accessKeyId.startsWith('ASIA') ? 'temporary STS key' : 'IAM user access key',
    },
  };
  const admin = await maybeAdmin(ctx).catch(() => undefined);
  if (admin) {
    const used = await awsQuery(ctx, 'iam', admin, { Action: 'GetAccessKeyLastUsed', AccessKeyId: key.accessKeyId }).catch(() => undefined);
    const at = used?.body?.GetAccessKeyLastUsedResult?.AccessKeyLastUsed?.LastUsedDate;
    if (typeof at === 'string' && at) v.lastUsedAt = at;
  }
  return v;
}

// Stryker disable next-line ObjectLiteral: the name rules below give each of these four the same risk; the table names the AWS-managed policies people know
const POLICY_RISK: Record<string, Grant['risk']> = { AdministratorAccess: 'admin', IAMFullAccess: 'admin', PowerUserAccess: 'write', ReadOnlyAccess: 'read' };
const riskOfPolicy = (name: string): Grant['risk'] =>
  POLICY_RISK[name] ?? (/Admin|FullAccess|IAM/i.test(name) ? 'admin' : /ReadOnly|Read$|ViewOnly/i.test(name) ? 'read' : 'write');

async function analyze(credential: CredentialValue, ctx: IntegrationContext): Promise<Analysis> {
  const key = keyOf(credential);
  if (!key) return { grants: [], complete: false, note: 'its access key id was not found next to it' };
  const who = await awsQuery(ctx, 'sts', key, { Action: 'GetCallerIdentity' });
  const arn = String(who.body?.GetCallerIdentityResult?.Arn ?? '');
  const user = /:user\/(?:.*\/)?([^/]+)$/.exec(arn)?.[1];
  if (!user) return { grants: [], complete: false, note: arn ? `${arn} is not an IAM user: its policies are not read` : 'AWS did not say whose key it is' };
  const ask = async (k: AwsKey) => {
    const attached = await awsQuery(ctx, 'iam', k, { Action: 'ListAttachedUserPolicies', UserName: user });
    const inline = await awsQuery(ctx, 'iam', k, { Action: 'ListUserPolicies', UserName: user });
    return attached.status === 200 && inline.status === 200 ? { attached, inline } : undefined;
  };
  const found = (await ask(key)) ?? (await maybeAdmin(ctx).then((a) => (a ? ask(a) : undefined)));
  if (!found)
    return { grants: [], complete: false, note: `the policies of IAM user ${user} could not be read (neither the key nor an admin key may list them)` };
  const grants: Grant[] = [];
  for (const p of found.attached.body?.ListAttachedUserPoliciesResult?.AttachedPolicies?.member ?? []) {
    grants.push({
      scope: String(p.PolicyName),
      risk: riskOfPolicy(String(p.PolicyName)),
      resource: user,
      description: `managed policy ${String(p.PolicyArn)}`,
    });
  }
  for (const name of found.inline.body?.ListUserPoliciesResult?.PolicyNames?.member ?? []) {
    grants.push({ scope: String(name), risk: riskOfPolicy(String(name)), resource: user, description: 'inline policy' });
  }
  return { grants, complete: false, note: `policies attached to IAM user ${user}; group policies and permission boundaries are not read` };
}

/** The old key's id travels as `<key id>|<user name>`, so revoke and finalize need no lookup. */
function rotationProvider(_cred: unknown, ctx: IntegrationContext): RotationProvider {
  const parse = (id: string | undefined) => {
    const [keyId, user] = (id ?? '').split('|');
    if (!keyId || !user) throw refusedError('the old AWS key was not identified (no key id recorded)');
    return { keyId, user };
  };
  const userOf = async (keyId: string) => {
    const r = await awsQuery(ctx, 'iam', await adminKey(ctx), { Action: 'GetAccessKeyLastUsed', AccessKeyId: keyId }, { retry: true });
    if (r.status !== 200) throw failure(`could not find the user of ${keyId.slice(0, 8)}…`, r);
    const user = r.body?.GetAccessKeyLastUsedResult?.UserName;
    if (typeof user !== 'string' || !user) throw refusedError(`AWS did not say which user owns ${keyId.slice(0, 8)}…; rotate it in the console`);
    return user;
  };
  const setStatus = async (id: string | undefined, status: 'Active' | 'Inactive') => {
    const { keyId, user } = parse(id);
    const r = await awsQuery(
      ctx,
      'iam',
      await adminKey(ctx),
      { Action: 'UpdateAccessKey', UserName: user, AccessKeyId: keyId, Status: status },
      { retry: true },
    );
    if (r.error?.code === 'NoSuchEntity') return 'already' as const;
    if (r.status !== 200) throw failure(`could not set ${keyId.slice(0, 8)}… ${status}`, r);
    return 'revoked' as const;
  };
  return {
    async identify({ parts }) {
      const keyId = parts?.['access-key-id'];
      if (!keyId || !KEY_ID.test(keyId))
        throw refusedError(
          'the access key id (AWS_ACCESS_KEY_ID) was not found next to the secret',
          'Keep AWS_ACCESS_KEY_ID beside AWS_SECRET_ACCESS_KEY in the same file, or rotate the key in the console.',
        );
      return `${keyId}|${await userOf(keyId)}`;
    },
    async create({ oldId }) {
      const { keyId, user } = parse(oldId);
      const admin = await adminKey(ctx);
      const r = await awsQuery(ctx, 'iam', admin, { Action: 'CreateAccessKey', UserName: user });
      if (r.error?.code === 'LimitExceeded') {
        const list = await awsQuery(ctx, 'iam', admin, { Action: 'ListAccessKeys', UserName: user });
        const others = (list.body?.ListAccessKeysResult?.AccessKeyMetadata?.member ?? []).filter((k: any) => k.AccessKeyId !== keyId);
        const which = others.map((k: any) => `${String(k.AccessKeyId).slice(0, 8)}… (${k.Status}, created ${k.CreateDate})`).join(', ');
        throw refusedError(
          `IAM user ${user} already has two access keys (AWS allows two): ${which || 'the other key'} besides the one being rotated; a new key cannot be created`,
          'Delete the other key if nothing uses it (an interrupted rotation may have left it), then run credctl apply --resume.',
        );
      }
      if (r.status !== 200) throw failure(`could not create an access key for ${user}`, r);
      const k = r.body?.CreateAccessKeyResult?.AccessKey;
      if (!k?.AccessKeyId || !k?.SecretAccessKey) throw failure('created a key but did not return it', { ...r, malformed: true });
      return { value: String(k.SecretAccessKey), id: `${k.AccessKeyId}|${user}`, parts: { 'access-key-id': String(k.AccessKeyId) } };
    },
    async revoke({ id, mode }) {
      if (mode === 'deactivate') return setStatus(id, 'Inactive');
      const { keyId, user } = parse(id);
      const r = await awsQuery(ctx, 'iam', await adminKey(ctx), { Action: 'DeleteAccessKey', UserName: user, AccessKeyId: keyId }, { retry: true });
      if (r.error?.code === 'NoSuchEntity') return 'already';
      if (r.status !== 200) throw failure(`could not delete ${keyId.slice(0, 8)}…`, r);
      return 'revoked';
    },
    async reactivate({ id }) {
      await setStatus(id, 'Active');
    },
    async isActive({ value, parts }) {
      const v = await verify({ value, ...(parts ? { parts } : {}) }, ctx);
      return v.status === 'live' ? true : v.status === 'dead' ? false : 'unknown';
    },
  };
}

const aws: Integration = {
  id: 'aws',
  title: 'AWS STS and IAM (query API, SigV4)',
  defaultApi: 'https://sts.amazonaws.com',
  config: [
    {
      key: 'admin',
      secret: true,
      description:
        'ACCESS_KEY_ID:SECRET_ACCESS_KEY (store:<entry>) of an IAM user allowed iam:CreateAccessKey, UpdateAccessKey, DeleteAccessKey, ListAccessKeys, GetAccessKeyLastUsed',
    },
  ],
  parts: [{ role: 'access-key-id', envNames: ['AWS_ACCESS_KEY_ID', 'AWS_ACCESS_KEY', 'AWS_KEY_ID'], pattern: /\b((?:AKIA|ASIA)[0-9A-Z]{16})\b/ }],
  verify,
  analyze,
  revoke: {
    needsAdmin: true,
    warning: 'the access key is deleted: every application using it fails at once, and it cannot be restored',
    async run(credential, ctx) {
      const key = keyOf(credential);
      if (!key) throw refusedError('the access key id (AWS_ACCESS_KEY_ID) was not found next to the secret');
      const admin = await adminKey(ctx);
      const used = await awsQuery(ctx, 'iam', admin, { Action: 'GetAccessKeyLastUsed', AccessKeyId: key.accessKeyId }, { retry: true });
      if (used.error?.code === 'NoSuchEntity' || used.error?.code === 'AccessDenied') {
        if ((await verify(credential, ctx)).status === 'dead') return 'already';
      }
      const user = used.body?.GetAccessKeyLastUsedResult?.UserName;
      if (used.status !== 200 || typeof user !== 'string') throw failure(`could not find the user of ${key.accessKeyId.slice(0, 8)}…`, used);
      const r = await awsQuery(ctx, 'iam', admin, { Action: 'DeleteAccessKey', UserName: user, AccessKeyId: key.accessKeyId }, { retry: true });
      if (r.error?.code === 'NoSuchEntity') return 'already';
      if (r.status !== 200) throw failure(`could not delete ${key.accessKeyId.slice(0, 8)}…`, r);
      return 'revoked';
    },
  },
  rotate: {
    strategy: 'deactivation-grace',
    summary: 'a second key for the same IAM user (AWS allows two); the old one is made Inactive for the grace period, then deleted by credctl finalize',
    provider: rotationProvider,
  },
  manual: {
    rotate: {
      url: 'https://console.aws.amazon.com/iam/home#/security_credentials',
      instructions: 'Create a second access key for the same IAM user, move every application to it, make the old key Inactive, then delete it.',
    },
  },
  rateLimit: { concurrency: 4 },
};

export default aws;
