import { setOnboardedProviders } from '../../providers/onboarded.js';
import { setIssuerRules } from '../../scan/issuer-rules.js';

/**
 * Forget any earlier project's issuer-only providers (one process may run several commands).
 * In a file of its own, without onboard.ts's imports, so a command on a project without
 * credctl.yaml (most scans) clears them without loading the registry and the HTTP client.
 */
export function clearOnboarded(): void {
  setOnboardedProviders([]);
  setIssuerRules([]);
}
