import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDotenv } from '../core/dotenv.js';
import { fingerprint } from '../core/fingerprint.js';
import { secretCandidates } from '../scan/secret-candidates.js';
import type { Graph } from '../graph/types.js';
import type { WiredProvider } from '../integrations/providers.js';
import type { CredentialPart, Identity, Support } from '../integrations/types.js';
import { verifyMany, type VerifyJob } from '../integrations/verify-many.js';
import { riskFromWords } from '../integrations/kit.js';
import type { SafeHttp } from '../net/http.js';
import type { AccessScope } from './model.js';

/**
 * Asking providers about credentials: is each live, whose is it, what can it reach? Only through
 * the integrations' verify and analyze, which are harmless by design (a whoami made with the
 * credential itself). Values come from the leak evidence or the project's own files, stay in
 * memory, and are never printed. Many credentials are asked at once, each vendor at its own pace.
 */
export interface ProbeResult {
  liveness: { status: 'active' | 'inactive' | 'unknown'; reason?: string };
  access: { status: 'known' | 'unknown'; reason?: string; scopes: AccessScope[] };
  /** Seconds since epoch, when the provider says. */
  expiresAt?: number;
  /** Who it acts as and in which account, when the provider says. */
  identity?: Identity;
  /** ISO time of its last use, when the provider says. */
  lastUsedAt?: string;
  /** Can credctl revoke it right now: through the API, by a person's step, or not at all. */
  revoke: Support;
}

export interface ProbeRequest {
  key: string;
  value: string | undefined;
  parts?: Record<string, string>;
  provider: WiredProvider | undefined;
  /** The provider's admin credential, when the project is trusted and names one. */
  adminSecret?: () => Promise<string>;
  /** The provider's plain ids from trusted credctl.yaml (a Datadog site, a Shopify shop). */
  settings?: Record<string, string>;
}

/** Find the value of credential `id` in the project (a .env entry or the line it appears on). */
export function valueFromProject(root: string, graph: Graph, id: string): string | undefined {
  for (const text of filesOf(root, graph, id)) {
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

/**
 * The other parts of a multi-part credential (an AWS key id next to its secret), from the files
 * the credential appears in: an entry under one of the part's env names, else the one value in
 * those files that fits the part's pattern. Ambiguity gives nothing rather than a guess.
 */
export function partsFromProject(root: string, graph: Graph, id: string, parts: readonly CredentialPart[] | undefined): Record<string, string> | undefined {
  if (!parts?.length) return undefined;
  const texts = filesOf(root, graph, id);
  const out: Record<string, string> = {};
  for (const part of parts) {
    const found = new Set<string>();
    for (const text of texts) {
      const entries = parseDotenv(text).entries;
      for (const name of part.envNames) for (const e of entries) if (e.name === name && e.value) found.add(e.value);
      if (found.size === 0 && part.pattern) {
        const global = new RegExp(part.pattern.source, part.pattern.flags.includes('g') ? part.pattern.flags : `${part.pattern.flags}g`);
        for (const m of text.matchAll(global)) found.add(m[1] ?? m[0]);
      }
    }
    if (found.size === 1) out[part.role] = [...found][0]!;
  }
  return Object.keys(out).length ? out : undefined;
}

/** The parts among leaked values (an AWS key id leaked beside its secret): only when one value fits. */
export function partsFromValues(values: string[], parts: readonly CredentialPart[] | undefined): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const part of parts ?? []) {
    if (!part.pattern) continue;
    const whole = new RegExp(`^(?:${part.pattern.source.replace(/^\\b|\\b$/g, '')})$`);
    const fits = [...new Set(values.filter((v) => whole.test(v)))];
    if (fits.length === 1) out[part.role] = fits[0]!;
  }
  return Object.keys(out).length ? out : undefined;
}

function filesOf(root: string, graph: Graph, id: string): string[] {
  const files = new Set(graph.edges.filter((e) => e.type === 'appears-in' && e.from === id).map((e) => e.to.replace(/^file:/, '')));
  const out: string[] = [];
  for (const file of files) {
    try {
      out.push(readFileSync(join(root, file), 'utf8'));
    } catch {
      // Gone or unreadable since the scan: nothing to read there.
    }
  }
  return out;
}

export function describeScopes(scopes: string[], provider?: WiredProvider): AccessScope[] {
  const known = new Map((provider?.permissions?.scopes ?? []).map((s) => [s.name, s]));
  return scopes.map((scope) => {
    const k = known.get(scope);
    return { scope, description: k?.description ?? 'not described by the provider', risk: k?.risk ?? riskFromWords(scope) };
  });
}

const unknown = (reason: string, revoke: Support): ProbeResult => ({
  liveness: { status: 'unknown', reason },
  access: { status: 'unknown', reason, scopes: [] },
  revoke,
});

export async function probeAll(requests: ProbeRequest[], options: { http?: SafeHttp } = {}): Promise<Map<string, ProbeResult>> {
  const out = new Map<string, ProbeResult>();
  const jobs: VerifyJob[] = [];
  for (const r of requests) {
    const revoke = r.provider?.capabilities.revoke ?? 'none';
    if (!r.provider) out.set(r.key, unknown('no provider recognised this credential', revoke));
    else if (r.value === undefined) out.set(r.key, unknown('its value is not available here to check', revoke));
    else if (!r.provider.integration?.verify || (r.provider.integration.followsManifest && !r.provider.issuer))
      out.set(r.key, unknown(`credctl has no API to ask ${r.provider.name}`, revoke));
    else
      jobs.push({
        key: r.key,
        provider: r.provider,
        credential: { value: r.value, ...(r.parts ? { parts: r.parts } : {}) },
        ...(r.adminSecret ? { adminSecret: r.adminSecret } : {}),
        ...(r.settings ? { settings: r.settings } : {}),
      });
  }
  const answers = await verifyMany(jobs, options.http ? { http: options.http } : {});
  for (const job of jobs) {
    const a = answers.get(job.key)!;
    const v = a.verification;
    const revoke = job.provider.capabilities.revoke;
    const liveness = {
      status: v.status === 'live' ? ('active' as const) : v.status === 'dead' ? ('inactive' as const) : ('unknown' as const),
      reason: v.reason,
    };
    let access: ProbeResult['access'];
    if (a.analysis && a.analysis.grants.length === 0 && !a.analysis.complete) {
      access = { status: 'unknown', reason: a.analysis.note ?? `${job.provider.name} does not say what it can reach`, scopes: [] };
    } else if (a.analysis) {
      const described = describeScopes(
        a.analysis.grants.map((g) => g.scope),
        job.provider,
      );
      // The vendor's own risk and words win over the schema's guess where it gives them.
      const scopes = described.map((d, i) => ({
        ...d,
        risk: a.analysis!.grants[i]!.risk,
        ...(a.analysis!.grants[i]!.description ? { description: a.analysis!.grants[i]!.description! } : {}),
      }));
      access = { status: 'known', scopes, ...(a.analysis.complete ? {} : { reason: a.analysis.note ?? `${job.provider.name} shows only part of its access` }) };
    } else if (v.status === 'dead') {
      access = { status: 'known', scopes: [] };
    } else {
      const why = a.analysisError ?? (v.status === 'live' ? `${job.provider.name} does not say what it can reach` : v.reason);
      access = { status: 'unknown', reason: why, scopes: [] };
    }
    out.set(job.key, {
      liveness,
      access,
      ...(v.expiresAt ? { expiresAt: Date.parse(v.expiresAt) / 1000 } : {}),
      ...(v.identity && Object.keys(v.identity).length ? { identity: v.identity } : {}),
      ...(v.lastUsedAt ? { lastUsedAt: v.lastUsedAt } : {}),
      revoke,
    });
  }
  return out;
}
