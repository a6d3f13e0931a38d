import { paint } from '../core/output.js';
import { html, htmlList, htmlReportDocument, htmlSection } from '../report/html/document.js';
import { escapeControl, escapeMarkdown, mapStrings } from '../core/text.js';
import type { CredentialProgress, RecoveryState } from './progress.js';
import type { RecheckResult } from './recheck.js';
import type { IncidentRecord } from './record.js';

/**
 * An incident as people read it: on a terminal (what is open, what to run next), and as the
 * Markdown and HTML a team hands to an auditor (what leaked, where each credential was kept, what
 * was done to each, and how the close was verified). Every string from the repository is
 * escaped for its medium; nothing here ever held a value.
 */
export interface IncidentView {
  incident: IncidentRecord;
  progress: CredentialProgress[];
  verification?: RecheckResult[];
}

const STATE_WORDS: Record<RecoveryState, string> = {
  exposed: 'exposed',
  'replacement-created': 'replacement created',
  'in-every-target': 'new value in every target',
  'old-deactivated': 'old value deactivated',
  'old-revoked': 'old value revoked',
  accepted: 'accepted',
};

/** The JSON form: the same facts, without the run internals the re-checks use. */
export function incidentJson(view: IncidentView): object {
  return {
    incident: view.incident,
    open: view.progress.filter((p) => p.state !== 'old-revoked' && p.state !== 'accepted').length,
    credentials: view.progress.map(({ source: _source, credential, ...rest }) => ({
      id: credential.id,
      names: credential.names,
      provider: credential.provider,
      redacted: credential.redacted,
      ...rest,
    })),
    ...(view.verification ? { verification: view.verification } : {}),
  };
}

export function renderIncidentTerminal(raw: IncidentView): string {
  const view = mapStrings(raw, escapeControl);
  const c = paint();
  const { incident, progress } = view;
  const open = progress.filter((p) => p.state !== 'old-revoked' && p.state !== 'accepted');
  const out = [
    c.bold(`Incident ${incident.id}: ${incident.title}`),
    c.dim(`opened ${incident.openedAt} by ${incident.openedBy}; evidence: ${incident.sources.join('; ') || 'none'}`),
    incident.closed
      ? c.green(`closed ${incident.closed.at} by ${incident.closed.by} (proof digest ${incident.closed.proofDigest.slice(0, 16)}…)`)
      : open.length
        ? c.yellow(`${open.length} of ${progress.length} credential(s) still open`)
        : c.green(`every credential is settled: close it with credctl incident close ${incident.id} --proof proof.json`),
  ];
  const ordered = [...progress].sort((a, b) => (a.credential.order ?? 1e9) - (b.credential.order ?? 1e9) || a.credential.id.localeCompare(b.credential.id));
  for (const p of ordered) {
    const cr = p.credential;
    const settled = p.state === 'old-revoked' || p.state === 'accepted';
    const mark = settled ? c.green('✓') : c.yellow('•');
    out.push('');
    out.push(`${mark} ${cr.names[0] ?? cr.id} (${cr.redacted}, ${cr.provider}): ${STATE_WORDS[p.state]}${p.deleteAfter ? ` until ${p.deleteAfter}` : ''}`);
    if (cr.accepted) out.push(`    accepted: ${cr.accepted.reason}${cr.accepted.verified ? ` (verified: ${cr.accepted.verified})` : ''}`);
    for (const t of p.targets)
      out.push(
        `    ${t.state === 'pending' ? c.yellow('pending  ') : t.state === 'confirmed' ? 'confirmed' : 'written  '} ${t.label}${t.envName ? ` ${t.envName}` : ''}`,
      );
    for (const n of p.needed) out.push(c.yellow(`    needed: ${n}`));
    if (p.next) out.push(`    next: ${p.next}`);
    const checked = view.verification?.find((v) => v.id === cr.id);
    if (checked && (checked.old !== 'not-checked' || checked.new !== 'not-checked' || checked.targets.length)) {
      const where = checked.targets.map((t) => `${t.label}: ${t.holds}`).join(', ');
      out.push(`    checked now: old ${checked.old}, new ${checked.new}${where ? `; ${where}` : ''}`);
      for (const problem of checked.problems) out.push(c.red(`    problem: ${problem}`));
    }
  }
  return out.join('\n');
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderIncidentMarkdown(raw: IncidentView): string {
  const view = mapStrings(raw, escapeMarkdown);
  const { incident, progress, verification } = view;
  const out = [
    `# Incident ${incident.id}: ${incident.title}`,
    '',
    `- Opened ${incident.openedAt} by ${incident.openedBy}`,
    `- Evidence: ${incident.sources.map(cell).join('; ') || 'none'}`,
    `- ${incident.closed ? `Closed ${incident.closed.at} by ${incident.closed.by}; proof digest \`${incident.closed.proofDigest}\`` : 'Open'}`,
    '',
    '| # | Credential | Provider | State | Kept in | Run |',
    '|---|---|---|---|---|---|',
  ];
  const ordered = [...progress].sort((a, b) => (a.credential.order ?? 1e9) - (b.credential.order ?? 1e9) || a.credential.id.localeCompare(b.credential.id));
  ordered.forEach((p, n) => {
    const cr = p.credential;
    out.push(
      `| ${cr.order ?? n + 1} | ${cell(cr.names[0] ?? cr.id)} \`${cell(cr.redacted)}\` | ${cell(cr.provider)} | ${STATE_WORDS[p.state]} | ${cell(p.targets.map((t) => `${t.label} (${t.state})`).join(', ') || '-')} | ${p.runId ?? '-'} |`,
    );
  });
  out.push('', '## Evidence and actions');
  for (const p of ordered) {
    const cr = p.credential;
    out.push('', `### ${cell(cr.names[0] ?? cr.id)} \`${cell(cr.redacted)}\``, '');
    out.push(`- Exposed: ${cr.evidence.map(cell).join('; ')}`);
    out.push(`- Places: ${cr.places.map((x) => cell(`${x.file}${x.line ? `:${x.line}` : ''}`)).join(', ') || 'none in this project'}`);
    out.push(`- Provider said at opening: ${cr.livenessAtOpen}`);
    if (cr.accepted)
      out.push(
        `- Accepted by ${cr.accepted.by} at ${cr.accepted.at}: ${cell(cr.accepted.reason)}${cr.accepted.verified ? ` (verified: ${cell(cr.accepted.verified)})` : ''}`,
      );
    for (const n of p.needed) out.push(`- Still needed: ${cell(n)}`);
  }
  if (verification?.length) {
    out.push('', '## Verification at close', '', '| Credential | Old value | New value | Targets |', '|---|---|---|---|');
    for (const v of verification) {
      out.push(
        `| ${cell(v.name)} | ${v.old} | ${v.new} | ${cell(v.targets.map((t) => `${t.label}${t.envName ? ` ${t.envName}` : ''}: ${t.holds}`).join(', ') || '-')} |`,
      );
    }
  }
  out.push('');
  return out.join('\n');
}

/** The Markdown's facts as one self-contained page (no scripts, no network), on the reports' shared shell. */
export function renderIncidentHtml(view: IncidentView): string {
  const { incident, progress, verification } = view;
  const ordered = [...progress].sort((a, b) => (a.credential.order ?? 1e9) - (b.credential.order ?? 1e9) || a.credential.id.localeCompare(b.credential.id));
  const rows = ordered.map((p, n) => {
    const cr = p.credential;
    const still = p.needed.join('; ') || (cr.accepted ? `accepted: ${cr.accepted.reason}` : '-');
    return html`<tr class="s-${p.state}"><td>${String(cr.order ?? n + 1)}</td><td>${cr.names[0] ?? cr.id} <code>${cr.redacted}</code></td><td>${cr.provider}</td><td>${STATE_WORDS[p.state]}</td><td>${p.targets.map((t) => `${t.label} (${t.state})`).join(', ') || '-'}</td><td>${cr.evidence.join('; ')}</td><td>${still}</td></tr>`;
  });
  const checks = (verification ?? []).map(
    (v) =>
      html`<tr><td>${v.name}</td><td>${v.old}</td><td>${v.new}</td><td>${v.targets.map((t) => `${t.label}${t.envName ? ` ${t.envName}` : ''}: ${t.holds}`).join(', ') || '-'}</td></tr>`,
  );
  const closed = incident.closed ? `Closed ${incident.closed.at} by ${incident.closed.by}; proof digest ${incident.closed.proofDigest}.` : 'Open.';
  return htmlReportDocument({
    title: `Incident ${incident.id}`,
    heading: `Incident ${incident.id}: ${incident.title}`,
    summary: `Opened ${incident.openedAt} by ${incident.openedBy}. ${closed}`,
    styles: 'tr.s-old-revoked td:nth-child(4),tr.s-accepted td:nth-child(4){color:#176117}tr.s-exposed td:nth-child(4){color:#a00}',
    sections: [
      htmlSection('sources', 'Evidence', htmlList('sources', incident.sources)),
      htmlSection(
        'credentials',
        'Credentials',
        html`<table><thead><tr><th>#</th><th>Credential</th><th>Provider</th><th>State</th><th>Kept in</th><th>Evidence</th><th>Still needed</th></tr></thead><tbody>${rows}</tbody></table>`,
      ),
      ...(checks.length
        ? [
            htmlSection(
              'verification',
              'Verification at close',
              html`<table><thead><tr><th>Credential</th><th>Old value</th><th>New value</th><th>Targets</th></tr></thead><tbody>${checks}</tbody></table>`,
            ),
          ]
        : []),
    ],
  });
}
