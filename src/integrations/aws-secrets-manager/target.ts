import { createHash } from 'node:crypto';
import { inputError, refusedError, remoteError, storeError } from '../../core/errors.js';
import { fingerprint } from '../../core/fingerprint.js';
import { optionalApiUrl, optionalString, requireString } from '../../targets/ref-fields.js';
import type { Target, TargetDeps, TargetFingerprint, TargetPlugin, VerifyResult, WriteOptions, WriteResult } from '../../targets/target.js';
import { AwsError, awsJsonCall, parseAwsCredential, type AwsCredentials } from './client.js';

/**
 * One AWS Secrets Manager secret (or one field of its JSON SecretString) as a target
 * (API.md names the document). Values are readable (GetSecretValue), so fingerprints are exact.
 * A write follows the shape of Secrets Manager's own rotation, each step idempotent:
 *   1. create  PutSecretValue { SecretString, ClientRequestToken, VersionStages: [AWSPENDING] }
 *              The token (the new VersionId) is derived from the secret's ARN and the new
 *              SecretString, so a repeated or resumed write names the same version and AWS
 *              ignores the repeat.
 *   2. test    GetSecretValue { VersionId } holds exactly the new SecretString.
 *   3. finish  UpdateSecretVersionStage AWSCURRENT → the new version, removed from the version
 *              that was current when we read it (AWS refuses if someone moved it since: a
 *              compare-and-swap), which AWS labels AWSPREVIOUS; then AWSPENDING is removed.
 * Consumers reading AWSCURRENT see the old value until step 3 and the new one after; the old one
 * stays readable as AWSPREVIOUS. A secret whose AWSPENDING belongs to someone else's rotation is
 * left alone (refused). credctl does not create secrets: a missing one is reported.
 */
const TYPE = 'aws-secrets-manager';
const REGION_RE = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
const NAME_RE = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const ARN_RE = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const FIELD_RE = /^[^\u0000-\u001f]{1,256}$/;
const CACHE_NOTE =
  'services that cache the secret (the AWS caching clients, Lambda extensions) see the new value when their cache expires; the old one stays readable as AWSPREVIOUS';

export type AwsSecretsManagerTargetRef = {
  type: 'aws-secrets-manager';
  /** e.g. `eu-west-1`. */
  region: string;
  /** The secret's name or full ARN. */
  secretId: string;
  /** A key of the JSON object in SecretString to hold the value; absent = the whole SecretString is the value. */
  field?: string;
};

interface Current {
  arn: string;
  versionId: string;
  secretString: string;
}

class AwsSecretsManagerTarget implements Target {
  readonly type = TYPE;
  private readonly endpoint: string;

  constructor(
    readonly ref: AwsSecretsManagerTargetRef,
    private readonly deps: TargetDeps,
  ) {
    this.endpoint = (deps.apiUrl?.[TYPE] ?? `https://secretsmanager.${ref.region}.amazonaws.com`).replace(/\/+$/, '') + '/';
  }

  describe(): string {
    return `AWS Secrets Manager secret ${this.ref.secretId}${this.ref.field ? ` (field ${this.ref.field})` : ''} in ${this.ref.region}`;
  }

  private async credentials(): Promise<AwsCredentials> {
    const c = await this.deps.getCredential?.('aws', this.ref);
    if (!c)
      throw storeError(
        `no AWS credential to write ${this.describe()}`,
        'store accessKeyId:secretAccessKey of an IAM user or role allowed secretsmanager:* on it (credctl store put) and name it in credctl.yaml (providers.aws.admin)',
      );
    return parseAwsCredential(c);
  }

  /** One call; with `absentOk`, a ResourceNotFoundException answers null instead of failing. */
  private async call(operation: string, body: Record<string, unknown>, what: string, secrets: string[]): Promise<Record<string, unknown>>;
  private async call(
    operation: string,
    body: Record<string, unknown>,
    what: string,
    secrets: string[],
    absentOk: true,
  ): Promise<Record<string, unknown> | null>;
  private async call(
    operation: string,
    body: Record<string, unknown>,
    what: string,
    secrets: string[],
    absentOk = false,
  ): Promise<Record<string, unknown> | null> {
    const credentials = await this.credentials();
    const label = `AWS Secrets Manager: ${what}`;
    try {
      return await awsJsonCall({
        endpoint: this.endpoint,
        region: this.ref.region,
        credentials,
        operation,
        body,
        what: label,
        secrets,
        policy: this.deps.http,
        client: this.deps.net,
      });
    } catch (err) {
      if (!(err instanceof AwsError)) throw err;
      if (absentOk && err.awsType === 'ResourceNotFoundException') return null;
      throw awsProblem(label, err);
    }
  }

  /** AWSCURRENT of the secret, or null when there is no such secret. */
  private async current(secrets: string[]): Promise<Current | null> {
    const what = `read secret ${this.ref.secretId}`;
    const out = await this.call('GetSecretValue', { SecretId: this.ref.secretId, VersionStage: 'AWSCURRENT' }, what, secrets, true);
    if (!out) return null;
    if (typeof out.SecretString !== 'string') {
      if (out.SecretBinary !== undefined) throw remoteError(`AWS Secrets Manager: ${what}: it holds SecretBinary, which credctl does not write`);
      throw remoteError(`AWS Secrets Manager: ${what}: the answer has no SecretString`);
    }
    if (typeof out.ARN !== 'string' || typeof out.VersionId !== 'string') throw remoteError(`AWS Secrets Manager: ${what}: the answer has no ARN/VersionId`);
    return { arn: out.ARN, versionId: out.VersionId, secretString: out.SecretString };
  }

  /** The value this target stands for inside a SecretString: the field, or all of it. */
  private valueIn(secretString: string): string | null {
    if (!this.ref.field) return secretString;
    const obj = jsonObject(secretString, this.describe());
    const v = obj[this.ref.field];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string') throw remoteError(`${this.describe()}: the field is not a string`);
    return v;
  }

  async readValue(name: string): Promise<string | null> {
    void name;
    const cur = await this.current([]);
    return cur ? this.valueIn(cur.secretString) : null;
  }

  async readFingerprint(name: string): Promise<TargetFingerprint> {
    const v = await this.readValue(name);
    return v === null ? null : fingerprint(v);
  }

  async write(name: string, value: string, opts: WriteOptions = {}): Promise<WriteResult> {
    void name;
    const secrets = [value];
    const after = fingerprint(value);
    const cur = await this.current(secrets);
    if (!cur)
      throw refusedError(
        `${this.describe()} does not exist; credctl writes new versions of existing secrets only`,
        'create it first (aws secretsmanager create-secret, with the KMS key and policy you want), then run the step again',
      );
    const held = this.valueIn(cur.secretString);
    const before: TargetFingerprint = held === null ? null : fingerprint(held);
    const base = { target: this.describe(), before, after };
    if (before === after) {
      // A write of this value that was interrupted before, or a rollback to it, may have left
      // credctl's own AWSPENDING behind; a later rotation would take it for one not finished.
      await this.clearOwnPending(cur.arn, secrets);
      return { ...base, status: 'unchanged', notes: [] };
    }
    if (opts.expectFingerprint !== undefined && opts.expectFingerprint !== before) {
      throw refusedError(`${this.describe()} changed since the plan was made`, 'make a new plan (credctl plan)');
    }
    const newString = this.ref.field ? JSON.stringify({ ...jsonObject(cur.secretString, this.describe()), [this.ref.field]: value }) : value;
    const versionId = versionIdFor(cur.arn, newString);
    const allSecrets = [value, newString];
    await this.checkPending(cur.arn, versionId, allSecrets);

    // 1. create: the new version, labelled AWSPENDING (a repeat with the same token is ignored by AWS).
    await this.call(
      'PutSecretValue',
      { SecretId: cur.arn, SecretString: newString, ClientRequestToken: versionId, VersionStages: ['AWSPENDING'] },
      `write a new version of ${this.ref.secretId}`,
      allSecrets,
    );
    // 2. test: it holds exactly what we wrote.
    const written = await this.call(
      'GetSecretValue',
      { SecretId: cur.arn, VersionId: versionId },
      `read back the new version of ${this.ref.secretId}`,
      allSecrets,
    );
    if (written.SecretString !== newString) throw remoteError(`AWS Secrets Manager: the new version of ${this.ref.secretId} does not hold what was written`);
    // 3. finish: AWSCURRENT moves only if it is still where we read it (AWS keeps the old one as AWSPREVIOUS).
    if (cur.versionId !== versionId) {
      await this.call(
        'UpdateSecretVersionStage',
        { SecretId: cur.arn, VersionStage: 'AWSCURRENT', MoveToVersionId: versionId, RemoveFromVersionId: cur.versionId },
        `make the new version of ${this.ref.secretId} AWSCURRENT`,
        allSecrets,
      );
    }
    // A repeated put is ignored by AWS, labels included: clear AWSPENDING only where it was set.
    if (Array.isArray(written.VersionStages) && written.VersionStages.includes('AWSPENDING')) {
      await this.call(
        'UpdateSecretVersionStage',
        { SecretId: cur.arn, VersionStage: 'AWSPENDING', RemoveFromVersionId: versionId },
        `clear AWSPENDING of ${this.ref.secretId}`,
        allSecrets,
      );
    }
    const created = typeof written.CreatedDate === 'number' ? new Date(written.CreatedDate * 1000).toISOString() : undefined;
    return { ...base, status: 'written', writtenAt: created, notes: [CACHE_NOTE] };
  }

  /**
   * Refuse when AWSPENDING sits on a version credctl did not make: someone's rotation is under
   * way. A version credctl made (its id is versionIdFor its content: an interrupted earlier write,
   * say of the value a rollback now replaces) may be superseded; PutSecretValue moves the label.
   */
  private async checkPending(arn: string, ours: string, secrets: string[]): Promise<void> {
    const d = await this.call('DescribeSecret', { SecretId: arn }, `describe ${this.ref.secretId}`, secrets);
    const stages = d.VersionIdsToStages;
    if (!stages || typeof stages !== 'object') return;
    for (const [version, labels] of Object.entries(stages as Record<string, unknown>)) {
      if (version === ours || !Array.isArray(labels) || !labels.includes('AWSPENDING') || labels.includes('AWSCURRENT')) continue;
      const pending = await this.call('GetSecretValue', { SecretId: arn, VersionId: version }, `read the pending version of ${this.ref.secretId}`, secrets);
      const credctls = typeof pending.SecretString === 'string' && versionIdFor(arn, pending.SecretString) === version;
      if (!credctls) {
        throw refusedError(
          `${this.describe()} has a pending version from another rotation (AWSPENDING on ${version.slice(0, 36)})`,
          'let that rotation finish, or remove its AWSPENDING label (aws secretsmanager update-secret-version-stage), then run the step again',
        );
      }
    }
  }

  private async clearOwnPending(arn: string, secrets: string[]): Promise<void> {
    const d = await this.call('DescribeSecret', { SecretId: arn }, `describe ${this.ref.secretId}`, secrets);
    const stages = d.VersionIdsToStages;
    if (!stages || typeof stages !== 'object') return;
    for (const [version, labels] of Object.entries(stages as Record<string, unknown>)) {
      if (!Array.isArray(labels) || !labels.includes('AWSPENDING') || labels.includes('AWSCURRENT')) continue;
      const pending = await this.call('GetSecretValue', { SecretId: arn, VersionId: version }, `read the pending version of ${this.ref.secretId}`, secrets);
      if (typeof pending.SecretString !== 'string' || versionIdFor(arn, pending.SecretString) !== version) continue;
      await this.call(
        'UpdateSecretVersionStage',
        { SecretId: arn, VersionStage: 'AWSPENDING', RemoveFromVersionId: version },
        `clear AWSPENDING of ${this.ref.secretId}`,
        [...secrets, pending.SecretString],
      );
    }
  }

  async verify(name: string, value: string): Promise<VerifyResult> {
    void name;
    const cur = await this.current([value]);
    if (!cur) return false;
    return this.valueIn(cur.secretString) === value;
  }
}

/** A deterministic ClientRequestToken (UUID form) for this secret and content: repeats are no-ops. */
function versionIdFor(arn: string, secretString: string): string {
  const h = createHash('sha256').update('credctl/aws-secrets-manager/version/v1\0').update(arn).update('\0').update(secretString, 'utf8').digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function jsonObject(secretString: string, where: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw remoteError(`${where}: the SecretString is not a JSON object, so it has no fields`, 'drop "field" from the target to write the whole SecretString');
  return parsed as Record<string, unknown>;
}

function awsProblem(label: string, err: AwsError): Error {
  const said = err.awsMessage ? `: ${err.awsMessage}` : '';
  switch (err.awsType) {
    case 'ResourceNotFoundException':
      return remoteError(
        `${label}: ResourceNotFoundException (HTTP ${err.status})${said}`,
        'check the secret name and region in the target, and that the AWS credential can see it',
      );
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
    case 'SignatureDoesNotMatch':
    case 'ExpiredTokenException':
    case 'InvalidClientTokenId':
    case 'IncompleteSignature':
    case 'MissingAuthenticationToken':
      return remoteError(
        `${label}: ${err.awsType} (HTTP ${err.status})${said}`,
        'the AWS credential was rejected; store a valid accessKeyId:secretAccessKey and retry',
      );
    case 'AccessDeniedException':
      return remoteError(
        `${label}: AccessDeniedException (HTTP ${err.status})${said}`,
        'the AWS credential lacks the secretsmanager permission for this secret (and kms:Decrypt/GenerateDataKey on its key); grant it or use another',
      );
    case 'InvalidParameterException':
    case 'InvalidRequestException':
      return remoteError(
        `${label}: ${err.awsType} (HTTP ${err.status})${said}`,
        'the secret changed while credctl was writing it (or is scheduled for deletion); read it again and make a new plan',
      );
    default:
      return remoteError(`${label}: ${err.awsType} (HTTP ${err.status})${said}`);
  }
}

export const awsSecretsManagerPlugin: TargetPlugin<AwsSecretsManagerTargetRef> = {
  type: TYPE,
  aliases: ['secretsmanager', 'aws-secretsmanager'],
  guardedBy: { provider: 'aws', nameWords: ['AWS'] },
  parseRef(raw) {
    const region = requireString(raw, 'region', TYPE);
    if (!REGION_RE.test(region)) throw inputError(`target ${TYPE}: "region" must be an AWS region such as eu-west-1`);
    const secretId = requireString(raw, 'secretId', TYPE);
    const arn = ARN_RE.exec(secretId);
    if (secretId.startsWith('arn:') ? !arn : !NAME_RE.test(secretId))
      throw inputError(`target ${TYPE}: "secretId" must be a secret name (letters, digits, /_+=.@-) or its ARN`);
    if (arn && arn[1] !== region) throw inputError(`target ${TYPE}: "secretId" is in ${arn[1]} but "region" says ${region}`);
    const ref: AwsSecretsManagerTargetRef = { type: TYPE, region, secretId };
    const field = optionalString(raw, 'field', TYPE);
    if (field !== undefined) {
      if (!FIELD_RE.test(field)) throw inputError(`target ${TYPE}: "field" must be a printable JSON key of at most 256 characters`);
      ref.field = field;
    }
    optionalApiUrl(raw, TYPE);
    return ref;
  },
  open(ref, deps) {
    return new AwsSecretsManagerTarget(ref, deps);
  },
};
