import { issuerIdentifier } from './identifier.js';
import { checkAccessRequests } from './access-requests.js';
import { checkAudit } from './audit.js';
import { Ctx } from './context.js';
import { checkCore, checkCreate, checkRevoke } from './core.js';
import { checkDocuments } from './documents.js';
import { checkEvents } from './events.js';
import { checkExchange } from './exchange.js';
import { checkLeakReport, checkRetryAfter } from './leak-report.js';
import { offeredModules, verdicts } from './profile.js';
import { checkDeactivation, checkRotation } from './rotation.js';
import { CheckSkipped, type ConformanceOptions, type ConformanceReport, type Module } from './types.js';

/**
 * `credctl issuer conformance <url>`: the checks any issuer can run against its own
 * implementation of spec/credential-issuer.md, grouped by the modules of the conformance
 * profile. Each check is independent where it can be, so one failure does not hide the rest; a
 * module the manifest does not offer is skipped as "not offered", a check that cannot run says
 * why (e.g. "needs --admin-token-file"). Everything the suite creates is revoked at the end.
 */
export async function runConformance(input: string, options: ConformanceOptions = {}): Promise<ConformanceReport> {
  const ctx = new Ctx(issuerIdentifier(input), options);
  try {
    await checkDocuments(ctx);
    if (ctx.manifest) {
      const offered = offeredModules(ctx.manifest);
      const inModule = (m: Module, run: (c: Ctx) => Promise<void>) => (offered.has(m) ? run(ctx) : notOffered(ctx, m));
      await checkCreate(ctx);
      await checkCore(ctx);
      await inModule('rotation', checkRotation);
      await inModule('deactivation', checkDeactivation);
      await checkRevoke(ctx);
      await inModule('audit', checkAudit);
      await inModule('access-requests', checkAccessRequests);
      await inModule('exchange', checkExchange);
      await inModule('leak-report', checkLeakReport);
      await inModule('events', checkEvents);
      await inModule('leak-report', checkRetryAfter);
    }
    const offered = offeredModules(ctx.manifest);
    return { issuer: ctx.issuer, passed: ctx.checks.every((c) => c.status !== 'fail'), profile: verdicts(offered, ctx.checks), checks: ctx.checks };
  } finally {
    await ctx.cleanUp();
    await ctx.http.close();
  }
}

async function notOffered(ctx: Ctx, module: Module): Promise<void> {
  await ctx.check(module, `${module} module`, async () => {
    throw new CheckSkipped('not offered by the manifest');
  });
}
