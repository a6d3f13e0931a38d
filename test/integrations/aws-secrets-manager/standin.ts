/**
 * AWS Secrets Manager JSON API stand-in (see src/integrations/aws-secrets-manager/API.md): every
 * request must be SigV4-signed for service `secretsmanager` in the stand-in's region by a known
 * access key (the signature is recomputed over the signed headers and body and compared), with
 * `X-Amz-Target` and `application/x-amz-json-1.1`. It keeps versions with staging labels the way
 * the API reference describes them: one version per label, AWSPREVIOUS following AWSCURRENT,
 * ClientRequestToken idempotency (same token and content: ignored; same token, other content:
 * ResourceExistsException), RemoveFromVersionId checked, and errors as HTTP 400
 * `{ "__type", "message" }` (AccessDeniedException, UnrecognizedClientException,
 * InvalidSignatureException, ResourceNotFoundException, InvalidParameterException).
 */
import aws4 from 'aws4';
import { randomUUID } from 'node:crypto';
import { startStandIn, type StandIn, type StandInAnswer, type StandInRequest } from '../standin.js';

export interface FakeAwsKey {
  secretAccessKey: string;
  /** Read-only keys may GetSecretValue/DescribeSecret only. */
  readOnly?: boolean;
}

interface Version {
  secretString: string;
  created: number;
  stages: Set<string>;
}

interface Secret {
  arn: string;
  name: string;
  versions: Map<string, Version>;
}

export interface SecretsManagerStandIn extends StandIn {
  /** The SecretString carrying a label (default AWSCURRENT). */
  valueAt(name: string, stage?: string): string | undefined;
  stagesOf(name: string): Record<string, string[]>;
  create(name: string, secretString: string): void;
  /** Someone else starts a rotation: a new version labelled AWSPENDING. */
  startForeignRotation(name: string, secretString: string): void;
  /** Every version kept, labelled or not. */
  versionCount(name: string): number;
  /** The next call of this operation answers 500 (a crash or outage between two steps). */
  failNext(operation: string): void;
}

const err = (type: string, message: string, status = 400): StandInAnswer => ({ status, body: { __type: type, message } });

export async function startSecretsManager(opts: { region: string; account: string; keys: Record<string, FakeAwsKey> }): Promise<SecretsManagerStandIn> {
  const secrets = new Map<string, Secret>();
  const failing: string[] = [];
  let clock = 1_796_000_000;
  const find = (id: unknown) => (typeof id === 'string' ? [...secrets.values()].find((s) => s.name === id || s.arn === id) : undefined);
  const withStage = (s: Secret, stage: string) => [...s.versions.entries()].find(([, v]) => v.stages.has(stage));
  const move = (s: Secret, stage: string, to: string) => {
    for (const [id, v] of s.versions) {
      if (id !== to && v.stages.delete(stage) && stage === 'AWSCURRENT') {
        for (const w of s.versions.values()) w.stages.delete('AWSPREVIOUS');
        v.stages.add('AWSPREVIOUS');
      }
    }
    s.versions.get(to)!.stages.add(stage);
  };

  const checkSignature = (req: StandInRequest): StandInAnswer | FakeAwsKey => {
    const auth = req.headers.authorization;
    const m =
      typeof auth === 'string'
        ? /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth)
        : null;
    if (!m) return err('MissingAuthenticationTokenException', 'Missing Authentication Token', 400);
    const [, keyId, , region, service, signedHeaders, signature] = m;
    const key = opts.keys[keyId!];
    if (!key) return err('UnrecognizedClientException', 'The security token included in the request is invalid.');
    if (region !== opts.region || service !== 'secretsmanager')
      return err('InvalidSignatureException', `Credential should be scoped to a valid region and service (${opts.region}/secretsmanager).`);
    const headers: Record<string, string> = {};
    for (const h of signedHeaders!.split(';')) {
      const v = req.headers[h];
      if (typeof v !== 'string') return err('InvalidSignatureException', `Signed header ${h} is missing.`);
      headers[h] = v;
    }
    if (!signedHeaders!.split(';').includes('x-amz-date') || !signedHeaders!.split(';').includes('host'))
      return err('InvalidSignatureException', 'Host and X-Amz-Date must be signed.');
    const again = aws4.sign(
      { host: headers.host, method: req.method, path: req.path, service: 'secretsmanager', region, body: req.text, headers },
      { accessKeyId: keyId!, secretAccessKey: key.secretAccessKey },
    );
    const expected = /Signature=([0-9a-f]{64})/.exec(String(again.headers?.Authorization ?? ''))?.[1];
    if (expected !== signature) return err('InvalidSignatureException', 'The request signature we calculated does not match the signature you provided.');
    return key;
  };

  const api = await startStandIn({
    errorBody: (status, message) =>
      status === 429
        ? { __type: 'ThrottlingException', message: 'Rate exceeded' }
        : { __type: status >= 500 ? 'InternalServiceError' : 'ValidationException', message },
    handle(req) {
      if (req.method !== 'POST' || req.path !== '/') return err('UnknownOperationException', 'Unknown operation', 404);
      if (!String(req.headers['content-type'] ?? '').startsWith('application/x-amz-json-1.1')) return err('SerializationException', 'Unsupported content type');
      const signed = checkSignature(req);
      if ('status' in signed) return signed;
      const op = /^secretsmanager\.(\w+)$/.exec(String(req.headers['x-amz-target'] ?? ''))?.[1];
      const b = (req.body ?? {}) as Record<string, unknown>;
      const failAt = op ? failing.indexOf(op) : -1;
      if (failAt >= 0) {
        failing.splice(failAt, 1);
        return err('InternalServiceError', 'injected failure', 500);
      }
      const s = find(b.SecretId);
      if (op && !['GetSecretValue', 'DescribeSecret'].includes(op) && signed.readOnly) {
        return err(
          'AccessDeniedException',
          `User is not authorized to perform: secretsmanager:${op} on resource: ${String(b.SecretId)} because no identity-based policy allows the secretsmanager:${op} action`,
        );
      }
      if (op && !s) return err('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      switch (op) {
        case 'DescribeSecret':
          return {
            status: 200,
            body: {
              ARN: s!.arn,
              Name: s!.name,
              RotationEnabled: false,
              VersionIdsToStages: Object.fromEntries([...s!.versions].filter(([, v]) => v.stages.size).map(([id, v]) => [id, [...v.stages]])),
            },
          };
        case 'GetSecretValue': {
          const hit =
            typeof b.VersionId === 'string'
              ? ([b.VersionId, s!.versions.get(b.VersionId)] as const)
              : withStage(s!, typeof b.VersionStage === 'string' ? b.VersionStage : 'AWSCURRENT');
          if (!hit || !hit[1]) return err('ResourceNotFoundException', "Secrets Manager can't find the specified secret value for staging label or version.");
          return {
            status: 200,
            body: {
              ARN: s!.arn,
              Name: s!.name,
              VersionId: hit[0],
              SecretString: hit[1].secretString,
              VersionStages: [...hit[1].stages],
              CreatedDate: hit[1].created,
            },
          };
        }
        case 'PutSecretValue': {
          const token = b.ClientRequestToken;
          if (typeof token !== 'string' || token.length < 32 || token.length > 64)
            return err('InvalidParameterException', 'ClientRequestToken must be 32 to 64 characters.');
          if (typeof b.SecretString !== 'string') return err('InvalidParameterException', 'You must provide either SecretString or SecretBinary.');
          const stages = Array.isArray(b.VersionStages) ? (b.VersionStages as string[]) : ['AWSCURRENT'];
          const existing = s!.versions.get(token);
          if (existing) {
            if (existing.secretString !== b.SecretString) return err('ResourceExistsException', 'A resource with the ID you requested already exists.');
          } else {
            s!.versions.set(token, { secretString: b.SecretString, created: ++clock, stages: new Set() });
            for (const st of stages) move(s!, st, token);
          }
          return { status: 200, body: { ARN: s!.arn, Name: s!.name, VersionId: token, VersionStages: [...s!.versions.get(token)!.stages] } };
        }
        case 'UpdateSecretVersionStage': {
          const stage = String(b.VersionStage);
          const holder = withStage(s!, stage);
          if (holder && b.MoveToVersionId !== holder[0] && b.RemoveFromVersionId !== holder[0]) {
            return err(
              'InvalidParameterException',
              `The parameter RemoveFromVersionId doesn't match. The staging label ${stage} is currently attached to version ${holder[0]}.`,
            );
          }
          if (typeof b.MoveToVersionId === 'string') {
            if (!s!.versions.has(b.MoveToVersionId)) return err('ResourceNotFoundException', "Secrets Manager can't find the specified secret version.");
            move(s!, stage, b.MoveToVersionId);
          } else if (holder) {
            if (stage === 'AWSCURRENT')
              return err(
                'InvalidParameterException',
                'You can only move staging label AWSCURRENT to a different secret version. It can’t be completely removed.',
              );
            holder[1].stages.delete(stage);
          }
          return { status: 200, body: { ARN: s!.arn, Name: s!.name } };
        }
        default:
          return err('UnknownOperationException', `Unknown operation ${op ?? ''}`);
      }
    },
  });
  const make = (name: string, value: string) => {
    const s: Secret = { arn: `arn:aws:secretsmanager:${opts.region}:${opts.account}:secret:${name}-AbCdEf`, name, versions: new Map() };
    s.versions.set(randomUUID(), { secretString: value, created: ++clock, stages: new Set(['AWSCURRENT']) });
    secrets.set(name, s);
  };
  return {
    ...api,
    valueAt: (name, stage = 'AWSCURRENT') => {
      const s = secrets.get(name);
      return s ? withStage(s, stage)?.[1].secretString : undefined;
    },
    stagesOf: (name) => Object.fromEntries([...secrets.get(name)!.versions].filter(([, v]) => v.stages.size).map(([id, v]) => [id, [...v.stages].sort()])),
    create: make,
    versionCount: (name) => secrets.get(name)!.versions.size,
    failNext: (op) => void failing.push(op),
    startForeignRotation(name, value) {
      const s = secrets.get(name)!;
      const id = randomUUID();
      s.versions.set(id, { secretString: value, created: ++clock, stages: new Set() });
      move(s, 'AWSPENDING', id);
    },
  };
}
