import type { Operation, Support } from '../providers/adapter.js';
import { loadProviders, type ProviderEntry } from '../providers/registry.js';
import { integrationCapabilities, integrationNamed } from './registry.js';
import type { Integration, IntegrationCapabilities } from './types.js';

/**
 * The provider registry as credctl can act on it: each provider.yaml joined to the integration
 * its `adapter:` names, and what can be done for it computed from what that integration declares.
 * So "can be planned" and "is wired" are one fact: a manifest that lists `create` for a provider
 * whose integration has no `rotate` is planned as a manual step, never as an API call that would
 * then fail.
 */
export interface WiredProvider extends ProviderEntry {
  integration?: Integration;
  capabilities: IntegrationCapabilities;
}

export function wiredProviders(options: { dir?: string; overrides?: Record<string, string> } = {}): WiredProvider[] {
  return loadProviders(options).map(wire);
}

export function wire(entry: ProviderEntry): WiredProvider {
  const integration = integrationNamed(entry.adapter?.module);
  const support = effectiveSupport(entry, integration);
  const capabilities = integration?.followsManifest
    ? {
        verify: support.introspect === 'api' || entry.manifest?.supported_operations?.includes('introspect') ? ('api' as const) : ('none' as const),
        analyze: support.introspect === 'api' ? ('api' as const) : ('none' as const),
        revoke: support.revoke,
        rotate:
          support.create === 'api' || support.rotate === 'api'
            ? ('api' as const)
            : support.rotate === 'manual' || support.create === 'manual'
              ? ('manual' as const)
              : ('none' as const),
      }
    : integrationCapabilities(integration, { rotate: support.rotate === 'manual' || support.create === 'manual', revoke: support.revoke === 'manual' });
  return { ...entry, support, ...(integration ? { integration } : {}), capabilities };
}

/**
 * Per lifecycle operation, how it is done for this provider. The standard client does whatever
 * the issuer's manifest lists. Any other integration does what it declares (rotate → create,
 * rotate and revoke through the API; revoke → revoke; verify → introspect); what the manifest
 * lists beyond that is a person's job (manual), and nothing is 'api' without code behind it.
 */
export function effectiveSupport(entry: ProviderEntry, integration: Integration | undefined): Record<Operation, Support> {
  if (integration?.followsManifest) return entry.support;
  const manualIfListed = (op: Operation): Support => {
    const listed = entry.support[op];
    if (listed === 'none' && !hasManual(entry, integration, op)) return 'none';
    return 'manual';
  };
  const out = {} as Record<Operation, Support>;
  for (const op of Object.keys(entry.support) as Operation[]) out[op] = manualIfListed(op);
  if (integration?.rotate) {
    out.create = 'api';
    out.rotate = 'api';
    out.revoke = 'api';
    if (integration.rotate.strategy === 'deactivation-grace') {
      out.deactivate = 'api';
      out.reactivate = 'api';
    } else {
      out.deactivate = 'none';
      out.reactivate = 'none';
    }
  }
  if (integration?.revoke) out.revoke = 'api';
  if (integration?.verify) out.introspect = 'api';
  else if (out.introspect === 'manual') out.introspect = 'none';
  return out;
}

function hasManual(entry: ProviderEntry, integration: Integration | undefined, op: Operation): boolean {
  if (op === 'create' || op === 'rotate')
    return !!(integration?.manual?.rotate || entry.manifest?.manual_operations?.[op] || entry.manifest?.manual_operations?.rotate);
  if (op === 'revoke') return !!(integration?.manual?.revoke || entry.manifest?.manual_operations?.revoke);
  return !!entry.manifest?.manual_operations?.[op];
}
