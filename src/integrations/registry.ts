import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { Integration, IntegrationCapabilities } from './types.js';

/**
 * Every integration in this build, found by folder: src/integrations/<id>/index.(ts|js) default-
 * exporting an Integration whose id is the folder name. Adding a vendor is adding a folder;
 * nothing else lists them. Loaded once, when this module is first imported (top-level await),
 * so every later lookup is synchronous.
 */
const here = fileURLToPath(new URL('.', import.meta.url));

async function discover(): Promise<Map<string, Integration>> {
  const found = new Map<string, Integration>();
  const folders = readdirSync(here, { withFileTypes: true }).filter((d) => d.isDirectory() && /^[a-z0-9-]+$/.test(d.name));
  const loaded = await Promise.all(
    folders.map(async (d) => {
      const js = join(here, d.name, 'index.js');
      const ts = join(here, d.name, 'index.ts');
      const file = existsSync(js) ? js : existsSync(ts) ? ts : undefined;
      if (!file) return undefined;
      const mod = (await import(pathToFileURL(file).href)) as { default?: Integration };
      if (!mod.default || mod.default.id !== d.name)
        throw new Error(`src/integrations/${d.name}/index: must default-export an Integration with id "${d.name}"`);
      return mod.default;
    }),
  );
  for (const i of loaded) if (i) found.set(i.id, i);
  return found;
}

const integrations = await discover();

export function integrationNamed(id: string | undefined): Integration | undefined {
  return id ? integrations.get(id) : undefined;
}

export function allIntegrations(): Integration[] {
  return [...integrations.values()].sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * What is wired, per operation: `api` where the integration declares the part, `manual` where it
 * (or the provider's manifest) gives a person's steps, `none` otherwise.
 */
export function integrationCapabilities(integration: Integration | undefined, manual: { rotate?: boolean; revoke?: boolean } = {}): IntegrationCapabilities {
  const m = (api: boolean, byHand: boolean | undefined) => (api ? 'api' : byHand ? 'manual' : 'none');
  return {
    verify: integration?.verify ? 'api' : 'none',
    analyze: integration?.analyze ? 'api' : 'none',
    revoke: m(!!integration?.revoke, !!integration?.manual?.revoke || manual.revoke),
    rotate: m(!!integration?.rotate, !!integration?.manual?.rotate || manual.rotate),
  };
}
