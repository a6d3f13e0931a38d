import { createHash } from 'node:crypto';
import type { CredctlConfig } from '../config/credctl-yaml.js';
import type { ProjectSettings } from '../config/sections.js';

/**
 * The security-relevant part of a repository's credctl.yaml: everything that makes credctl run a
 * command, contact a URL, or hand a stored secret to something. This, and only this, is what a
 * person trusts with `credctl trust`; its digest is what the trust record (kept outside the
 * repository) and CI's CREDCTL_TRUST pin. Owners, scopes, access lists and policy are not in it:
 * they change what credctl reports, never what it runs or sends.
 */
export interface TrustSurface {
  /** Health-check commands: run with the new value in their environment. */
  commands: { credential: string; command: string; env: string[] }[];
  /** URLs credctl would contact, and what it sends there. */
  urls: { use: string; url: string; sends: string }[];
  /** Store entries handed to providers as admin credentials, and where they go. */
  secrets: { entry: string; provider: string; issuer: string | null }[];
  /** The GitHub repository whose Actions secrets credctl would write. */
  github: string | null;
  /**
   * Provider ids an integration builds API addresses from (a Shopify shop, a Supabase project):
   * they decide where a credential being checked is sent, so they are trusted like URLs.
   */
  settings?: { provider: string; key: string; value: string }[];
}

export function trustSurface(config: CredctlConfig, settings: ProjectSettings): TrustSurface {
  const commands: TrustSurface['commands'] = [];
  const urls: TrustSurface['urls'] = [];
  const secrets: TrustSurface['secrets'] = [];
  const ids: TrustSurface['settings'] = [];
  for (const [id, p] of Object.entries(settings.providers)) {
    for (const [key, value] of Object.entries(p.settings ?? {})) ids.push({ provider: id, key, value });
    if (p.issuer)
      urls.push({
        use: `providers.${id}.issuer`,
        url: p.issuer,
        sends: p.admin ? `the admin credential ${p.admin} and credentials being checked or rotated` : 'credentials being checked or rotated',
      });
    if (p.admin) secrets.push({ entry: p.admin.replace(/^store:/, ''), provider: id, issuer: p.issuer ?? null });
  }
  for (const [name, c] of Object.entries(settings.credentials)) {
    for (const check of c.health) {
      if ('command' in check) commands.push({ credential: name, command: check.command, env: [...(check.env ?? [])].sort() });
      else {
        const sends = check.http.bearer
          ? `the new ${name} as a bearer token`
          : check.http.valueHeader
            ? `the new ${name} in header ${check.http.valueHeader}`
            : 'no credential';
        urls.push({ use: `credentials.${name}.health`, url: check.http.url, sends });
      }
    }
  }
  const byJson = <T>(list: T[]) => list.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return { commands: byJson(commands), urls: byJson(urls), secrets: byJson(secrets), github: config.project?.github ?? null, settings: byJson(ids) };
}

export function isEmptySurface(s: TrustSurface): boolean {
  return s.commands.length === 0 && s.urls.length === 0 && s.secrets.length === 0 && s.github === null && !s.settings?.length;
}

/** `sha256:<hex>` of the surface's canonical JSON (keys in a fixed order, lists sorted). */
export function surfaceDigest(s: TrustSurface): string {
  // `settings` joins only when present, so digests of configs without any stay what they were.
  const canonical = JSON.stringify({
    commands: s.commands,
    urls: s.urls,
    secrets: s.secrets,
    github: s.github,
    ...(s.settings?.length ? { settings: s.settings } : {}),
  });
  return `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
}

/** The origins a trusted surface lets the network client reach even on private addresses. */
export function trustedOrigins(s: TrustSurface): string[] {
  const out = new Set<string>();
  for (const u of s.urls) {
    try {
      out.add(new URL(u.url).origin);
    } catch {
      // Not a URL: the config validation already said so.
    }
  }
  return [...out];
}

/** The surface as lines a person reads before trusting it (no values: there are none in it). */
export function describeSurface(s: TrustSurface): string[] {
  const lines: string[] = [];
  if (s.commands.length) {
    lines.push('Commands it runs (health checks; each gets the new value in its environment):');
    for (const c of s.commands) lines.push(`  ${c.credential}: ${c.command}${c.env.length ? `   (also gets ${c.env.join(', ')})` : ''}`);
  }
  if (s.urls.length) {
    lines.push('URLs it contacts:');
    for (const u of s.urls) lines.push(`  ${u.url}   (${u.use}; sends ${u.sends})`);
  }
  if (s.secrets.length) {
    lines.push('Stored secrets it hands over:');
    for (const e of s.secrets) lines.push(`  store:${e.entry} → ${e.provider} at ${e.issuer ?? 'its built-in API address'}`);
  }
  if (s.github) lines.push(`GitHub repository whose Actions secrets it writes: ${s.github}`);
  if (s.settings?.length) {
    lines.push('Provider ids it acts on (accounts, projects, shops: some decide which address is contacted):');
    for (const e of s.settings) lines.push(`  providers.${e.provider}.${e.key}: ${e.value}`);
  }
  return lines;
}
