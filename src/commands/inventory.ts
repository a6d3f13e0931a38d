import { loadProject, type ProjectContext } from '../graph/project-context.js';
import * as io from '../core/io.js';
import { actionableSettings, projectProviders, projectTrustedOrigins, untrustedNote } from '../project/context.js';
import { SafeHttp } from '../net/http.js';
import { inventory, type InventoryItem } from '../report/inventory.js';

/**
 * `credctl inventory` below the CLI: every credential of the project, asked of its provider
 * (live checks go only to addresses the user trusted; the untrusted note says so).
 */
export async function runInventory(root: string, probe: boolean): Promise<{ ctx: ProjectContext; items: InventoryItem[] }> {
  const ctx = loadProject(root);
  const notTrusted = probe ? untrustedNote(ctx.project) : undefined;
  if (notTrusted) io.err().write(`${notTrusted}\n`);
  // As blast-radius does: probes reach only origins the user trusted, with the provider's trusted ids.
  const actionable = actionableSettings(ctx.project);
  const http = new SafeHttp({ trustedOrigins: projectTrustedOrigins(ctx.project), timeoutMs: 10_000 });
  const items = await inventory({
    root,
    auditFile: ctx.paths.audit,
    graph: ctx.graph,
    settings: ctx.settings,
    providers: projectProviders(ctx.project),
    probe,
    http,
    settingsFor: (provider) => actionable.providers[provider]?.settings,
  }).finally(() => http.close());
  return { ctx, items };
}
