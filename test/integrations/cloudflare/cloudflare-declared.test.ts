/**
 * What the Cloudflare integration declares: the id the registry finds it by (its folder name).
 * This file imports the module itself, and the registry only inside the test, so a wrong id fails
 * a test here instead of every file's import.
 */
import { describe, expect, it } from 'vitest';
import cloudflare from '../../../src/integrations/cloudflare/index.js';

describe('cloudflare: what it declares', () => {
  it('the registry finds it by its folder name', async () => {
    expect(cloudflare.id).toBe('cloudflare');
    const { integrationNamed } = await import('../../../src/integrations/registry.js');
    expect(integrationNamed('cloudflare')).toBe(cloudflare);
  });
});
