import { describe, expect, it } from 'vitest';
import { wiredProviders } from '../../../src/integrations/providers.js';

/**
 * What the PostgreSQL integration declares is what other commands tell a person before acting:
 * `providers show` names it, blast radius and emergency revoke repeat its revoke warning, a plan
 * shows its rotation summary and waits for its admin connection URL (a stored secret).
 */
describe('what PostgreSQL declares', () => {
  const entry = wiredProviders().find((p) => p.integration?.id === 'postgres');

  it('is wired to the postgres provider, named as SQL with no vendor API', () => {
    expect(entry?.id).toBe('postgres');
    expect(entry?.integration?.title).toMatch(/PostgreSQL.*no vendor API/);
  });

  it('asks for an admin connection URL, a stored secret it cannot work without', () => {
    expect(entry?.integration?.config).toEqual([expect.objectContaining({ key: 'admin', secret: true, required: true })]);
    expect(entry?.integration?.config?.[0]?.description).toMatch(/CREATE ROLE.*ALTER ROLE/);
  });

  it('warns before a revoke that every connection with the role is refused from then on', () => {
    expect(entry?.integration?.revoke?.warning).toMatch(/NOLOGIN.*every connection using it is refused/);
  });

  it('rotates to a second login role, retiring the old one once nothing uses it', () => {
    expect(entry?.integration?.rotate?.strategy).toBe('alternating-users');
    expect(entry?.integration?.rotate?.summary).toMatch(/second login role.*old role is made NOLOGIN once nothing uses it/);
  });
});
