import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDotenv } from '../core/dotenv.js';
import { fingerprint } from '../core/fingerprint.js';
import { secretCandidates } from '../apply/binding.js';
import type { Graph } from '../graph/types.js';
import type { ProviderEntry } from '../providers/registry.js';
import { StandardClient } from '../providers/standard-client.js';
import * as pg from '../providers/adapters/postgres.js';
import type { AccessScope, Risk } from './model.js';

/**
 * Asking providers about a credential: is it live, and what can it reach? Only through calls that
 * are harmless by design: the standard's whoami (authenticated with the credential itself) and,
 * for PostgreSQL, a login attempt. Values come from the leak evidence or the project's own files,
 * stay in memory, and are never printed.
 */
export interface ProbeResult {
  liveness: { status: 'active' | 'inactive' | 'unknown'; reason?: string };
  access: { status: 'known' | 'unknown'; reason?: string; scopes: AccessScope[] };
  /** Seconds since epoch, when the provider says. */
  expiresAt?: number;
}

/** Find the value of credential `id` in the project (a .env entry or the line it appears on). */
export function valueFromProject(root: string, graph: Graph, id: string): string | undefined {
  const files = new Set(graph.edges.filter((e) => e.type === 'appears-in' && e.from === id).map((e) => e.to.replace(/^file:/, '')));
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(join(root, file), 'utf8');
    } catch {
      continue;
    }
    for (const entry of parseDotenv(text).entries) {
      for (const c of secretCandidates(entry.name, entry.value)) if (fingerprint(c) === id) return c;
    }
    for (const line of text.split('\n')) {
      for (const c of secretCandidates('', line.trim())) if (fingerprint(c) === id) return c;
      for (const token of line.match(/[^\s"'`=:,]{8,}/g) ?? []) if (fingerprint(token) === id) return token;
    }
  }
  return undefined;
}

function riskOf(scope: string): Risk {
  if (/admin|owner|root|superuser|\*|full/i.test(scope)) return 'admin';
  if (/write|create|update|delete|manage|send|publish/i.test(scope)) return 'write';
  return 'read';
}

export function describeScopes(scopes: string[], provider?: ProviderEntry): AccessScope[] {
  const known = new Map((provider?.permissions?.scopes ?? []).map((s) => [s.name, s]));
  return scopes.map((scope) => {
    const k = known.get(scope);
    return { scope, description: k?.description ?? 'not described by the provider', risk: k?.risk ?? riskOf(scope) };
  });
}

export async function probe(value: string | undefined, provider: ProviderEntry | undefined, issuer: string | undefined): Promise<ProbeResult> {
  const unknown = (reason: string): ProbeResult => ({ liveness: { status: 'unknown', reason }, access: { status: 'unknown', reason, scopes: [] } });
  if (!provider) return unknown('no provider recognised this credential');
  if (value === undefined) return unknown('its value is not available here to check');
  if (provider.id === 'postgres') {
    try {
      const status = await pg.loginStatus(value, pg.loginFromUrl(value));
      if (status === 'unreachable') return unknown('the database did not answer');
      return { liveness: { status: status === 'ok' ? 'active' : 'inactive', reason: status === 'ok' ? 'it logged in just now' : 'the server refuses it' }, access: { status: 'unknown', reason: 'role privileges are not inspected', scopes: [] } };
    } catch {
      return unknown('not a connection URL credctl can try');
    }
  }
  if (provider.adapter?.module === 'standard' && issuer) {
    const client = new StandardClient({ providerId: provider.id, issuer, timeoutMs: 5000 });
    try {
      const who = await client.whoami(value);
      return {
        liveness: { status: 'active', reason: `${provider.name} accepted it just now` },
        access: { status: 'known', scopes: describeScopes(who.scopes, provider) },
        ...(who.expiresAt ? { expiresAt: Date.parse(who.expiresAt) / 1000 } : {}),
      };
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 401 || status === 403) return { liveness: { status: 'inactive', reason: `${provider.name} refuses it` }, access: { status: 'known', scopes: [] } };
      return unknown(`${provider.name} could not be asked: ${(err as Error).message.split('\n')[0]}`);
    } finally {
      await client.close();
    }
  }
  return unknown(`credctl has no API to ask ${provider.name}`);
}
