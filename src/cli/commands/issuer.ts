import type { Command } from 'commander';
import * as io from '../../core/io.js';

/**
 * `credctl issuer serve|mint|conformance`: run the reference credential issuer, mint a key from
 * it for demos and tests, and check any issuer against the standard.
 */
export const order = 80;

const EXAMPLES = `
Examples:
  $ credctl issuer serve --port 8787 --data ./.issuer      # prints one JSON line when ready
  $ credctl issuer mint --url http://127.0.0.1:8787 --scope events:read --ttl 1h \\
      --admin-token-file ./.issuer/admin-token
  $ credctl issuer conformance http://127.0.0.1:8787 --admin-token-file ./.issuer/admin-token

Exit codes: 0 ok / every conformance check passed, 1 a conformance check failed,
2 bad usage, 3 unreadable input (admin token file, issuer state), 5 the issuer answered badly
or could not be reached, 6 refused (non-https, link-local or metadata address).`;

export function register(program: Command): void {
  const issuer = program
    .command('issuer')
    .summary('run the reference credential issuer, mint test keys, check conformance')
    .description('run and test the reference credential issuer (spec/credential-issuer.md)')
    .addHelpText('after', EXAMPLES);

  issuer
    .command('serve')
    .description('serve the reference issuer on loopback until SIGINT/SIGTERM; prints one JSON line when ready')
    .option('--port <n>', 'TCP port (0 = any free port)', '8787')
    .option('--host <addr>', 'loopback address to listen on', '127.0.0.1')
    .option('--data <dir>', 'state directory (default $CREDCTL_ISSUER_DATA, else $XDG_DATA_HOME/credctl/issuer)')
    .action(async (opts: { port: string; host: string; data?: string }) => {
      const { usageError } = await import('../../core/errors.js');
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw usageError(`invalid --port ${opts.port}`);
      const { startIssuer } = await import('../../issuer/server.js');
      const running = await startIssuer({ port, host: opts.host, dataDir: opts.data });
      io.out().write(
        JSON.stringify({
          url: running.url,
          manifest_url: `${running.url}/.well-known/credential-issuer`,
          admin_token_file: running.adminTokenFile,
          data_dir: running.dataDir,
          pid: process.pid,
        }) + '\n',
      );
      await new Promise<void>((resolve) => {
        const stop = () => void running.close().then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });

  issuer
    .command('mint')
    .description('create a credential on an issuer and print its value (for demos and tests)')
    .requiredOption('--url <url>', 'issuer URL, e.g. http://127.0.0.1:8787')
    .requiredOption('--scope <scopes>', 'comma-separated scopes, e.g. events:read,events:write')
    .option('--ttl <duration>', 'lifetime: 90s, 30m, 1h, 7d (default: no expiry)')
    .option('--env <env>', 'live | test', 'live')
    .option('--name <name>', 'a label for the credential')
    .option('--admin-token-file <file>', "file holding the admin token (default: the default data dir's)")
    .option('--json', 'print {id, value, scopes, expires_at} as JSON')
    .action(async (opts: { url: string; scope: string; ttl?: string; env: string; name?: string; adminTokenFile?: string; json?: boolean }) => {
      const { usageError } = await import('../../core/errors.js');
      if (opts.env !== 'live' && opts.env !== 'test') throw usageError('--env must be live or test');
      const { parseTtl } = await import('../../issuer/ttl.js');
      const { readAdminToken } = await import('../../issuer/admin-token.js');
      const { StandardClient } = await import('../../integrations/standard/client.js');
      const ttlSeconds = opts.ttl ? parseTtl(opts.ttl) : undefined;
      const client = new StandardClient({ issuer: opts.url, adminToken: readAdminToken(opts.adminTokenFile) });
      try {
        const scopes = opts.scope
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const created = await client.create({ scopes, environment: opts.env, ttlSeconds, name: opts.name });
        // Printing the value is this command's whole job.
        if (opts.json) {
          const { printJson } = await import('../../core/output.js');
          printJson({ id: created.id, value: created.value, scopes: created.scopes, environment: created.environment, expires_at: created.expiresAt });
        } else {
          io.out().write(created.value + '\n');
        }
      } finally {
        await client.close();
      }
    });

  issuer
    .command('conformance')
    .description('run the conformance suite against an issuer; exit 0 only if every check passes')
    .argument('<url>', 'issuer URL')
    .option('--admin-token-file <file>', 'admin token for the management checks (without it they are skipped)')
    .option('--timeout <duration>', 'per-call timeout (e.g. 10s, 500ms; at most 10m)', '10s')
    .option('--json', 'machine-readable report')
    .action(async (url: string, opts: { adminTokenFile?: string; timeout: string; json?: boolean }) => {
      const { readAdminToken } = await import('../../issuer/admin-token.js');
      const { runConformance } = await import('../../integrations/standard/conformance.js');
      const { paint, printJson } = await import('../../core/output.js');
      const adminToken = opts.adminTokenFile ? readAdminToken(opts.adminTokenFile) : undefined;
      const { usageError } = await import('../../core/errors.js');
      const { parseDuration, DURATION_UNITS } = await import('../../core/duration.js');
      const timeoutMs = parseDuration(opts.timeout, { what: '--timeout', max: 10 * DURATION_UNITS.m, error: usageError });
      const report = await runConformance(url, { adminToken, timeoutMs });
      if (opts.json) {
        printJson(report);
      } else {
        const c = paint();
        const mark = { pass: c.green('pass'), fail: c.red('FAIL'), skip: c.dim('skip') };
        for (const check of report.checks) {
          io.out().write(`${mark[check.status]}  ${check.name}${check.detail ? c.dim(` (${check.detail})`) : ''}\n`);
        }
        const failed = report.checks.filter((x) => x.status === 'fail').length;
        const passed = report.checks.filter((x) => x.status === 'pass').length;
        const skipped = report.checks.length - failed - passed;
        io.out().write(`\n${report.issuer}: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
        const { profileLine } = await import('../../integrations/standard/conformance.js');
        io.out().write(`profile: ${profileLine(report.profile)}\n`);
      }
      process.exitCode = report.passed ? 0 : 1;
    });
}
