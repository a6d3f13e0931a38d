import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { wiredProviders } from '../../src/integrations/providers.js';
import { allIntegrations, integrationNamed } from '../../src/integrations/registry.js';
import { targetTypes } from '../../src/integrations/targets.js';

// "A vendor is one folder": every folder is found by name, every provider.yaml adapter names a
// folder that exists, what is reported is what is wired, and no code outside the folders
// switches on a vendor's id.
const SRC = join(import.meta.dirname, '../../src');
const folders = readdirSync(join(SRC, 'integrations')).filter((d) => statSync(join(SRC, 'integrations', d)).isDirectory());

describe('the integration registry', () => {
  it('finds every folder by its name, and nothing else', () => {
    expect(
      allIntegrations()
        .map((i) => i.id)
        .sort(),
    ).toEqual(folders.filter((d) => existsSync(join(SRC, 'integrations', d, 'index.ts'))).sort());
  });

  it('every provider.yaml adapter names an integration that exists', () => {
    for (const p of wiredProviders()) if (p.adapter) expect(integrationNamed(p.adapter.module), `providers/${p.id}: adapter ${p.adapter.module}`).toBeDefined();
  });

  it('every vendor integration says which API document it follows', () => {
    const local = new Set(['standard', 'postgres', 'dotenv', 'compose-env-file', 'k8s-secret', 'github-actions', 'vercel-env']);
    for (const id of folders) if (!local.has(id)) expect(existsSync(join(SRC, 'integrations', id, 'API.md')), `src/integrations/${id}/API.md`).toBe(true);
  });

  it('capabilities are computed from what is declared: api only with code behind it', () => {
    for (const p of wiredProviders()) {
      const i = p.integration;
      if (p.capabilities.verify === 'api') expect(i?.verify ?? (i?.followsManifest ? true : undefined), p.id).toBeDefined();
      if (p.capabilities.rotate === 'api') expect(i?.rotate, p.id).toBeDefined();
      if (p.capabilities.revoke === 'api') expect(i?.revoke ?? i?.rotate, p.id).toBeDefined();
      if (!i) expect(Object.values(p.capabilities).includes('api'), p.id).toBe(false);
    }
    const wired = wiredProviders().filter((p) => p.integration);
    expect(wired.filter((p) => p.capabilities.verify === 'api').length).toBeGreaterThanOrEqual(15);
    expect(wired.filter((p) => p.capabilities.rotate === 'api' || p.capabilities.revoke === 'api').length).toBeGreaterThanOrEqual(8);
  });

  it('target types are the plugins the folders declare, one name with the graph', () => {
    expect(targetTypes()).toEqual(
      expect.arrayContaining(['dotenv', 'compose-env-file', 'k8s-secret', 'github-actions', 'vercel-env', 'gitlab-ci-variable', 'aws-secrets-manager']),
    );
  });

  it('no code outside the integration folders switches on a vendor id', () => {
    const vendors = allIntegrations().map((i) => i.id);
    const offending: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) {
          if (!['integrations', 'demo'].includes(e.name)) walk(p);
        } else if (e.name.endsWith('.ts')) {
          readFileSync(p, 'utf8')
            .split('\n')
            .forEach((line, n) => {
              for (const id of vendors)
                if (new RegExp(`(===|!==|case)\\s*'${id}'`).test(line)) offending.push(`${p.slice(SRC.length + 1)}:${n + 1}: ${line.trim()}`);
            });
        }
      }
    };
    walk(SRC);
    expect(offending).toEqual([]);
  });
});
