import { describe, expect, it } from 'vitest';
import { integrationNamed } from '../../../src/integrations/registry.js';
import { contextFor } from '../context.js';

// A connection URL checked in a blast radius comes from a repository or a leak: its host is
// checked like any address credctl contacts before a login is tried.
const postgres = integrationNamed('postgres')!;
const ctx = contextFor('postgres', '');

describe('postgres verify: where a login attempt may go', () => {
  it('never tries a metadata, link-local or unspecified address', async () => {
    for (const host of ['169.254.169.254', '[fe80::1]', '0.0.0.0']) {
      const v = await postgres.verify!({ value: `postgres://app:FAKEpass000@${host}:5432/app` }, ctx);
      expect(v.status).toBe('unknown');
      // Refused as the address it is (checked before the offline rule, which would refuse it too).
      expect(v.reason).toMatch(/^not contacted: .+ is (169\.254\.169\.254|fe80::1|0\.0\.0\.0), /);
    }
  });

  it('under CREDCTL_OFFLINE (the suite, the demo) a public host is not contacted', async () => {
    const v = await postgres.verify!({ value: 'postgres://app:FAKEpass000@8.8.8.8:5432/app' }, ctx);
    expect(v).toMatchObject({ status: 'unknown' });
    expect(v.reason).toMatch(/CREDCTL_OFFLINE/);
  });

  it('a socket path is not tried, and the password is in no reason', async () => {
    const v = await postgres.verify!({ value: 'postgres://app:FAKEpass000@/app?host=/var/run/postgresql' }, ctx);
    expect(v).toEqual({ status: 'unknown', reason: 'not a connection URL credctl can try' });
    expect(JSON.stringify(v)).not.toContain('FAKEpass000');
    // libpq's form with no host at all (the socket named in a query option) parses, and is not tried either.
    expect(await postgres.verify!({ value: 'postgres:///app?host=/var/run/postgresql' }, ctx)).toEqual({
      status: 'unknown',
      reason: 'a socket connection is not tried',
    });
  });
});
