import type { Command } from 'commander';
import * as io from '../../core/io.js';

/** `credctl discover <issuer-url>`: read and check an issuer's /.well-known/credential-issuer. */
export const order = 75;

const EXAMPLES = `
Examples:
  $ credctl discover http://127.0.0.1:8787
  $ credctl discover https://api.example.com --json

Safety: https only (plain http only for 127.0.0.0/8, ::1, localhost); link-local and cloud
metadata addresses are refused after DNS resolution; redirects only within the same origin
(at most 3); the document must be JSON under 256 KiB and arrive within --timeout; its issuer
must equal the origin. Validated documents are cached by ETag in .credctl/cache.

Exit codes: 0 ok, 2 bad usage, 3 invalid manifest (not JSON, schema violation, issuer
mismatch), 5 network or server problem (status, content type, size, timeout), 6 refused
(scheme, address, cross-origin redirect).`;

export function register(program: Command): void {
  program
    .command('discover')
    .description("fetch, validate and show an issuer's credential lifecycle capabilities")
    .argument('<issuer-url>', 'issuer origin, e.g. https://api.example.com')
    .option('--json', 'print {issuer, manifest, permissions, from_cache} as JSON')
    .option('--timeout <duration>', 'total time allowed for each document (e.g. 10s, 500ms)', '10s')
    .option('--no-cache', 'neither read nor write the ETag cache')
    .addHelpText('after', EXAMPLES)
    .action(async (url: string, opts: { json?: boolean; timeout: string; cache: boolean }) => {
      const { usageError } = await import('../../core/errors.js');
      const { parseDuration, DURATION_UNITS } = await import('../../core/duration.js');
      const timeoutMs = parseDuration(opts.timeout, { what: '--timeout', max: DURATION_UNITS.h, error: usageError });
      const { discover } = await import('../../integrations/standard/discover.js');
      const { projectPaths } = await import('../../core/paths.js');
      const result = await discover(url, { timeoutMs, cacheDir: opts.cache ? projectPaths().cache : undefined });
      if (opts.json) {
        const { printJson } = await import('../../core/output.js');
        printJson({ issuer: result.origin, manifest: result.manifest, permissions: result.permissions ?? null, from_cache: result.fromCache });
        return;
      }
      const { capabilityTable } = await import('../../providers/capability-table.js');
      io.out().write(capabilityTable(result.manifest, result.permissions));
    });
}
