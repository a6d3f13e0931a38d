import type { ProviderEntry } from './registry.js';

/**
 * The issuer-only providers of the project this process works on (set before a command runs,
 * src/integrations/standard/onboard.ts): every registry lookup includes them. Kept apart from
 * registry.ts so that forgetting them, before every command on a project without credctl.yaml,
 * does not load the registry (YAML, manifests, the HTTP client: ~200 ms of CPU before a scan).
 */
let onboarded: readonly ProviderEntry[] = [];
let onboardedGeneration = 0;

export function setOnboardedProviders(entries: readonly ProviderEntry[]): void {
  onboarded = [...entries];
  onboardedGeneration++;
}

/** Bumped on every change, so a cache of the registry knows when it is stale. */
export function onboardedVersion(): number {
  return onboardedGeneration;
}

export function onboardedProviders(): readonly ProviderEntry[] {
  return onboarded;
}
