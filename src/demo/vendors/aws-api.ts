/**
 * A local stand-in for the AWS STS and IAM query APIs (the calls credctl makes; API.md in
 * src/integrations/aws names the references), for the demo and the tests. Real HTTP on
 * 127.0.0.1, port 0. It checks every request's SigV4 signature for real (re-signing with the
 * key's secret through aws4 and comparing), answers in AWS's XML with its error envelope
 * (`<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`), and
 * keeps AWS's rules: an unknown or Inactive key is InvalidClientTokenId, a wrong secret
 * SignatureDoesNotMatch, at most two access keys per user (LimitExceeded, 409), IAM calls only
 * for users allowed them (AccessDenied, 403), throttling as 400 Throttling.
 *
 *   const aws = await startAwsApi({ account: '123456789012' });
 *   const app = aws.addUser('checkout', { policies: ['AmazonS3FullAccess'], inline: ['orders-queue'] });
 *   const key = aws.addKey('checkout')            // { id: 'AKIA...', secret }
 *   aws.addUser('credctl-admin', { admin: true }); aws.addKey('credctl-admin')
 *   aws.keys('checkout'); aws.throttle(n); aws.requests; await aws.close()
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import aws4 from 'aws4';

export interface StandInKey {
  id: string;
  secret: string;
  status: 'Active' | 'Inactive';
  created: string;
  lastUsed?: { at: string; service: string };
}

interface User {
  name: string;
  id: string;
  admin: boolean;
  policies: string[];
  inline: string[];
  keys: StandInKey[];
}

export interface AwsApiServer {
  url: string;
  account: string;
  addUser(name: string, opts?: { admin?: boolean; policies?: string[]; inline?: string[] }): void;
  addKey(user: string): StandInKey;
  keys(user: string): StandInKey[];
  /** The next `count` requests answer 400 Throttling. */
  throttle(count?: number): void;
  /** The next `count` requests answer with this status and an XML body that is cut short. */
  garble(count?: number): void;
  /** The next `count` requests fail inside AWS: 500 InternalFailure (or another 5xx). */
  fail(count?: number, status?: number): void;
  requests: { action: string; key?: string; status: number }[];
  close(): Promise<void>;
}

const A_Z0_9 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const B64ISH = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const pick = (alphabet: string, n: number) => Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
/** Fake, and obviously so: every key id this server mints has FAKE in it, every secret says FAKE too. */
const newKeyId = () => `AKIAFAKE${pick(A_Z0_9, 12)}`;
const newSecret = () => `FAKE${pick(B64ISH, 36)}`;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const NS = { sts: 'https://sts.amazonaws.com/doc/2011-06-15/', iam: 'https://iam.amazonaws.com/doc/2010-05-08/' };

export async function startAwsApi(opts: { account?: string } = {}): Promise<AwsApiServer> {
  const account = opts.account ?? '123456789012';
  const users = new Map<string, User>();
  const requests: AwsApiServer['requests'] = [];
  let throttled = 0;
  let garbled = 0;
  let failing: { count: number; status: number } = { count: 0, status: 500 };
  const requestId = () =>
    `${pick('0123456789abcdef', 8)}-${pick('0123456789abcdef', 4)}-4${pick('0123456789abcdef', 3)}-8${pick('0123456789abcdef', 3)}-${pick('0123456789abcdef', 12)}`;
  const ok = (service: 'sts' | 'iam', action: string, result: string) =>
    `<${action}Response xmlns="${NS[service]}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>${requestId()}</RequestId></ResponseMetadata></${action}Response>`;
  const err = (status: number, code: string, message: string, type = status >= 500 ? 'Receiver' : 'Sender') => ({
    status,
    xml: `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>${type}</Type><Code>${code}</Code><Message>${esc(message)}</Message></Error><RequestId>${requestId()}</RequestId></ErrorResponse>`,
  });
  const findKey = (id: string) => {
    for (const u of users.values()) for (const k of u.keys) if (k.id === id) return { user: u, key: k };
    return undefined;
  };
  const arnOf = (u: User) => `arn:aws:iam::${account}:user/${u.name}`;

  /** SigV4: re-sign the request with the secret of the key it names and compare. */
  const authenticate = (req: IncomingMessage, body: string): { user: User; key: StandInKey } | { status: number; xml: string } => {
    const auth = String(req.headers.authorization ?? '');
    const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
    if (!m) return err(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
    const [, keyId, , region, service, signed] = m;
    const found = findKey(keyId!);
    if (!found || found.key.status !== 'Active') return err(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    const headers: Record<string, string> = {};
    for (const h of signed!.split(';')) if (h !== 'host') headers[h] = String(req.headers[h] ?? '');
    const again = { host: String(req.headers.host), path: req.url ?? '/', method: req.method, service, region, body, headers };
    aws4.sign(again, { accessKeyId: keyId!, secretAccessKey: found.key.secret });
    if ((again.headers as Record<string, string>).Authorization !== auth) {
      return err(
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
      );
    }
    return found;
  };

  const handle = (req: IncomingMessage, body: string): { status: number; xml: string; action: string; key?: string } => {
    const params = new URLSearchParams(body);
    const action = params.get('Action') ?? '';
    if (throttled > 0) {
      throttled--;
      return { ...err(400, 'Throttling', 'Rate exceeded'), action };
    }
    if (failing.count > 0) {
      failing.count--;
      return {
        ...err(
          failing.status,
          failing.status === 503 ? 'ServiceUnavailable' : 'InternalFailure',
          'The request processing has failed because of an unknown error.',
        ),
        action,
      };
    }
    const who = authenticate(req, body);
    if ('xml' in who) return { ...who, action };
    const caller = who.user;
    who.key.lastUsed = { at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), service: action === 'GetCallerIdentity' ? 'sts' : 'iam' };
    const base = { action, key: who.key.id };
    if (action === 'GetCallerIdentity') {
      return { ...base, status: 200, xml: ok('sts', action, `<Arn>${arnOf(caller)}</Arn><UserId>${caller.id}</UserId><Account>${account}</Account>`) };
    }
    const allowed = caller.admin || caller.policies.includes('AdministratorAccess') || caller.policies.includes('IAMFullAccess');
    if (!allowed)
      return {
        ...base,
        ...err(
          403,
          'AccessDenied',
          `User: ${arnOf(caller)} is not authorized to perform: iam:${action} because no identity-based policy allows the iam:${action} action`,
        ),
      };
    const userParam = params.get('UserName') ?? '';
    const user = users.get(userParam);
    const keyParam = params.get('AccessKeyId') ?? '';
    switch (action) {
      case 'GetAccessKeyLastUsed': {
        const f = findKey(keyParam);
        if (!f) return { ...base, ...err(404, 'NoSuchEntity', `The Access Key with id ${keyParam} cannot be found`) };
        const used = f.key.lastUsed
          ? `<LastUsedDate>${f.key.lastUsed.at}</LastUsedDate><ServiceName>${f.key.lastUsed.service}</ServiceName><Region>us-east-1</Region>`
          : '<ServiceName>N/A</ServiceName><Region>N/A</Region>';
        return { ...base, status: 200, xml: ok('iam', action, `<UserName>${f.user.name}</UserName><AccessKeyLastUsed>${used}</AccessKeyLastUsed>`) };
      }
      case 'ListAccessKeys': {
        if (!user) return { ...base, ...err(404, 'NoSuchEntity', `The user with name ${userParam} cannot be found.`) };
        const members = user.keys
          .map(
            (k) =>
              `<member><UserName>${user.name}</UserName><AccessKeyId>${k.id}</AccessKeyId><Status>${k.status}</Status><CreateDate>${k.created}</CreateDate></member>`,
          )
          .join('');
        return { ...base, status: 200, xml: ok('iam', action, `<AccessKeyMetadata>${members}</AccessKeyMetadata><IsTruncated>false</IsTruncated>`) };
      }
      case 'CreateAccessKey': {
        if (!user) return { ...base, ...err(404, 'NoSuchEntity', `The user with name ${userParam} cannot be found.`) };
        if (user.keys.length >= 2) return { ...base, ...err(409, 'LimitExceeded', 'Cannot exceed quota for AccessKeysPerUser: 2') };
        const k = addKeyTo(user);
        return {
          ...base,
          status: 200,
          xml: ok(
            'iam',
            action,
            `<AccessKey><UserName>${user.name}</UserName><AccessKeyId>${k.id}</AccessKeyId><Status>Active</Status><SecretAccessKey>${k.secret}</SecretAccessKey><CreateDate>${k.created}</CreateDate></AccessKey>`,
          ),
        };
      }
      case 'UpdateAccessKey':
      case 'DeleteAccessKey': {
        const f = findKey(keyParam);
        if (!f || (userParam && f.user.name !== userParam))
          return { ...base, ...err(404, 'NoSuchEntity', `The Access Key with id ${keyParam} cannot be found`) };
        if (action === 'DeleteAccessKey') f.user.keys = f.user.keys.filter((k) => k !== f.key);
        else {
          const status = params.get('Status');
          if (status !== 'Active' && status !== 'Inactive')
            return { ...base, ...err(400, 'ValidationError', "1 validation error detected: Value at 'status' failed to satisfy constraint") };
          f.key.status = status;
        }
        return { ...base, status: 200, xml: ok('iam', action, '') };
      }
      case 'ListAttachedUserPolicies': {
        if (!user) return { ...base, ...err(404, 'NoSuchEntity', `The user with name ${userParam} cannot be found.`) };
        const members = user.policies.map((p) => `<member><PolicyName>${p}</PolicyName><PolicyArn>arn:aws:iam::aws:policy/${p}</PolicyArn></member>`).join('');
        return { ...base, status: 200, xml: ok('iam', action, `<AttachedPolicies>${members}</AttachedPolicies><IsTruncated>false</IsTruncated>`) };
      }
      case 'ListUserPolicies': {
        if (!user) return { ...base, ...err(404, 'NoSuchEntity', `The user with name ${userParam} cannot be found.`) };
        return {
          ...base,
          status: 200,
          xml: ok('iam', action, `<PolicyNames>${user.inline.map((p) => `<member>${p}</member>`).join('')}</PolicyNames><IsTruncated>false</IsTruncated>`),
        };
      }
      default:
        return { ...base, ...err(400, 'InvalidAction', `Could not find operation ${action} for version ${params.get('Version')}`) };
    }
  };

  const addKeyTo = (user: User): StandInKey => {
    const k: StandInKey = { id: newKeyId(), secret: newSecret(), status: 'Active', created: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
    user.keys.push(k);
    return k;
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (garbled > 0) {
        garbled--;
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end('<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws');
        return;
      }
      const out = req.method === 'POST' ? handle(req, body) : { ...err(405, 'MethodNotAllowed', 'use POST'), action: '' };
      requests.push({ action: out.action, ...(out.key ? { key: out.key } : {}), status: out.status });
      res.writeHead(out.status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId() });
      res.end(out.xml);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    account,
    addUser(name, o = {}) {
      users.set(name, { name, id: `AIDAFAKE${pick(A_Z0_9, 13)}`, admin: !!o.admin, policies: o.policies ?? [], inline: o.inline ?? [], keys: [] });
    },
    addKey(name) {
      const u = users.get(name);
      if (!u) throw new Error(`no user ${name}`);
      return addKeyTo(u);
    },
    keys: (name) => users.get(name)?.keys ?? [],
    throttle(count = 1) {
      throttled += count;
    },
    garble(count = 1) {
      garbled += count;
    },
    fail(count = 1, status = 500) {
      failing = { count, status };
    },
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
