import { loadProject, type ProjectContext } from '../apply/orchestrate.js';
import * as io from '../core/io.js';
import { projectProviders, untrustedNote } from '../project/context.js';
import { inventory, type InventoryItem } from '../report/inventory.js';

/**
 * `credctl inventory` below the CLI: every credential of the project, asked of its provider
 * (live checks go only to addresses the user trusted; the untrusted note says so).
 */
export async function runInventory(root: string, probe: boolean): Promise<{ ctx: ProjectContext; items: InventoryItem[] }> {
  const ctx = loadProject(root);
  const notTrusted = probe ? untrustedNote(ctx.project) : undefined;
  if (notTrusted) io.err().write(`${notTrusted}\n`);
  const items = await inventory({
    root,
    auditFile: ctx.paths.audit,
    graph: ctx.graph,
    settings: ctx.settings,
    providers: projectProviders(ctx.project),
    probe,
  });
  return { ctx, items };
}
