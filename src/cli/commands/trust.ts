import { resolve } from 'node:path';
import type { Command } from 'commander';
import * as io from '../../core/io.js';

/**
 * `credctl trust`: review and trust what this project's credctl.yaml asks credctl to do (run
 * commands, contact URLs, hand over stored secrets). The logic lives in src/trust/.
 */
export const order = 12;

export function register(program: Command): void {
  program
    .command('trust')
    .description("review what this project's credctl.yaml makes credctl run, contact and send, and trust it (kept outside the repository)")
    .option('--show', 'print what would be trusted and whether it is, and change nothing')
    .option('-y, --yes', 'trust without asking (you have reviewed it)')
    .option('--print-digest', "print the digest to pin in CI's protected settings as CREDCTL_TRUST")
    .option('--revoke', 'stop trusting this project')
    .option(
      '--rebind <entry>',
      'let a store entry go to a different provider or issuer than it was bound to (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--root <dir>', 'project root (default: the git root of the current directory)')
    .option('--json', 'print the decision as JSON')
    .addHelpText(
      'after',
      `
Until you trust it, credctl reads, scans and reports in this project but runs none of
credctl.yaml's health checks, contacts none of its issuer or health URLs, and hands none of its
admin credentials over; live checks use built-in providers only. Any change to those parts of
credctl.yaml asks again. In CI, set CREDCTL_TRUST to the printed digest from a protected setting.

Exit codes: 0 trusted (or nothing to trust), 6 not trusted (or refused), 3 bad credctl.yaml.

Examples:
  $ credctl trust                 # show it, then ask
  $ credctl trust --show --json
  $ credctl trust --print-digest  # for CREDCTL_TRUST in CI`,
    )
    .action(
      async (flags: {
        show?: boolean;
        yes?: boolean;
        printDigest?: boolean;
        revoke?: boolean;
        rebind?: string[];
        root?: string;
        json?: boolean;
        input?: boolean;
      }) => {
        const { findProjectRoot } = await import('../../core/paths.js');
        const { openProject } = await import('../../project/context.js');
        const { describeSurface } = await import('../../trust/surface.js');
        const { ensureTrusted, forgetTrust, grantTrust } = await import('../../trust/gate.js');
        const { ExitCode } = await import('../../core/exit-codes.js');
        const project = openProject(flags.root ? resolve(flags.root) : findProjectRoot());
        const t = project.trust;
        const out = (text: string): void => void io.out().write(text + '\n');
        if (flags.printDigest) return out(t.digest);
        if (flags.revoke) {
          forgetTrust(project.root, project.env);
          return out(`credctl.yaml in ${project.root} is no longer trusted`);
        }
        if (flags.show || flags.json) {
          if (flags.json)
            out(
              (await import('../../core/output.js'))
                .jsonDocument({ root: project.root, trusted: t.trusted, reason: t.reason, digest: t.digest, surface: t.surface })
                .trimEnd(),
            );
          else out([`${project.root}: ${t.trusted ? 'trusted' : 'NOT trusted'} (${t.reason})`, `digest ${t.digest}`, ...describeSurface(t.surface)].join('\n'));
          if (!t.trusted) process.exitCode = ExitCode.Refused;
          return;
        }
        if (t.empty) return out('credctl.yaml asks for nothing that needs trust (no commands, URLs or stored secrets).');
        if (t.trusted && !flags.rebind?.length) return out(`already trusted (${t.reason}); digest ${t.digest}`);
        if (flags.yes) grantTrust(project.root, t, { env: project.env, rebind: flags.rebind });
        else
          await ensureTrusted(
            project.root,
            { ...t, trusted: false },
            { noInput: false, env: project.env, what: 'trusting credctl.yaml', rebind: flags.rebind },
          );
        out(`trusted credctl.yaml in ${project.root} (digest ${t.digest})`);
      },
    );
}
