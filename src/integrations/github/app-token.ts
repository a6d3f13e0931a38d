import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { inputError } from '../../core/errors.js';
import { vendorCall, vendorFailure } from '../kit.js';
import type { IntegrationContext } from '../types.js';
import { GITHUB_HEADERS } from './headers.js';

/**
 * GitHub App installation tokens: the down-scoped, one-hour credential an app hands to a job
 * instead of a long-lived personal access token.
 *   POST /app/installations/{installation_id}/access_tokens   (Authorization: Bearer <app JWT>)
 *   body { repositories?: [name], repository_ids?: [id], permissions?: { contents: "read", ... } }
 *   → 201 { token: "ghs_…", expires_at, permissions, repository_selection, repositories? }
 * The app authenticates with a JWT it signs itself: RS256 with the app's private key, `iss` the
 * app's client id (or numeric app id), `iat` 60 s in the past against clock drift, `exp` at most
 * 10 minutes after issue. Signing is node:crypto; only the two JSON parts are assembled here.
 */
export interface InstallationTokenRequest {
  /** The app's client id (recommended by GitHub) or numeric app id: the JWT `iss`. */
  appId: string;
  /** The app's private key, PEM (PKCS#1 "RSA PRIVATE KEY" as GitHub issues it, or PKCS#8). */
  privateKey: string;
  installationId: string | number;
  /** Repository names (without owner) the token is limited to; at most 500. */
  repositories?: string[];
  repositoryIds?: number[];
  /** Permission name → "read" | "write" | "admin", each no more than the installation has. */
  permissions?: Record<string, 'read' | 'write' | 'admin'>;
  /** Seconds since the epoch (tests). */
  now?: number;
}

export interface InstallationToken {
  value: string;
  expiresAt: string;
  permissions: Record<string, string>;
  repositorySelection?: string;
  repositories?: string[];
}

const MAX_REPOSITORIES = 500;

function base64url(data: string | Buffer): string {
  return Buffer.from(data).toString('base64url');
}

function rsaKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw inputError(
      'the GitHub App private key is not a readable PEM private key',
      'Use the .pem file GitHub generated for the app (Settings → Developer settings → GitHub Apps → Private keys).',
    );
  }
  if (key.asymmetricKeyType !== 'rsa')
    throw inputError(`the GitHub App private key is ${key.asymmetricKeyType ?? 'not an asymmetric key'}, GitHub Apps sign with RSA (RS256)`);
  return key;
}

/** The app's JWT: RS256, iat 60 s back, exp 9 minutes ahead (GitHub refuses more than 10). */
export function appJwt(appId: string, privateKey: string, now = Math.floor(Date.now() / 1000)): string {
  if (!/^[A-Za-z0-9.]{1,64}$/.test(appId)) throw inputError('the GitHub App id must be its client id (Iv1.… / Iv23…) or numeric app id');
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify({ iat: now - 60, exp: now + 9 * 60, iss: /^\d+$/.test(appId) ? Number(appId) : appId }));
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), rsaKey(privateKey));
  return `${header}.${payload}.${base64url(signature)}`;
}

export async function createInstallationToken(ctx: IntegrationContext, req: InstallationTokenRequest): Promise<InstallationToken> {
  const installation = String(req.installationId);
  if (!/^\d+$/.test(installation)) throw inputError('the GitHub App installation id must be a number');
  const repoCount = (req.repositories?.length ?? 0) + (req.repositoryIds?.length ?? 0);
  if (repoCount > MAX_REPOSITORIES)
    throw inputError(`an installation token can be limited to at most ${MAX_REPOSITORIES} repositories (asked for ${repoCount})`);
  const jwt = appJwt(req.appId, req.privateKey, req.now);
  const secrets = [jwt, req.privateKey];
  const json: Record<string, unknown> = {};
  if (req.repositories?.length) json.repositories = req.repositories;
  if (req.repositoryIds?.length) json.repository_ids = req.repositoryIds;
  if (req.permissions && Object.keys(req.permissions).length) json.permissions = req.permissions;
  // Not retried: every call mints a new token.
  const reply = await vendorCall(ctx, `/app/installations/${installation}/access_tokens`, {
    method: 'POST',
    headers: { ...GITHUB_HEADERS, authorization: `Bearer ${jwt}` },
    json,
    secrets,
  });
  const body = reply.json;
  if (reply.status !== 201 || reply.malformed || typeof body?.token !== 'string' || typeof body.expires_at !== 'string') {
    throw vendorFailure('GitHub', 'did not create the installation token', reply.status === 201 ? { ...reply, malformed: true } : reply, [
      ...secrets,
      ...(typeof body?.token === 'string' ? [body.token] : []),
    ]);
  }
  return {
    value: body.token,
    expiresAt: body.expires_at,
    permissions: body.permissions && typeof body.permissions === 'object' ? body.permissions : {},
    ...(typeof body.repository_selection === 'string' ? { repositorySelection: body.repository_selection } : {}),
    ...(Array.isArray(body.repositories) ? { repositories: body.repositories.map((r: any) => String(r?.full_name ?? r?.name)) } : {}),
  };
}
