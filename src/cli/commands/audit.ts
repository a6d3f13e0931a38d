import type { Command } from 'commander';

/**
 * `credctl audit ...`: read, verify and export the tamper-evident audit log.
 */
export const order = 70;

const EXAMPLES = `
Examples:
  $ credctl audit show --since 7d
  $ credctl audit show --credential STRIPE_SECRET_KEY --json
  $ credctl audit verify --pubkey audit.pub          # pin the published key
  $ credctl audit export --out recovery-proof.json
  $ credctl audit verify --bundle recovery-proof.json --pubkey audit.pub   # offline, anywhere
  $ credctl audit checkpoint > ~/elsewhere/credctl-checkpoint.txt          # keep it out of reach
  $ credctl audit verify --checkpoint ~/elsewhere/credctl-checkpoint.txt   # nothing cut since

Exit codes: 0 verified, 4 the log or bundle does not verify (the first bad entry is named),
3 unreadable input (no public key, not a bundle).`;

export function register(program: Command): void {
  const audit = program.command('audit').description('show, verify and export the signed, hash-chained audit log').addHelpText('after', EXAMPLES);

  audit
    .command('show')
    .description('list audit entries, oldest first')
    .option('--credential <name|fp>', 'only entries about this name or fingerprint (prefix)')
    .option('--since <when>', 'ISO date/time or a duration back from now (30m, 24h, 7d, 2w)')
    .option('--json', 'machine-readable output: {credctlVersion, entries: [the entries as stored]}')
    .action(async (opts: { credential?: string; since?: string; json?: boolean }) => {
      const { auditShow } = await import('../../commands/audit.js');
      await auditShow(opts);
    });

  audit
    .command('verify')
    .description('check every hash, signature, link and checkpoint; name the first bad entry')
    .option('--pubkey <file>', "the public key to trust (default .credctl/audit.pub, or the bundle's own)")
    .option('--bundle <file>', 'verify an exported bundle instead of the local log')
    .option(
      '--checkpoint <file>',
      'also check against checkpoints kept elsewhere (from `credctl audit checkpoint`; repeatable): catches a log truncated together with its local checkpoints',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--json', 'machine-readable output')
    .action(async (opts: { pubkey?: string; bundle?: string; checkpoint?: string[]; json?: boolean }) => {
      const { auditVerify } = await import('../../commands/audit.js');
      await auditVerify(opts);
    });

  audit
    .command('checkpoint')
    .description('print the newest signed checkpoint (after verifying the log), to keep somewhere the log cannot be rewritten')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const { auditCheckpoint } = await import('../../commands/audit.js');
      await auditCheckpoint(opts);
    });

  audit
    .command('export')
    .description('write a self-contained bundle (entries, checkpoints, public key) for offline verification')
    .requiredOption('--out <file>', 'bundle file to write')
    .option('--json', 'machine-readable output')
    .action(async (opts: { out: string; json?: boolean }) => {
      const { auditExport } = await import('../../commands/audit.js');
      await auditExport(opts);
    });
}
