import { CredctlError } from '../../../core/errors.js';
import { ExitCode } from '../../../core/exit-codes.js';
import { validateManifest, validatePermissions } from '../../../providers/manifest.js';
import type { Ctx } from './context.js';
import { expect, skip } from './types.js';

/**
 * Core, part 1: the well-known documents. An issuer that cannot be reached (or may not be
 * contacted) is not a failed check: the suite stops with that error and its exit code
 * (5 unreachable, 6 refused).
 */
export async function checkDocuments(ctx: Ctx): Promise<void> {
  let body: unknown;
  let unreachable: unknown;
  await ctx.check('core', 'manifest is served at /.well-known/credential-issuer as JSON', async () => {
    const url = ctx.wellKnown;
    const res = await ctx.http.request(url, { headers: { accept: 'application/json' } }).catch((err: unknown) => {
      if (err instanceof CredctlError && (err.exitCode === ExitCode.Remote || err.exitCode === ExitCode.Refused)) unreachable = err;
      throw err;
    });
    expect(res.status === 200, `HTTP ${res.status}, expected 200`);
    expect(/^application\/([a-z.+-]*\+)?json\b/.test(res.headers['content-type'] ?? ''), `content type ${res.headers['content-type'] ?? '(none)'}`);
    body = JSON.parse(res.body.toString('utf8'));
    if (!res.headers.etag) return 'no ETag (clients cannot cache it)';
    const again = await ctx.http.request(url, { headers: { 'if-none-match': res.headers.etag } });
    expect(again.status === 304, `If-None-Match with its own ETag answered ${again.status}, expected 304`);
    return 'ETag and 304 supported';
  });
  if (unreachable) throw unreachable;

  await ctx.check('core', 'manifest validates against spec/credential-issuer.schema.json', async () => {
    if (body === undefined) skip('no manifest');
    ctx.manifest = validateManifest(body, { source: 'manifest' });
  });

  await ctx.check('core', 'issuer equals the identifier the manifest was fetched for (RFC 8414 3.3)', async () => {
    if (typeof body !== 'object' || body === null) skip('no manifest');
    const issuer = (body as { issuer?: unknown }).issuer;
    expect(issuer === ctx.issuer, `issuer is ${JSON.stringify(issuer)}, fetched from ${ctx.wellKnown} for ${ctx.issuer}`);
  });
  if (!ctx.manifest) return;

  await ctx.check('core', 'permission schema validates', async () => {
    const res = await ctx.call('GET', ctx.endpoint('permission_schema_url'));
    expect(res.status === 200, `HTTP ${res.status}`);
    ctx.permissions = validatePermissions(JSON.parse(res.text), 'permission schema');
  });
  pickScopes(ctx);
}

/** A narrow scope to test with, and another that it neither includes nor is included by. */
function pickScopes(ctx: Ctx): void {
  const defs = ctx.permissions?.scopes;
  const names = defs?.map((s) => s.name) ?? ctx.manifest?.scopes_supported ?? [];
  const management = typeof ctx.m.management_scope === 'string' ? ctx.m.management_scope : undefined;
  const implies = (a: string, b: string) => defs?.find((d) => d.name === a)?.implies?.includes(b) === true;
  ctx.readScope = defs?.find((s) => s.risk === 'read' && !s.implies?.length && s.name !== management)?.name ?? names[0];
  ctx.otherScope = names.find((s) => s !== ctx.readScope && s !== management && !implies(ctx.readScope!, s) && !implies(s, ctx.readScope!));
}
