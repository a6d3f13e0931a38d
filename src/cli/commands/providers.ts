import type { Command } from 'commander';
import * as io from '../../core/io.js';

/** `credctl providers list|show`: the provider registry (providers/<id>/provider.yaml). */
export const order = 76;

const EXAMPLES = `
Examples:
  $ credctl providers list
  $ credctl providers show stripe
  $ credctl providers show example --discover    # fetch the published manifest instead of the snapshot
  $ credctl providers list --json

Support: api (through the provider's API), manual (a person does it; the dashboard link is
shown), none. ADAPTER: the code credctl needs for that API ("(todo)": not written yet, so
credctl cannot make those calls today; "standard": the issuer speaks the standard). Manifest source: published (fetched from the issuer), built-in (written from
the vendor's public docs), none (detection rules only).
Exit codes: 0 ok, 2 unknown provider, 3 a provider.yaml is invalid, 5/6 as for discover.`;

/** credctl.yaml's issuer URLs, only once trusted (a manifest is fetched from there with --discover). */
async function overrides(): Promise<Record<string, string>> {
  const { findProjectRoot } = await import('../../core/paths.js');
  const { actionableSettings, openProject } = await import('../../project/context.js');
  const out: Record<string, string> = {};
  for (const [id, p] of Object.entries(actionableSettings(openProject(findProjectRoot())).providers)) if (p.issuer) out[id] = p.issuer;
  return out;
}

export function register(program: Command): void {
  const providers = program
    .command('providers')
    .summary('list the known providers and how their credentials are created, rotated and revoked')
    .description('the provider registry: detection rules, lifecycle support, permissions and dashboard links')
    .addHelpText('after', EXAMPLES);

  providers
    .command('list')
    .description('every provider with its create/rotate/revoke support and manifest source')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const { wiredProviders } = await import('../../integrations/providers.js');
      const { paint, printJson } = await import('../../core/output.js');
      const list = wiredProviders({ overrides: await overrides() });
      if (opts.json) {
        printJson({
          providers: list.map((p) => ({
            id: p.id,
            name: p.name,
            capabilities: p.capabilities,
            integration: p.integration?.id ?? null,
            ...(p.integration?.rotate ? { rotation: p.integration.rotate.strategy } : {}),
            source: p.source,
            issuer: p.issuer ?? null,
            rules: p.hasRules,
          })),
        });
        return;
      }
      const c = paint();
      const color = (s: string) => (s === 'api' ? c.green(s) : s === 'manual' ? c.yellow(s) : c.dim(s));
      const idW = Math.max(2, ...list.map((p) => p.id.length));
      const nameW = Math.max(4, ...list.map((p) => p.name.length));
      const pad = (s: string, plain: string, w: number) => s + ' '.repeat(Math.max(0, w - plain.length));
      const integrationOf = (p: (typeof list)[number]) => p.integration?.id ?? (p.adapter ? `${p.adapter.module} (missing)` : '-');
      const inW = Math.max(11, ...list.map((p) => integrationOf(p).length));
      io.out().write(`${'ID'.padEnd(idW)}  ${'NAME'.padEnd(nameW)}  VERIFY  ANALYZE  ROTATE  REVOKE  ${'INTEGRATION'.padEnd(inW)}  MANIFEST\n`);
      for (const p of list) {
        const k = p.capabilities;
        const cols = [
          pad(color(k.verify), k.verify, 6),
          pad(color(k.analyze), k.analyze, 7),
          pad(color(k.rotate), k.rotate, 6),
          pad(color(k.revoke), k.revoke, 6),
        ].join('  ');
        const source = p.source === 'published' ? `published (${p.issuer})` : p.source;
        io.out().write(`${p.id.padEnd(idW)}  ${p.name.padEnd(nameW)}  ${cols}  ${integrationOf(p).padEnd(inW)}  ${source}\n`);
      }
    });

  providers
    .command('show')
    .description("one provider's capabilities, scopes, env names and manual steps")
    .argument('<id>', 'provider id, e.g. stripe')
    .option('--discover', 'fetch the published manifest (providers with an issuer) instead of the offline snapshot')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { discover?: boolean; json?: boolean }) => {
      const { wiredProviders, wire } = await import('../../integrations/providers.js');
      const { usageError } = await import('../../core/errors.js');
      const { printJson, paint } = await import('../../core/output.js');
      const all = wiredProviders({ overrides: await overrides() });
      let entry = all.find((p) => p.id === id);
      if (!entry) throw usageError(`unknown provider "${id}"`, `Known: ${all.map((p) => p.id).join(', ')}`);
      if (opts.discover && entry.issuer) {
        const { discover } = await import('../../integrations/standard/discover.js');
        const { projectPaths } = await import('../../core/paths.js');
        const found = await discover(entry.issuer, { cacheDir: projectPaths().cache });
        entry.manifest = found.manifest;
        entry.permissions = found.permissions ?? entry.permissions;
        const { supportOf } = await import('../../providers/manifest.js');
        entry = wire({ ...entry, support: supportOf(found.manifest) });
      }
      if (opts.json) {
        const { integration, ...rest } = entry;
        printJson({
          ...rest,
          integration: integration?.id ?? null,
          ...(integration?.rotate ? { rotation: integration.rotate.strategy } : {}),
          ...(integration?.manual ? { manual: integration.manual } : {}),
        });
        return;
      }
      const c = paint();
      const out: string[] = [c.bold(`${entry.name} (${entry.id})`)];
      if (entry.docs) out.push(`  docs        ${entry.docs}`);
      out.push(
        `  manifest    ${entry.source === 'published' ? `published at ${entry.issuer}${opts.discover ? '' : ' (offline snapshot below; --discover to fetch)'}` : entry.source}`,
      );
      const k = entry.capabilities;
      out.push(
        `  integration ${entry.integration ? `src/integrations/${entry.integration.id}/ (${entry.integration.title})` : entry.adapter ? `${entry.adapter.module} ${c.dim('(not in this build: credctl cannot make these API calls)')}` : 'none'}`,
      );
      out.push(
        `  can         verify ${k.verify}, analyze ${k.analyze}, rotate ${k.rotate}${entry.integration?.rotate ? ` (${entry.integration.rotate.strategy})` : ''}, revoke ${k.revoke}`,
      );
      for (const [op, step] of Object.entries(entry.integration?.manual ?? {})) out.push(`  by hand     ${op}: ${step.url}  ${c.dim(step.instructions)}`);
      out.push(`  rules       ${entry.hasRules ? `providers/${entry.id}/rules.yaml` : 'none'}`);
      if (entry.envNames.length) out.push(`  env names   ${entry.envNames.join(', ')}`);
      if (entry.notes) out.push('', ...wrap(entry.notes, 88).map((l) => `  ${l}`));
      io.out().write(out.join('\n') + '\n\n');
      if (entry.manifest) {
        const { capabilityTable } = await import('../../providers/capability-table.js');
        io.out().write(capabilityTable(entry.manifest, entry.permissions, 'Lifecycle'));
      }
    });
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}
