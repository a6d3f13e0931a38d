import type { Command } from 'commander';
import { CredctlError, usageError } from '../../core/errors.js';
import { escapeControl } from '../../core/text.js';
import { ExitCode } from '../../core/exit-codes.js';
import * as io from '../../core/io.js';
import { addExposureOptions, exposureInputs, type ExposureFlags } from '../exposure-options.js';
import { printJson } from '../../core/output.js';

/** `credctl incident open | status | accept | close | verify`: one leak, from "we leaked" to a proof. */
export const order = 36;

const _collect = (v: string, prev: string[] = []) => [...prev, v];
const FORMATS = ['terminal', 'json', 'md', 'html'];

const EXAMPLES = `
Examples:
  $ credctl incident open --leaked .env.leaked --title ".env posted in a public issue"
  $ credctl incident status                      # what is open, target by target, and what to run next
  $ credctl rotate STRIPE_SECRET_KEY             # ... recover ...
  $ credctl incident accept STRIPE_TEST_KEY --reason "test-mode key, no customer data"
  $ credctl incident close --proof proof.json    # refused (exit 6) until every credential is settled
  $ credctl incident verify proof.json --pubkey audit.pub   # on another machine, offline, with the published key
  $ credctl incident status --format md > incident.md       # for the auditor

States: exposed → replacement-created → in-every-target → old-deactivated (until a date)
→ old-revoked, or accepted (with a reason).

Exit codes: open: 1 an incident was opened (exposure found), 0 nothing exposed; status: 0 nothing
open, 1 items open (or a --check failed); close: 6 items open, a re-check failed or not trusted,
4 the record disagrees with the audit log; verify: 0 the proof holds against the key given with
--pubkey, 1 --unpinned and consistent (who signed it is not established), 4 it does not hold (any
changed byte, another key), 3 unreadable file; 2 usage (--pubkey missing).`;

function pickFormat(flags: { format?: string; json?: boolean }): string {
  const f = flags.json ? 'json' : (flags.format ?? 'terminal');
  if (!FORMATS.includes(f)) throw usageError(`--format must be one of ${FORMATS.join(', ')}`);
  return f;
}

interface OpenFlags extends ExposureFlags {
  title?: string;
  probe: boolean;
  json?: boolean;
  root?: string;
}

export function register(program: Command): void {
  const incident = program
    .command('incident')
    .description('carry a leak from "we leaked" to a signed proof that the recovery is complete')
    .addHelpText('after', EXAMPLES);
  registerOpen(incident);
  registerStatus(incident);
  registerAccept(incident);
  registerClose(incident);
  registerVerify(incident);
}

/** `incident open`: record what an exposure put at risk. */
function registerOpen(incident: Command): void {
  addExposureOptions(
    incident
      .command('open')
      .description('record what an exposure put at risk (takes every input blast-radius takes; several at once)')
      .requiredOption('--title <text>', 'what happened, in a line'),
  )
    .option('--no-probe', 'do not ask providers whether credentials are live')
    .option('--json', 'machine-readable output')
    .option('--root <dir>', 'project root (default: the git root of the current directory)')
    .action(async (flags: OpenFlags) => {
      const { requireProjectRoot } = await import('../../core/project-root.js');
      const { openIncident } = await import('../../commands/incident.js');
      const { incidentJson, renderIncidentTerminal } = await import('../../incident/render.js');
      const root = requireProjectRoot(flags.root);
      const { incident: opened, report } = await openIncident(root, { title: flags.title ?? '', ...exposureInputs(flags), probe: flags.probe });
      if (!opened) {
        const recovered = report.recovered?.length ? ` (${report.recovered.length} already dealt with)` : '';
        if (flags.json) printJson({ incident: null, recovered: report.recovered ?? [] });
        else io.err().write(`Nothing exposed in those inputs${recovered}: no incident opened.\n`);
        return;
      }
      const view = { incident: opened.incident, progress: opened.progress };
      if (flags.json) printJson(incidentJson(view));
      else {
        io.out().write(`${renderIncidentTerminal(view)}\n`);
        io.err().write(`Opened incident ${opened.incident.id}. Recover, then: credctl incident close ${opened.incident.id} --proof proof.json\n`);
      }
      process.exitCode = ExitCode.Findings;
    });
}

/** `incident status`: each credential's state, and the next command. */
function registerStatus(incident: Command): void {
  incident
    .command('status [id]')
    .description('where each exposed credential stands, target by target, and the next command to run')
    .option('--check', 'also ask the providers and targets now: old value refused, new value live, targets hold it')
    .option('--no-input', 'never prompt (an untrusted credctl.yaml is then refused for --check)')
    .option('--format <format>', `output: ${FORMATS.join(' | ')}`, 'terminal')
    .option('--json', 'same as --format json')
    .option('--root <dir>', 'project root (default: the git root of the current directory)')
    .action(async (id: string | undefined, flags: { check?: boolean; input: boolean; format?: string; json?: boolean; root?: string }) => {
      const format = pickFormat(flags);
      const { requireProjectRoot } = await import('../../core/project-root.js');
      const { incidentStatus } = await import('../../commands/incident.js');
      const render = await import('../../incident/render.js');
      const statuses = await incidentStatus(requireProjectRoot(flags.root), id, { check: flags.check, noInput: !flags.input });
      if (statuses.length === 0) {
        if (format === 'json') printJson({ incidents: [] });
        else io.err().write('No incidents. Open one with `credctl incident open --leaked FILE --title "..."`.\n');
        return;
      }
      const views = statuses.map((s) => ({ incident: s.incident, progress: s.progress, ...(s.verification ? { verification: s.verification } : {}) }));
      if (format === 'json') printJson({ incidents: views.map(render.incidentJson) });
      else if (format === 'md') io.out().write(views.map(render.renderIncidentMarkdown).join('\n'));
      else if (format === 'html') io.out().write(views.map(render.renderIncidentHtml).join('\n'));
      else io.out().write(`${views.map(render.renderIncidentTerminal).join('\n\n')}\n`);
      const failedChecks = statuses.some((s) => s.verification?.some((v) => v.problems.length));
      if (failedChecks || statuses.some((s) => s.open > 0 && !s.incident.closed)) process.exitCode = ExitCode.Findings;
    });
}

/** `incident accept`: settle one credential with a reason. */
function registerAccept(incident: Command): void {
  incident
    .command('accept <credential>')
    .description('settle an exposed credential without rotating it, with a reason (a test key; a key already dead)')
    .requiredOption('--reason <text>', 'why no rotation is needed (recorded in the audit log)')
    .option('--incident <id>', 'which incident (default: the only open one)')
    .option('--root <dir>', 'project root (default: the git root of the current directory)')
    .action(async (credential: string, flags: { reason: string; incident?: string; root?: string }) => {
      const { requireProjectRoot } = await import('../../core/project-root.js');
      const { acceptExposure } = await import('../../commands/incident.js');
      const s = await acceptExposure(requireProjectRoot(flags.root), flags.incident, credential, flags.reason);
      io.err().write(`Accepted. Incident ${s.incident.id}: ${s.open} item(s) still open.\n`);
    });
}

/** `incident close`: re-check, record the close, write the proof. */
function registerClose(incident: Command): void {
  incident
    .command('close [id]')
    .description('re-verify with providers and targets, record the close in the audit log, and write the proof')
    .requiredOption('--proof <file>', 'where to write the proof bundle (JSON; checkable offline with `credctl incident verify`)')
    .option('--json', 'machine-readable output')
    .option('--no-input', 'never prompt')
    .option('--root <dir>', 'project root (default: the git root of the current directory)')
    .action(async (id: string | undefined, flags: { proof: string; json?: boolean; input: boolean; root?: string }) => {
      const { requireProjectRoot } = await import('../../core/project-root.js');
      const { closeIncident } = await import('../../commands/incident.js');
      const r = await closeIncident(requireProjectRoot(flags.root), id, flags.proof, { noInput: !flags.input });
      if (flags.json) {
        printJson({ incident: r.incident.id, closed: r.incident.closed, proof: r.proofFile, verification: r.verification });
        return;
      }
      for (const v of r.verification) {
        const accepted = v.old === 'not-checked' && v.new === 'not-checked' && !v.targets.length;
        const what = accepted
          ? 'accepted, nothing to re-check'
          : `old ${v.old}, new ${v.new}${v.targets.length ? `; ${v.targets.map((t) => `${t.label}: ${t.holds}`).join(', ')}` : ''}`;
        io.out().write(`✓ ${escapeControl(v.name)}: ${escapeControl(what)}\n`);
      }
      io.err().write(`Closed incident ${r.incident.id}. Proof written to ${r.proofFile} (${r.coveredBy} audit entries cover it).\n`);
    });
}

/** `incident verify`: check a proof offline. */
function registerVerify(incident: Command): void {
  incident
    .command('verify <file>')
    .description('check an incident proof offline against the published audit key: the signed audit log, its checkpoint, and that no byte changed')
    .option('--pubkey <file>', "the audit public key the proof's owner published (required: it establishes who signed the proof)")
    .option('--unpinned', 'no published key at hand: check only that the proof is consistent with the key it carries (not who signed it; exit 1)')
    .option('--json', 'machine-readable output')
    .action(async (file: string, flags: { pubkey?: string; unpinned?: boolean; json?: boolean }) => {
      // A proof checked only against the key it carries proves that it is self-consistent, not
      // who made it: anyone can sign a consistent proof with a key of their own. So the key is
      // pinned unless the person says, with --unpinned, that they know it is not.
      if (flags.pubkey && flags.unpinned) throw usageError('--pubkey and --unpinned exclude each other: --unpinned is for when no published key is at hand');
      if (!flags.pubkey && !flags.unpinned)
        throw usageError(
          "incident verify needs the published audit key: add --pubkey FILE (the proof owner's .credctl/audit.pub, obtained apart from the proof), or --unpinned to check consistency only",
        );
      const { readInputText } = await import('../../core/errors.js');
      const { verifyIncidentProof } = await import('../../commands/incident.js');
      const pubkey = flags.pubkey ? readInputText(flags.pubkey, `public key ${flags.pubkey}`) : undefined;
      let verdict: Awaited<ReturnType<typeof verifyIncidentProof>>;
      try {
        verdict = verifyIncidentProof(file, pubkey);
      } catch (err) {
        // --json answers on stdout either way, as `audit verify --json` does; the error still goes to stderr.
        if (flags.json && err instanceof CredctlError && err.exitCode === ExitCode.Integrity)
          printJson({ ok: false, consistent: false, pinnedKey: pubkey !== undefined, problem: err.message });
        throw err;
      }
      const pinned = verdict.pinnedKey;
      // Unpinned: consistent, but who signed it is not established. Not a pass (exit 1).
      if (!pinned) process.exitCode = ExitCode.Findings;
      if (flags.json) printJson({ ok: pinned, consistent: true, ...verdict, ...(pinned ? {} : { signer: 'not established' }) });
      else {
        const what = `incident ${verdict.incident} "${escapeControl(verdict.title)}", closed ${verdict.closedAt}: ${verdict.credentials} credential(s), ${verdict.auditEntries} audit entries`;
        if (pinned) io.out().write(`verified: ${what}\n`);
        else {
          io.out().write(`consistent, signer NOT established: ${what}\n`);
          io.err().write(
            'note: checked only against the public key inside the proof, so anyone could have made it; verify with --pubkey and the published key to establish who signed it.\n',
          );
        }
      }
    });
}
