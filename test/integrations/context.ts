/** An IntegrationContext pointed at a stand-in, for integration tests. */
import { integrationContext } from '../../src/integrations/context.js';
import { integrationNamed } from '../../src/integrations/registry.js';
import type { IntegrationContext } from '../../src/integrations/types.js';

export function contextFor(id: string, api: string, opts: { provider?: string; settings?: Record<string, string>; admin?: string } = {}): IntegrationContext {
  const integration = integrationNamed(id);
  if (!integration) throw new Error(`no integration ${id}`);
  return integrationContext({
    integration,
    provider: opts.provider ?? id,
    api,
    settings: opts.settings,
    ...(opts.admin !== undefined ? { adminSecret: async () => opts.admin! } : {}),
  });
}
