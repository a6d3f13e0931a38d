import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateManifest } from '../../src/providers/manifest.js';
import { referenceManifest } from '../../src/issuer/manifest.js';

// spec/credential-issuer.schema.json, version 0.2: additive over 0.1, open to x- extensions,
// path-based issuers (RFC 8414 section 3.1) allowed.
const check = (doc: unknown) => validateManifest(doc, { source: 'm' });

describe('manifest schema 0.2', () => {
  it('accepts the reference manifest and a minimal 0.1 manifest unchanged', () => {
    expect(check(referenceManifest('http://127.0.0.1:8787')).spec_version).toBe('0.2');
    expect(check({ issuer: 'https://a.example', spec_version: '0.1', supported_operations: ['discover', 'introspect', 'revoke'] }).issuer).toBe(
      'https://a.example',
    );
  });

  it('lets vendors add x- operations and modules, but no other unknown names', () => {
    expect(() =>
      check({ issuer: 'https://a.example', supported_operations: ['revoke', 'x-acme-freeze'], conformance_profile: ['core', 'x-acme'] }),
    ).not.toThrow();
    expect(() => check({ issuer: 'https://a.example', supported_operations: ['freeze'] })).toThrow(/supported_operations\[0\]: unknown operation "freeze"/);
    expect(() => check({ issuer: 'https://a.example', supported_operations: [], conformance_profile: ['rotations'] })).toThrow(/conformance_profile/);
  });

  it('allows an issuer with a path (regions, tenants), never a query, fragment or trailing slash', () => {
    expect(check({ issuer: 'https://a.example/eu/tenant-1', supported_operations: [] }).issuer).toBe('https://a.example/eu/tenant-1');
    for (const bad of ['https://a.example/eu/', 'https://a.example/eu?x=1', 'https://a.example/eu#x']) {
      expect(() => check({ issuer: bad, supported_operations: [] })).toThrow(/issuer/);
    }
  });

  it('types the 0.2 members', () => {
    expect(() => check({ issuer: 'https://a.example', supported_operations: [], endpoint_auth_methods: { credential_issuer_endpoint: [] } })).toThrow();
    expect(() => check({ issuer: 'https://a.example', supported_operations: [], events_delivery_methods_supported: ['smoke-signals'] })).toThrow();
    expect(() =>
      check({ issuer: 'https://a.example', supported_operations: [], credential_patterns: [{ name: 'x', regex: `^${'a'.repeat(1100)}$` }] }),
    ).toThrow(/regex/);
  });

  it('says version 0.2 in both schemas', () => {
    for (const f of ['credential-issuer.schema.json', 'credential-permissions.schema.json']) {
      expect(JSON.parse(readFileSync(new URL(`../../spec/${f}`, import.meta.url), 'utf8')).title).toMatch(/version 0\.2/);
    }
  });
});
