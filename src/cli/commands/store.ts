import { InvalidArgumentError, type Command } from 'commander';

/**
 * `credctl store ...`: the local secret store (OS keychain or encrypted file). Values come in on
 * stdin or a hidden prompt, never as a flag (flags end up in shell history and `ps`), and go out
 * only to a pipe or file unless --reveal. Every access is recorded in the audit log first.
 */
export const order = 60;

const EXAMPLES = `
Examples:
  $ printf %s "$NEW_KEY" | credctl store put STRIPE_SECRET_KEY --label pending
  $ credctl store put GITHUB_TOKEN                  # hidden prompt on a terminal
  $ credctl store get STRIPE_SECRET_KEY --label current | pbcopy
  $ credctl store get STRIPE_SECRET_KEY --version 2 > key.txt
  $ credctl store list --json
  $ credctl store versions STRIPE_SECRET_KEY
  $ credctl store rm OLD_TOKEN --yes
  $ credctl store status

Backend: the OS keychain when one answers, else .credctl/store.enc.json (AES-256-GCM) with its key
from CREDCTL_KEY_FILE, CREDCTL_PASSPHRASE, or a generated ~/.config/credctl/store.key.
Force one with CREDCTL_STORE=keychain|file. Exit code 8: store unavailable, locked or wrong key.`;

function parseVersion(v: string): number {
  // A version number: 1, 2, ... (also accepted as v2).
  v = v.replace(/^v/, '');
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('must be a positive integer');
  return Number(v);
}

export function register(program: Command): void {
  const store = program
    .command('store')
    .description('keep credentials in the local secret store (OS keychain or encrypted file)')
    .addHelpText('after', EXAMPLES);

  store
    .command('status')
    .description('which backend this project uses, and why')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const { storeStatus } = await import('../../commands/store.js');
      await storeStatus(opts);
    });

  store
    .command('put')
    .description('add a new version of NAME; the value is read from stdin or a hidden prompt')
    .argument('<name>', 'secret name, e.g. STRIPE_SECRET_KEY')
    .option('--label <label>', 'label for the new version: pending | current', 'current')
    .option('--no-input', 'never prompt; fail if the value is not piped in')
    .option('--json', 'machine-readable output')
    .addHelpText('after', '\nThe value is never accepted as a flag. A single trailing newline from stdin is removed.')
    .action(async (name: string, opts: { label: string; input: boolean; json?: boolean }) => {
      const { storePut } = await import('../../commands/store.js');
      await storePut(name, opts);
    });

  store
    .command('get')
    .description('print a value (only to a pipe or file unless --reveal)')
    .argument('<name>', 'secret name')
    .option('--version <n>', 'a version number', parseVersion)
    .option('--label <label>', 'pending | current | previous | rolled-back')
    .option('--reveal', 'print to a terminal too')
    .option('-n, --no-newline', 'do not print a newline after the value')
    .action(async (name: string, opts: { version?: number; label?: string; reveal?: boolean; newline: boolean }) => {
      const { storeGet } = await import('../../commands/store.js');
      await storeGet(name, opts);
    });

  store
    .command('list')
    .description('names and metadata (never values)')
    .option('--all', "include credctl's own entries (the audit signing key)")
    .option('--json', 'machine-readable output')
    .action(async (opts: { all?: boolean; json?: boolean }) => {
      const { storeList } = await import('../../commands/store.js');
      await storeList(opts);
    });

  store
    .command('versions')
    .description("a name's versions, labels, dates and fingerprints")
    .argument('<name>', 'secret name')
    .option('--json', 'machine-readable output')
    .action(async (name: string, opts: { json?: boolean }) => {
      const { storeVersions } = await import('../../commands/store.js');
      await storeVersions(name, opts);
    });

  store
    .command('rm')
    .description('delete every version of NAME')
    .argument('<name>', 'secret name')
    .option('--yes', 'do not ask for confirmation')
    .option('--no-input', 'never prompt (requires --yes)')
    .option('--json', 'machine-readable output')
    .action(async (name: string, opts: { yes?: boolean; input: boolean; json?: boolean }) => {
      const { storeRm } = await import('../../commands/store.js');
      await storeRm(name, opts);
    });
}
