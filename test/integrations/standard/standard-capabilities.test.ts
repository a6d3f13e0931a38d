/**
 * A provider wired to the standard client can do what its issuer's manifest lists, not what the
 * folder declares: the capabilities `credctl providers` and the planner read follow the manifest
 * (a revoke the issuer offers is an API call; a rotation it cannot do is none). And the folder
 * declares an admin setting, which is what makes a rotation plan wait for the management token.
 */
import { expect, it } from 'vitest';
import { wire } from '../../../src/integrations/providers.js';
import standard from '../../../src/integrations/standard/index.js';
import { supportOf } from '../../../src/providers/manifest.js';
import type { ProviderEntry } from '../../../src/providers/registry.js';

const entry = (supported_operations: string[]): ProviderEntry => ({
  id: 'acme',
  name: 'Acme',
  envNames: [],
  source: 'published',
  adapter: { module: 'standard' },
  hasRules: false,
  support: supportOf({ supported_operations: supported_operations as never }),
});

it('an issuer that lists revoke and create is revoked and rotated through its API', () => {
  expect(wire(entry(['introspect', 'create', 'revoke'])).capabilities).toEqual({ verify: 'api', analyze: 'api', revoke: 'api', rotate: 'api' });
});

it('an issuer that lists only introspection can be verified, but not rotated or revoked through credctl', () => {
  expect(wire(entry(['introspect'])).capabilities).toEqual({ verify: 'api', analyze: 'api', revoke: 'none', rotate: 'none' });
});

it('declares the admin setting (the management token) that rotation plans wait for', () => {
  expect(standard.config?.map((c) => c.key)).toEqual(['admin']);
});
