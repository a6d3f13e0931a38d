import { refusedError } from '../core/errors.js';
import { SafeHttp } from '../net/http.js';
import type { Integration, IntegrationContext } from './types.js';

/**
 * Build the context an integration runs in. The caller decides everything that needs trust: the
 * API address (a trusted credctl.yaml override, or the integration's default), the settings, and
 * how the admin credential is fetched (from the store, after the binding check).
 */
export interface ContextOptions {
  integration: Integration;
  provider: string;
  /** Trusted override of the API address; default: the integration's `defaultApi`. */
  api?: string;
  http?: SafeHttp;
  settings?: Record<string, string | undefined>;
  adminSecret?: () => Promise<string>;
}

export function integrationContext(opts: ContextOptions): IntegrationContext {
  const api = (opts.api ?? opts.integration.defaultApi ?? '').replace(/\/+$/, '');
  return {
    http: opts.http ?? new SafeHttp({ timeoutMs: 15_000 }),
    api,
    provider: opts.provider,
    setting: (key) => opts.settings?.[key],
    adminSecret:
      opts.adminSecret ??
      (async () => {
        throw refusedError(
          `no admin credential configured for ${opts.provider}`,
          `Add providers.${opts.provider}.admin: store:<entry> to credctl.yaml and put it with \`credctl store put <entry>\`.`,
        );
      }),
  };
}
