import { describe, expect, it } from 'vitest';
import postgres from '../../../src/integrations/postgres/index.js';

// The registry refuses a folder whose integration does not carry the folder's name, and a file
// that imported the registry would then not load at all (no test would fail): the module is read
// itself, and the registry imported inside the test.
describe('the PostgreSQL folder', () => {
  it('is found by the registry under its folder name, postgres', async () => {
    expect(postgres.id).toBe('postgres');
    const { integrationNamed } = await import('../../../src/integrations/registry.js');
    expect(integrationNamed('postgres')).toBe(postgres);
  });
});
