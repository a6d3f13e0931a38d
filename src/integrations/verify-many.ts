import PQueue from 'p-queue';
import { SafeHttp } from '../net/http.js';
import { integrationContext } from './context.js';
import { because } from './kit.js';
import type { WiredProvider } from './providers.js';
import type { Analysis, CredentialValue, Verification } from './types.js';

/**
 * Ask vendors about many credentials at once (the hour after a leak can mean hundreds of keys):
 * all vendors in parallel, each paced by its own declared rate limit (Integration.rateLimit), so
 * one slow or strict vendor neither stalls the others nor earns 429s. Each credential gets a
 * verify and, when it is live and the integration can, an analyze. Nothing here throws for one
 * credential: a failure is that credential's "unknown", with the reason.
 */
export interface VerifyJob {
  key: string;
  provider: WiredProvider;
  credential: CredentialValue;
  /** A trusted API address for this provider (credctl.yaml), else the provider's own. */
  api?: string;
  settings?: Record<string, string>;
  /** The provider's admin credential, where the user trusted one (some vendors show access only to it). */
  adminSecret?: () => Promise<string>;
}

export interface VerifyOutcome {
  verification: Verification;
  analysis?: Analysis;
  /** Why analyze gave nothing, when it was tried. */
  analysisError?: string;
}

export interface VerifyManyOptions {
  http?: SafeHttp;
  /** Calls in flight across all vendors. */
  concurrency?: number;
  analyze?: boolean;
}

const DEFAULT_PER_VENDOR = 8;

export async function verifyMany(jobs: VerifyJob[], options: VerifyManyOptions = {}): Promise<Map<string, VerifyOutcome>> {
  const http = options.http ?? new SafeHttp({ timeoutMs: 10_000 });
  const all = new PQueue({ concurrency: options.concurrency ?? 64 });
  // Per vendor, two gates. `admit` lets at most the vendor's concurrency through to the global
  // queue, so a strict vendor never holds more global slots than that. `rate` counts a call when
  // it really starts (inside its global slot): counting at admission let calls that had waited for
  // a global slot go out in a burst, over the vendor's limit. `strict` makes the window slide: a vendor
  // counts its limit over any window, not per fixed slot.
  const perVendor = new Map<string, { admit: PQueue; rate: PQueue }>();
  const queueOf = (job: VerifyJob) => {
    const integration = job.provider.integration!;
    const key = `${integration.id}|${job.api ?? job.provider.issuer ?? integration.defaultApi ?? ''}`;
    let q = perVendor.get(key);
    if (!q) {
      const limit = integration.rateLimit;
      const concurrency = limit?.concurrency ?? DEFAULT_PER_VENDOR;
      q = {
        admit: new PQueue({ concurrency }),
        rate: new PQueue({ concurrency, ...(limit?.requests && limit.perMs ? { intervalCap: limit.requests, interval: limit.perMs, strict: true } : {}) }),
      };
      perVendor.set(key, q);
    }
    return q;
  };
  const out = new Map<string, VerifyOutcome>();
  try {
    await Promise.all(
      jobs.map(async (job) => {
        const integration = job.provider.integration;
        if (!integration?.verify) {
          out.set(job.key, { verification: { status: 'unknown', reason: `credctl has no API to ask ${job.provider.name}` } });
          return;
        }
        const ctx = integrationContext({
          integration,
          provider: job.provider.id,
          api: job.api ?? job.provider.issuer,
          http,
          settings: job.settings,
          ...(job.adminSecret ? { adminSecret: job.adminSecret } : {}),
        });
        const vendor = queueOf(job);
        const run = <T>(fn: () => Promise<T>) => vendor.admit.add(() => all.add(() => vendor.rate.add(fn))) as Promise<T>;
        let verification: Verification;
        try {
          verification = await run(() => integration.verify!(job.credential, ctx));
        } catch (err) {
          verification = { status: 'unknown', reason: `${job.provider.name} could not be asked${because(err)}` };
        }
        const outcome: VerifyOutcome = { verification };
        if (options.analyze !== false && verification.status === 'live' && integration.analyze) {
          try {
            outcome.analysis = await run(() => integration.analyze!(job.credential, ctx));
          } catch (err) {
            outcome.analysisError = because(err).slice(2) || 'the analysis failed without a reason';
          }
        }
        out.set(job.key, outcome);
      }),
    );
  } finally {
    if (!options.http) await http.close();
  }
  return out;
}
