import type { Command } from 'commander';
import { ExitCode } from '../../core/exit-codes.js';
import * as io from '../../core/io.js';

/** `credctl demo`: the leak-to-recovery walkthrough (src/demo/demo.ts). */
export const order = 5;

export function register(program: Command): void {
  program
    .command('demo')
    .description('a real leak-to-recovery run: blast radius, plan, rotation and proof, against the built-in reference issuer')
    .option('--json', 'print only the result as JSON on stdout (narration goes to stderr)')
    .option('--keep', 'keep the demo workspace (a temp dir) for a look around')
    .option('--no-postgres', 'skip the PostgreSQL part even if PostgreSQL is installed')
    .addHelpText(
      'after',
      `
What it does, all on this machine (nothing to set up, nothing touched outside a temp dir):
  1. copies fixtures/webapp-node into a temp git repo, starts the reference issuer, a throwaway
     PostgreSQL (when installed) and local stand-ins for the GitHub and Vercel APIs, and mints
     live keys for the app;
  2. leaks them in a CI log, and runs blast-radius on it;
  3. rotates every credential that has an API (new key created, sealed in the store, written to
     .env files, GitHub Actions and Vercel, health-checked, old key revoked), narrowing an
     overbroad key on the way;
  4. proves it: new keys work, old ones are refused, the audit log verifies;
  5. closes the incident with a proof bundle and verifies it offline (credctl incident close/verify).
Exit code 0 when every check passed, 7 otherwise.`,
    )
    .action(async (flags: { json?: boolean; keep?: boolean; postgres: boolean }) => {
      const { runDemo } = await import('../../demo/demo.js');
      const { renderBlastTerminal } = await import('../../report/render-terminal.js');
      const { progressPrinter } = await import('../../apply/context.js');
      const { paint } = await import('../../core/output.js');
      const c = paint();
      const out = (line: string) => (flags.json ? io.err() : io.out()).write(line + '\n');
      out(c.bold('credctl demo: a credential leak, its blast radius, and a verified recovery\n'));
      const { renderPlanSummary } = await import('../../plan/render.js');
      const result = await runDemo({
        keep: flags.keep,
        postgres: flags.postgres,
        say: out,
        onEvent: progressPrinter((line) => out(line)),
        onBlastRadius: (report, plan) => {
          out(c.bold('1. An incident, and the blast radius of the leak') + c.dim('  (credctl incident open --leaked leak/ci-log.txt)\n'));
          out(renderBlastTerminal(report));
          out('\n' + c.bold('2. Recovery') + c.dim('  (credctl rotate: a reviewable plan, then apply with a journal)\n'));
          out(renderPlanSummary(plan));
          out('');
        },
      });
      if (flags.json) {
        const { report, run, ...rest } = result;
        const { printJson } = await import('../../core/output.js');
        printJson({ ...rest, blastRadius: report, runId: run.runId });
      } else {
        out(
          `\n   rotated ${result.credentialsRotated}, old credentials revoked ${result.oldCredentialsRevoked} (refused by their provider afterwards: ${result.oldCredentialsRefusedAfterRevoke}), health checks passed ${result.healthChecksPassed}${result.healthChecksFailed ? `, failed ${result.healthChecksFailed}` : ''}`,
        );
        out('\n' + c.bold('3. Proof') + c.dim('  (checked from the outside: the issuer, the database, the GitHub, Vercel and AWS stand-ins)'));
        for (const ch of result.checks) out(`   ${ch.ok ? c.green('✓') : c.red('✗')} ${ch.what}`);
        if (result.postgres !== 'rotated') out(c.dim(`   - PostgreSQL part ${result.postgres}`));
        if (result.manualFollowUps.length) {
          out('\n' + c.bold('4. Still to do by hand'));
          for (const m of result.manualFollowUps)
            out(`   ${c.yellow('!')} ${m.name}: ${m.why}${m.url ? ` (${m.url})` : ''}; \`credctl rotate ${m.name}\` walks you through it`);
        }
        out(
          '\n' +
            c.bold(
              `Summary: ${result.credentialsRotated} rotated, ${result.oldCredentialsRevoked} revoked, ${result.healthChecksPassed} health checks passed, audit log ${result.auditVerified ? 'verified' : 'FAILED to verify'} (${result.auditEntries} entries).`,
            ),
        );
        out(
          c.dim(
            `Incident ${result.incident.id}: ${result.incident.closed ? 'closed' : 'still open'}${result.incident.accepted ? ` (${result.incident.accepted} credential(s) accepted as steps for a person, which the proof says)` : ''}; proof ${result.incident.proofVerified ? 'verified offline' : 'not verified'} (credctl incident close --proof, credctl incident verify --pubkey).`,
          ),
        );
        out(result.kept ? `Workspace kept at ${result.workspace}` : c.dim('Workspace removed (run with --keep to look around).'));
      }
      if (!result.checks.every((ch) => ch.ok) || result.run.failed.length) process.exitCode = ExitCode.RunFailed;
    });
}
