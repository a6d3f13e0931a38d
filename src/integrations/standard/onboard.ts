import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { inputError } from '../../core/errors.js';
import { issuerProviderEntry, setOnboardedProviders, type ProviderEntry } from '../../providers/registry.js';
import { providersDir } from '../../providers/rules.js';
import { issuerRuleGroup, setIssuerRules, type IssuerRuleGroup } from '../../scan/issuer-rules.js';
import { userCacheDir } from '../../scan/rules-cache.js';
import type { Discovery } from './discover.js';
import { clearOnboarded } from './onboarded-clear.js';

/**
 * Zero-code onboarding: a provider credctl.yaml names with an issuer (`providers.acme: { issuer:
 * https://acme.example }`) that has no providers/<id>/ folder is learnt from its manifest alone.
 * The manifest is fetched through the one safe client (discover.ts: https, loopback-only http,
 * the address policy, same-origin redirects, size and time caps), cached by ETag under credctl's
 * user cache (CREDCTL_CACHE_DIR/issuers; a 304 reuses it), and then the provider is registered
 * for this process like a built-in one: `credctl providers` lists it, its `credential_patterns`
 * join the scan's rules (checked: src/scan/issuer-rules.ts), and the standard client verifies and
 * rotates its keys.
 *
 * Only trusted settings reach here (the caller passes the actionable part of credctl.yaml): an
 * untrusted file's issuer is never contacted. An issuer that cannot be reached and has no cached
 * manifest is a one-line warning, not a failed command (a scan still runs); an invalid manifest
 * or pattern is an error (exit 3), a refused address exit 6.
 */
/** A manifest fetched or revalidated this recently is used as it is: issuers change them rarely. */
export const MANIFEST_FRESH_MS = 10 * 60_000;

export interface OnboardInput {
  /** The trusted `providers:` of credctl.yaml. */
  providers: Record<string, { issuer?: string }>;
  /** Origins the user trusted (private addresses allowed for them). */
  trustedOrigins?: string[];
  /** Default: <user cache>/ (CREDCTL_CACHE_DIR or ~/.cache/credctl). */
  cacheDir?: string;
  warn?(line: string): void;
  timeoutMs?: number;
  /** How long a cached manifest is used without asking the issuer (default MANIFEST_FRESH_MS; 0: always revalidate). */
  freshForMs?: number;
}

export interface Onboarded {
  providers: ProviderEntry[];
  rules: IssuerRuleGroup[];
}

const PROVIDER_ID = /^[a-z0-9][a-z0-9-]{0,40}$/;

/** The providers credctl.yaml names by issuer alone, learnt and registered for this process. */
export async function onboardIssuers(input: OnboardInput): Promise<Onboarded> {
  clearOnboarded();
  const wanted = Object.entries(input.providers).filter(([, p]) => typeof p.issuer === 'string' && p.issuer);
  if (wanted.length === 0) return { providers: [], rules: [] };
  for (const [id] of wanted) {
    if (!PROVIDER_ID.test(id)) throw inputError(`credctl.yaml: providers.${id.slice(0, 60)}: a provider with an issuer needs a kebab-case id (a-z, 0-9, -)`);
  }
  // A provider with a folder (providers/<id>/) is built in: its issuer setting only moves its API.
  const fresh = wanted.filter(([id]) => !existsSync(join(providersDir(), id)));
  if (fresh.length === 0) return { providers: [], rules: [] };
  // A path (a tenant, a region) names another issuer than its origin: never dropped silently, so
  // the admin token never goes to whatever the origin's own manifest names.
  for (const [id, p] of fresh) {
    let url: URL | undefined;
    try {
      url = new URL(p.issuer!);
    } catch {
      url = undefined;
    }
    if (url && (url.pathname.replace(/\/+$/, '') !== '' || url.search || url.hash)) {
      throw inputError(
        `credctl.yaml: providers.${id}.issuer has a path, query or fragment (${url.pathname}): path-based issuers are not supported by this client yet`,
        'Give the issuer origin, e.g. https://api.example.com',
      );
    }
  }
  // Loaded only when there is something to fetch: most projects never pay for the HTTP client.
  const { SafeHttp } = await import('../../net/http.js');
  const { discover, isUnreachable } = await import('./discover.js');
  const http = new SafeHttp({ trustedOrigins: input.trustedOrigins ?? [], timeoutMs: input.timeoutMs ?? 5_000, maxBodyBytes: 1024 * 1024 });
  const providers: ProviderEntry[] = [];
  const rules: IssuerRuleGroup[] = [];
  const cacheDir = input.cacheDir ?? userCacheDir();
  try {
    // All issuers at once (a slow one costs its timeout once, not once per issuer in turn), each
    // revalidated at most every MANIFEST_FRESH_MS: a scan or hook run does not ask every time.
    const answers = await Promise.all(
      fresh.map(([, p]) =>
        discover(p.issuer!, { http, cacheDir, staleIfError: true, freshForMs: input.freshForMs ?? MANIFEST_FRESH_MS }).then(
          (found) => ({ found }),
          (err: unknown) => ({ err }),
        ),
      ),
    );
    for (const [i, [id]] of fresh.entries()) {
      const where = `credctl.yaml: providers.${id}`;
      const answer = answers[i]!;
      let found: Discovery;
      try {
        if ('err' in answer) throw answer.err;
        found = answer.found;
      } catch (err) {
        if (!isUnreachable(err)) throw err; // invalid manifest (3) or refused address (6): the config is wrong
        input.warn?.(`credctl: ${where}: the issuer could not be reached and no manifest is cached (${firstLine(err)}); its keys are not recognised this run`);
        continue;
      }
      if (found.stale) input.warn?.(`credctl: ${where}: the issuer could not be reached; using its cached manifest`);
      const made = issuerRuleGroup(id, `${where} (${found.origin})`, found.manifest.credential_patterns ?? []);
      if (made.unscanned.length)
        input.warn?.(
          `credctl: ${where}: credential_patterns[${made.unscanned.join(', ')}] ${made.unscanned.length === 1 ? 'has' : 'have'} no literal prefix of 4+ characters of their own (or start like a JWT, URL or PEM block), so ${made.unscanned.length === 1 ? 'it is' : 'they are'} not scanned for`,
        );
      providers.push(issuerProviderEntry(id, found.origin, found.manifest, found.permissions));
      if (made.group.rules.length) rules.push(made.group);
    }
  } finally {
    await http.close();
  }
  setOnboardedProviders(providers);
  setIssuerRules(rules);
  return { providers, rules };
}

export { clearOnboarded };

function firstLine(err: unknown): string {
  const text = (err as Error)?.message?.split('\n')[0]?.trim();
  return text || 'no message';
}
