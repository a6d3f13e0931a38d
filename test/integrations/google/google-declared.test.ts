/**
 * What the Google integration declares, read from its module itself (not through the registry):
 * the registry refuses to load at all when a folder's integration has another id, which would
 * leave nothing to test, so the id and the admin setting are checked here directly.
 */
import { describe, expect, it } from 'vitest';
import google from '../../../src/integrations/google/index.js';

describe('google as declared', () => {
  it('is found under its folder name, google', () => {
    expect(google.id).toBe('google');
  });

  it('takes one setting, admin: the OAuth access token, which is a secret (a store reference, never plain text in credctl.yaml)', () => {
    expect(google.config).toEqual([expect.objectContaining({ key: 'admin', secret: true })]);
  });
});
