import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIssuer, type RunningIssuer } from '../../../src/issuer/server.js';
import { runConformance } from '../../../src/integrations/standard/conformance.js';
import { brokenIssuer, json, parse, type Breakage } from './proxy.js';

// Each case breaks one behaviour the conformance suite claims to check (the first six are the
// misses issue #17 found); each must fail the suite at that check, and the reference must pass.
let dataDir: string;
let reference: RunningIssuer;

beforeAll(async () => {
  // Memory-backed when the machine has it: every case writes state, and fsyncs on a shared disk dominate.
  dataDir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'credctl-broken-'));
  // The proxies all call from 127.0.0.1: no rate limit here (one case adds its own 429s).
  reference = await startIssuer({ port: 0, dataDir, rateLimitPerMinute: 1_000_000 });
});
afterAll(async () => {
  await reference.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const isManifest = (path: string) => path === '/.well-known/credential-issuer';
const withManifest = (change: (m: Record<string, unknown>) => void): Breakage => ({
  response: (req, res) => {
    if (!isManifest(req.path)) return undefined;
    const m = parse(res.body);
    change(m);
    return { ...res, headers: { ...res.headers, etag: '"broken"' }, body: JSON.stringify(m) };
  },
});
const deliveredPickUps = new Map<string, string>();
let leakReports = 0;

const CASES: [string, RegExp, Breakage][] = [
  // ---- the misses issue #17 lists
  [
    'a revoked key can be reactivated (revoke only deactivates)',
    /^a revoked credential cannot be reactivated/,
    {
      request: (req) => {
        if (req.method !== 'POST' || !req.path.startsWith('/v1/revoke')) return undefined;
        const id = parse(req.body).id;
        return typeof id === 'string' ? { ...req, path: `/v1/credentials/${id}/deactivate`, body: '' } : undefined;
      },
      response: (req, res) => (req.path.endsWith('/deactivate') && res.status === 200 && req.body === '' ? { ...res, body: '{}' } : undefined),
    },
  ],
  [
    'an access request can be picked up twice',
    /picked up at most once/,
    {
      response: (req, res) => {
        const m = /^\/v1\/access-requests\/([^/?]+)$/.exec(req.path);
        if (req.method !== 'GET' || !m) return undefined;
        if (res.status === 200 && parse(res.body).credential) deliveredPickUps.set(m[1]!, res.body);
        else if (deliveredPickUps.has(m[1]!)) return { status: 200, headers: res.headers, body: deliveredPickUps.get(m[1]!)! };
        return undefined;
      },
    },
  ],
  [
    '401s without WWW-Authenticate',
    /every 401 carries WWW-Authenticate/,
    {
      response: (_req, res) => {
        if (res.status !== 401) return undefined;
        const { 'www-authenticate': _drop, ...headers } = res.headers;
        return { ...res, headers };
      },
    },
  ],
  [
    'inactive introspection says why',
    /inactive introspection answers exactly/,
    {
      response: (req, res) =>
        req.path === '/v1/introspect' && parse(res.body).active === false ? json(200, { active: false, reason: 'unknown_token' }) : undefined,
    },
  ],
  [
    'token exchange widens scope',
    /^token exchange/,
    {
      request: async (req, forward) => {
        if (req.path !== '/v1/token') return undefined;
        const form = new URLSearchParams(req.body);
        const first = await forward(req);
        if (parse(first.body).error !== 'invalid_scope') return first;
        const asked = form.get('scope') ?? '';
        form.delete('scope');
        const again = await forward({ ...req, body: form.toString() });
        return { ...again, body: JSON.stringify({ ...parse(again.body), scope: asked }) };
      },
    },
  ],
  [
    'introspection names the account, not the credential',
    /credential_id addresses the credential/,
    {
      response: (req, res) => {
        const body = parse(res.body);
        if (req.path !== '/v1/introspect' || body.active !== true) return undefined;
        return json(200, { ...body, credential_id: body.client_id });
      },
    },
  ],
  // ---- one per further behaviour the suite checks
  [
    'the manifest is served as HTML',
    /^manifest is served/,
    { response: (req, res) => (isManifest(req.path) ? { ...res, headers: { ...res.headers, 'content-type': 'text/html' } } : undefined) },
  ],
  ['the manifest breaks the schema', /^manifest validates/, withManifest((m) => (m.supported_operations = ['rotat']))],
  [
    'the permission schema is invalid',
    /^permission schema validates/,
    { response: (req) => (req.path === '/.well-known/credential-permissions' ? json(200, { scopes: [{ name: 'x' }] }) : undefined) },
  ],
  [
    'created keys match none of the published patterns',
    /matches a declared credential_pattern/,
    withManifest((m) => (m.credential_patterns = [{ name: 'other', regex: '^other_[0-9]{8}$' }])),
  ],
  [
    'whoami answers with another id',
    /^whoami answers/,
    { response: (req, res) => (req.path === '/v1/whoami' && res.status === 200 ? json(200, { ...parse(res.body), id: 'acct_reference' }) : undefined) },
  ],
  [
    'errors are plain JSON, not problem details',
    /problem details/,
    {
      response: (_req, res) => {
        if (res.status < 400) return undefined;
        const { error, error_description } = parse(res.body);
        return { ...res, headers: { ...res.headers, 'content-type': 'application/json' }, body: JSON.stringify({ error, error_description }) };
      },
    },
  ],
  [
    'idempotency keys are ignored',
    /^idempotency/,
    {
      request: (req) => {
        if (req.method !== 'POST' || req.path !== '/v1/credentials') return undefined;
        const { 'idempotency-key': _drop, ...headers } = req.headers;
        return { ...req, headers };
      },
    },
  ],
  [
    '/rotate forgets rotated_from',
    /^\/rotate: a new credential/,
    {
      response: (req, res) =>
        req.path.endsWith('/rotate') && res.status < 300 ? json(res.status, { ...parse(res.body), rotated_from: undefined }) : undefined,
    },
  ],
  [
    '/rotate gives the create default lifetime, not the old one',
    /^\/rotate: a new credential/,
    {
      request: (req) => (req.path.endsWith('/rotate') && req.body.trim() === '{}' ? { ...req, body: JSON.stringify({ ttl_seconds: 365 * 86400 }) } : undefined),
    },
  ],
  [
    'the audit has no rotated event',
    /rotated event on the old credential/,
    {
      response: (req, res) => {
        if (!req.path.endsWith('/events')) return undefined;
        const body = parse(res.body) as { events?: { action: string }[] };
        return json(res.status, { ...body, events: (body.events ?? []).filter((e) => e.action !== 'rotated') });
      },
    },
  ],
  [
    'scope widens instead of refusing',
    /refuse to widen/,
    {
      request: (req) =>
        req.path.endsWith('/scope')
          ? { ...req, body: JSON.stringify({ scope: parse(req.body).scope && [((parse(req.body).scope as string[]) ?? [])[0]] }) }
          : undefined,
    },
  ],
  [
    'reactivate does nothing',
    /deactivate is reversible/,
    { request: (req) => (req.path.endsWith('/reactivate') ? json(200, { status: 'active' }) : undefined) },
  ],
  [
    'revoke is a no-op',
    /^revoke: immediately inactive/,
    { request: (req) => (req.method === 'POST' && req.path === '/v1/revoke' ? json(200, {}) : undefined) },
  ],
  [
    'pagination never ends a page',
    /paginate/,
    {
      response: (req, res) => {
        if (req.method !== 'GET' || !req.path.startsWith('/v1/credentials?') || !req.path.includes('limit=')) return undefined;
        return json(200, { ...parse(res.body), next_cursor: null });
      },
    },
  ],
  [
    'access requests lack user_code and interval',
    /user_code, verification_uri/,
    {
      response: (req, res) => {
        if (req.method !== 'POST' || req.path !== '/v1/access-requests') return undefined;
        const { user_code: _u, interval: _i, ...rest } = parse(res.body);
        return json(res.status, rest);
      },
    },
  ],
  [
    'pick-up before approval answers 200 pending (the 0.1 shape)',
    /picked up at most once/,
    {
      response: (req, res) =>
        req.method === 'GET' && /^\/v1\/access-requests\/[^/?]+$/.test(req.path) && parse(res.body).error === 'authorization_pending'
          ? json(200, { status: 'pending' })
          : undefined,
    },
  ],
  [
    'a denied request answers 200',
    /denied means access_denied/,
    {
      response: (req, res) =>
        req.method === 'GET' && /^\/v1\/access-requests\/[^/?]+$/.test(req.path) && parse(res.body).error === 'access_denied'
          ? json(200, { status: 'denied' })
          : undefined,
    },
  ],
  [
    'token exchange does not need subject_token_type',
    /^token exchange/,
    {
      request: (req) => {
        if (req.path !== '/v1/token') return undefined;
        const form = new URLSearchParams(req.body);
        if (!form.has('subject_token_type')) form.set('subject_token_type', 'urn:ietf:params:oauth:token-type:access_token');
        return { ...req, body: form.toString() };
      },
    },
  ],
  [
    'exchanged tokens outlive their subject',
    /^token exchange/,
    { response: (req, res) => (req.path === '/v1/token' && res.status === 200 ? json(200, { ...parse(res.body), expires_in: 30 * 86400 }) : undefined) },
  ],
  ['leak reports are ignored', /^leak report/, { request: (req) => (req.path === '/v1/leak-reports' ? json(202, { received: 1 }) : undefined) }],
  [
    'leak reports tell known keys from unknown ones',
    /^leak report/,
    {
      request: async (req, forward) => {
        if (req.path !== '/v1/leak-reports') return undefined;
        const known = parse(req.body).tokens !== undefined;
        const res = await forward(req);
        return known ? json(202, { received: 1, revoked: 1 }) : res;
      },
    },
  ],
  [
    'a 429 without Retry-After',
    /a 429 carries Retry-After/,
    { request: (req) => (req.path === '/v1/leak-reports' && ++leakReports > 3 ? json(429, { error: 'too_many_requests' }) : undefined) },
  ],
  [
    'security events signed by a key not in jwks_uri',
    /^security events are SETs/,
    {
      response: (req) =>
        req.path === '/v1/jwks'
          ? json(200, {
              keys: [
                { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'other' },
              ],
            })
          : undefined,
    },
  ],
  [
    'no security events at all',
    /^security events are SETs/,
    { response: (req) => (req.path === '/v1/security-events' ? json(200, { sets: {}, moreAvailable: false }) : undefined) },
  ],
];

describe('deliberately broken issuers fail conformance', () => {
  it('the reference issuer passes every check (the baseline the cases break)', async () => {
    const report = await runConformance(reference.url, { adminToken: reference.adminToken });
    expect(report.checks.filter((c) => c.status !== 'pass')).toEqual([]);
  });

  it.each(CASES)('%s', async (_name, failing, breakage) => {
    const broken = await brokenIssuer(reference.url, breakage);
    try {
      const report = await runConformance(broken.url, { adminToken: reference.adminToken });
      expect(report.passed).toBe(false);
      const failed = report.checks.filter((c) => c.status === 'fail').map((c) => c.name);
      expect(
        failed.some((n) => failing.test(n)),
        `failed: ${failed.join(' | ') || 'nothing'}`,
      ).toBe(true);
      const text = JSON.stringify(report);
      expect(text).not.toContain(reference.adminToken);
      if (report.checks.some((c) => c.name.startsWith('create') && c.status === 'pass')) expect(broken.secrets.size).toBeGreaterThan(0);
      for (const secret of broken.secrets) expect(text.includes(secret), 'a secret reached the report').toBe(false);
    } finally {
      await broken.close();
    }
  });
});
