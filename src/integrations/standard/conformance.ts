import { CredctlError } from '../../core/errors.js';
import { ExitCode } from '../../core/exit-codes.js';
import { randomUUID } from 'node:crypto';
import { maskValues, redact } from '../../core/redact.js';
import { issuerOrigin, WELL_KNOWN_PATH } from './discover.js';
import { originOf, SafeHttp, type SafeHttpOptions } from '../../net/http.js';
import { validateManifest, validatePermissions, type Manifest, type PermissionSchemaDoc } from '../../providers/manifest.js';
import { IssuerResponseError, StandardClient } from './client.js';
import type { CreatedCredential } from '../../providers/adapter.js';

/**
 * `credctl issuer conformance <url>`: the checks any issuer can run against its own
 * implementation of spec/credential-issuer.md. Each check is independent where it can be, so
 * one failure does not hide the rest; checks for operations the manifest does not declare are
 * skipped, not failed. Everything the suite creates is revoked at the end.
 */
export interface CheckResult {
  name: string;
  status: 'pass' | 'fail' | 'skip';
  detail?: string;
}

export interface ConformanceReport {
  issuer: string;
  passed: boolean;
  checks: CheckResult[];
}

export interface ConformanceOptions extends SafeHttpOptions {
  adminToken?: string;
}

class CheckFailed extends Error {}

function expect(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckFailed(message);
}

export async function runConformance(input: string, options: ConformanceOptions = {}): Promise<ConformanceReport> {
  const origin = issuerOrigin(input);
  const http = new SafeHttp(options);
  const checks: CheckResult[] = [];
  const created: CreatedCredential[] = [];
  const secrets: string[] = [];
  let manifest: Manifest | undefined;
  let permissions: PermissionSchemaDoc | undefined;
  let client: StandardClient | undefined;

  const check = async (name: string, fn: () => Promise<void | string>, skipUnless = true, why = 'not declared by the manifest'): Promise<boolean> => {
    if (!skipUnless) {
      checks.push({ name, status: 'skip', detail: why });
      return false;
    }
    try {
      const detail = await fn();
      checks.push({ name, status: 'pass', ...(detail ? { detail } : {}) });
      return true;
    } catch (err) {
      const detail = maskValues(err instanceof Error ? err.message : String(err), secrets);
      checks.push({ name, status: 'fail', detail });
      return false;
    }
  };
  const has = (op: string) => manifest?.supported_operations.includes(op as never) === true;
  // An endpoint the manifest names is called (and handed the admin token) only on the issuer's own
  // origin, as the standard client insists: a manifest cannot send it elsewhere.
  const onIssuer = (url: string): string => {
    expect(originOf(url) === origin, `${url} is not on the issuer's origin ${origin}; not contacted`);
    return url;
  };

  try {
    let body: unknown;
    // An issuer that cannot be reached (or may not be contacted) is not a failed check: the
    // suite stops with that error and its exit code (5 unreachable, 6 refused).
    let unreachable: unknown;
    await check('manifest is served at /.well-known/credential-issuer as JSON', async () => {
      const res = await http.request(origin + WELL_KNOWN_PATH, { headers: { accept: 'application/json' } }).catch((err: unknown) => {
        if (err instanceof CredctlError && (err.exitCode === ExitCode.Remote || err.exitCode === ExitCode.Refused)) unreachable = err;
        throw err;
      });
      expect(res.status === 200, `HTTP ${res.status}, expected 200`);
      expect(/^application\/([a-z.+-]*\+)?json\b/.test(res.headers['content-type'] ?? ''), `content type ${res.headers['content-type'] ?? '(none)'}`);
      body = JSON.parse(res.body.toString('utf8'));
      if (res.headers.etag) {
        const again = await http.request(origin + WELL_KNOWN_PATH, { headers: { 'if-none-match': res.headers.etag } });
        expect(again.status === 304, `If-None-Match with its own ETag answered ${again.status}, expected 304`);
        return 'ETag and 304 supported';
      }
      return 'no ETag (clients cannot cache it)';
    });
    if (unreachable) throw unreachable;
    await check(
      'manifest validates against spec/credential-issuer.schema.json',
      async () => {
        manifest = validateManifest(body, { source: 'manifest' });
      },
      body !== undefined,
      'no manifest',
    );
    await check(
      'issuer equals the origin serving the manifest',
      async () => {
        const issuer = (body as { issuer?: unknown }).issuer;
        expect(issuer === origin, `issuer is ${JSON.stringify(issuer)}, served from ${origin}`);
      },
      typeof body === 'object' && body !== null,
      'no manifest',
    );
    if (!manifest) return finish();
    await check(
      'permission schema validates',
      async () => {
        const res = await http.request(onIssuer(manifest!.permission_schema_url!), { headers: { accept: 'application/json' } });
        expect(res.status === 200, `HTTP ${res.status}`);
        permissions = validatePermissions(JSON.parse(res.body.toString('utf8')), 'permission schema');
      },
      Boolean(manifest.permission_schema_url),
    );

    client = new StandardClient({ issuer: origin, adminToken: options.adminToken, manifest, http });
    const scopeNames = permissions?.scopes.map((s) => s.name) ?? manifest.scopes_supported ?? [];
    const readScope = permissions?.scopes.find((s) => s.risk === 'read' && !s.implies?.length)?.name ?? scopeNames[0];
    const otherScope = scopeNames.find(
      (s) =>
        s !== readScope &&
        !permissions?.scopes.find((d) => d.name === readScope)?.implies?.includes(s) &&
        !permissions?.scopes.find((d) => d.name === s)?.implies?.includes(readScope!),
    );
    const canCreate = has('create') && options.adminToken !== undefined && readScope !== undefined;
    const why = options.adminToken === undefined ? 'needs --admin-token-file' : 'create not declared';

    let first: CreatedCredential | undefined;
    await check(
      'create returns id, value and scopes',
      async () => {
        first = await client!.create({ scopes: otherScope ? [readScope!, otherScope] : [readScope!], name: 'conformance' });
        created.push(first);
        secrets.push(first.value);
        expect(first.id && first.value, 'missing id or value');
        expect(first.scopes.includes(readScope!), `scopes ${JSON.stringify(first.scopes)} lack ${readScope}`);
      },
      canCreate,
      why,
    );

    await check(
      'created value matches a declared credential_pattern',
      async () => {
        const ok = manifest!.credential_patterns!.some((p) => new RegExp(p.regex).test(first!.value));
        expect(ok, `${redact(first!.value)} matches none of ${manifest!.credential_patterns!.length} patterns`);
      },
      first !== undefined && Boolean(manifest.credential_patterns?.length),
      'no credential_patterns or nothing created',
    );

    await check(
      'introspect: active with its scope (RFC 7662)',
      async () => {
        const info = await client!.introspect(first!.value);
        expect(info.active, 'active is not true');
        expect(info.scopes?.includes(readScope!), `scope is ${JSON.stringify(info.scopes)}`);
        const unknown = await client!.introspect(`${first!.value.slice(0, -4)}FAKE`);
        expect(!unknown.active, 'an unknown token is reported active');
      },
      first !== undefined && has('introspect'),
    );

    await check(
      'whoami answers for the new credential',
      async () => {
        const me = await client!.whoami(first!.value);
        expect(me.id === first!.id, `whoami id ${me.id}, created ${first!.id}`);
      },
      first !== undefined && Boolean(manifest.whoami_endpoint),
      'no whoami_endpoint',
    );

    await check(
      'idempotency: same key replays the same credential, another body is rejected',
      async () => {
        const key = randomUUID();
        const a = await client!.create({ scopes: [readScope!], idempotencyKey: key });
        created.push(a);
        secrets.push(a.value);
        const b = await client!.create({ scopes: [readScope!], idempotencyKey: key });
        expect(b.id === a.id, `replay returned ${b.id}, first call ${a.id}`);
        expect(b.value === a.value, 'replay returned another value');
        const clash = await client!.create({ scopes: otherScope ? [otherScope] : [readScope!], name: 'clash', idempotencyKey: key }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(clash instanceof IssuerResponseError && clash.status >= 400 && clash.status < 500, 'reusing a key with another body was accepted');
      },
      canCreate && manifest.supports_idempotency_keys === true,
      'supports_idempotency_keys is not true',
    );

    let rotated: CreatedCredential | undefined;
    await check(
      'rotate: a new credential, old one still active until revoked',
      async () => {
        rotated = await client!.rotate(first!.id, { scopes: [readScope!] });
        created.push(rotated);
        secrets.push(rotated.value);
        expect(rotated.id !== first!.id && rotated.value !== first!.value, 'rotation returned the same credential');
        expect((await client!.introspect(first!.value)).active, 'the old credential stopped working at rotation');
        expect((await client!.introspect(rotated.value)).active, 'the new credential is not active');
      },
      first !== undefined && has('rotate') && has('introspect'),
    );

    await check(
      'rotate/scope refuse to widen scopes',
      async () => {
        const target = rotated ?? first!;
        const wider = [...target.scopes, otherScope!];
        const err = await client!.scope(target.id, wider).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err instanceof IssuerResponseError && err.status === 400, 'widening was accepted');
        expect(err.code === 'invalid_scope', `error code ${err.code}, expected invalid_scope`);
      },
      first !== undefined && has('scope') && otherScope !== undefined,
      'scope not declared or only one scope',
    );

    await check(
      'deactivate is reversible',
      async () => {
        const c = rotated ?? first!;
        expect((await client!.deactivate(c.id)).status === 'deactivated', 'status is not deactivated');
        expect(!(await client!.introspect(c.value)).active, 'a deactivated credential is active');
        expect((await client!.reactivate(c.id)).status === 'active', 'status is not active after reactivate');
        expect((await client!.introspect(c.value)).active, 'a reactivated credential is inactive');
      },
      first !== undefined && has('deactivate') && has('reactivate') && has('introspect'),
    );

    await check(
      'revoke: immediately inactive; unknown tokens answer 200 (RFC 7009)',
      async () => {
        await client!.revoke({ id: first!.id });
        expect(!(await client!.introspect(first!.value)).active, 'introspection still active after revoke');
        if (manifest!.whoami_endpoint) {
          const err = await client!.whoami(first!.value).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err instanceof IssuerResponseError && err.status === 401, 'the protected call still accepts a revoked credential');
        }
        await client!.revoke({ value: `${first!.value.slice(0, -4)}FAKE` });
      },
      first !== undefined && has('revoke') && has('introspect'),
    );

    await check(
      'list never returns values',
      async () => {
        const res = await http.request(onIssuer(manifest!.credential_issuer_endpoint!), {
          headers: { authorization: `Bearer ${options.adminToken}`, accept: 'application/json' },
        });
        expect(res.status === 200, `HTTP ${res.status}`);
        const text = res.body.toString('utf8');
        const leaked = secrets.filter((s) => text.includes(s));
        expect(leaked.length === 0, `the list contains ${leaked.length} credential value(s)`);
        expect(
          (await client!.list()).some((c) => c.id === first!.id),
          'a created credential is missing from the list',
        );
      },
      first !== undefined && has('list'),
    );

    await check(
      'audit records create, rotate and revoke',
      async () => {
        const actions = (await client!.audit(first!.id)).map((e) => e.action);
        for (const a of ['created', 'rotated', 'revoked']) expect(actions.includes(a), `no "${a}" event (got ${actions.join(', ') || 'none'})`);
      },
      first !== undefined && has('audit') && has('rotate') && has('revoke'),
    );

    await check(
      'errors use the {error, error_description} shape',
      async () => {
        const res = await http.request(onIssuer(manifest!.credential_issuer_endpoint!), { headers: { accept: 'application/json' } });
        expect(res.status === 401, `unauthenticated list answered ${res.status}, expected 401`);
        const json = JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
        expect(typeof json.error === 'string', 'no string "error" member');
        expect(json.error_description === undefined || typeof json.error_description === 'string', 'error_description is not a string');
      },
      Boolean(manifest.credential_issuer_endpoint),
    );

    await check(
      'access request: request → pending → approve → pick up',
      async () => {
        const url = onIssuer(manifest!.access_request_endpoint!);
        const asked = await http.request(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ requester: 'credctl-conformance', scope: [readScope], ttl_seconds: 300 }),
        });
        expect(asked.status === 201, `request answered ${asked.status}`);
        const req = JSON.parse(asked.body.toString('utf8')) as { id: string; status: string; request_secret: string };
        expect(req.status === 'pending', `status ${req.status}`);
        expect(typeof req.id === 'string' && /^[A-Za-z0-9_-]{1,200}$/.test(req.id), 'the access request id is not a plain id');
        secrets.push(req.request_secret);
        const approve = await http.request(`${url}/${req.id}/approve`, {
          method: 'POST',
          headers: { authorization: `Bearer ${options.adminToken}`, 'content-type': 'application/json' },
          body: '{}',
        });
        expect(approve.status === 200, `approve answered ${approve.status}`);
        const pick = await http.request(`${url}/${req.id}`, { headers: { authorization: `Bearer ${req.request_secret}` } });
        const got = JSON.parse(pick.body.toString('utf8')) as { credential?: CreatedCredential & { expires_at?: string } };
        expect(got.credential?.value, 'no credential delivered after approval');
        secrets.push(got.credential.value);
        created.push({ ...got.credential, replayed: false });
        expect(got.credential.expires_at, 'the delivered credential does not expire');
      },
      has('request') && has('approve') && Boolean(manifest.access_request_endpoint) && options.adminToken !== undefined && readScope !== undefined,
    );

    return finish();
  } finally {
    // Leave nothing usable behind.
    if (client) for (const c of created) await client.revoke({ id: c.id }).catch(() => undefined);
    await http.close();
  }

  function finish(): ConformanceReport {
    return { issuer: origin, passed: checks.every((c) => c.status !== 'fail'), checks };
  }
}
