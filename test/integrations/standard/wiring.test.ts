import { describe, expect, it } from 'vitest';
import { wiredProviders } from '../../../src/integrations/providers.js';

/**
 * A provider served by the standard client can do what its issuer's manifest lists, no less: an
 * integration with its own code does only what that code declares (create, rotate, revoke), the
 * standard client follows the manifest to list, audit, deactivate and reactivate as well.
 */
describe('what the standard client can do', () => {
  it('is whatever the issuer’s manifest lists, each operation through the API (the reference issuer’s built-in entry)', () => {
    const example = wiredProviders().find((p) => p.id === 'example')!;
    expect(example.integration?.id).toBe('standard');
    expect(example.support).toMatchObject({ list: 'api', audit: 'api', deactivate: 'api', reactivate: 'api', introspect: 'api' });
    expect(example.capabilities).toEqual({ verify: 'api', analyze: 'api', revoke: 'api', rotate: 'api' });
  });
});
