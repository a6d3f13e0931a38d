import { recoveredText, severity, type BlastReport } from './model.js';
import { escapeMarkdown, mapStrings } from '../core/text.js';

/** An incident report to paste into a ticket. Escapes table cells; holds no values. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderBlastMarkdown(raw: BlastReport): string {
  // Names, paths and labels come from the repository: no raw HTML, links or control characters.
  const report = mapStrings(raw, escapeMarkdown);
  const s = report.summary;
  const out: string[] = [];
  out.push(`# Credential exposure report`);
  out.push('');
  out.push(`Generated ${report.generatedAt} by credctl for \`${report.root}\`.`);
  out.push('');
  out.push(
    `**${s.exposed}** exposed credentials: **${s.critical}** critical, **${s.active}** verified active, **${s.public}** publicly exposed, **${s.breaking}** would break a consumer if revoked before rotation.`,
  );
  out.push('');
  out.push(`Evidence: ${report.sources.map((x) => cell(x)).join('; ') || 'none'}`);
  out.push('');
  out.push('| # | Credential | Provider / kind | Severity | Live | Access | Used by | Breaks if revoked | Revoke |');
  out.push('|---|---|---|---|---|---|---|---|---|');
  report.items.forEach((i, n) => {
    const access =
      i.access.status === 'known' ? i.access.scopes.map((x) => `${x.scope} (${x.risk})`).join(', ') || 'none' : `unknown: ${i.access.reason ?? ''}`;
    out.push(
      `| ${n + 1} | ${cell(i.names[0] ?? '(unnamed)')} \`${cell(i.redacted)}\` | ${cell(`${i.provider} / ${i.kind}`)}${i.environment ? ` (${cell(i.environment)})` : ''} | ${severity(i.score)} (${i.score}) | ${i.liveness.status} | ${cell(access)} | ${cell(i.consumers.map((c) => c.label).join(', ') || '-')} | ${cell(i.breaks.map((b) => b.consumer).join(', ') || '-')} | ${i.revocable} |`,
    );
  });
  out.push('');
  out.push('## Recovery order');
  out.push('');
  const byId = new Map(report.items.map((i) => [i.id, i]));
  report.order.forEach((id, n) => {
    const i = byId.get(id);
    out.push(
      `${n + 1}. ${cell(i?.names[0] ?? id)} (${i?.provider ?? '?'}): ${i?.rotation.strategy === 'api' ? 'automatic via credctl apply' : i?.rotation.strategy === 'manual' ? `manual: ${cell(i.rotation.note ?? 'see the plan')}` : 'not rotatable by credctl'}`,
    );
  });
  for (const cycle of report.cycles) out.push(`\nCycle: ${cycle.join(' ↔ ')} (rotated one at a time, most-guarding first).`);
  out.push('');
  out.push('## Details');
  for (const i of report.items) {
    out.push('');
    out.push(`### ${cell(i.names[0] ?? i.id)} \`${cell(i.redacted)}\``);
    out.push('');
    out.push(`- Exposed: ${i.exposedVia.map(cell).join('; ')}`);
    out.push(
      `- Places: ${i.places.map((p) => `${cell(`${p.file}${p.line ? `:${p.line}` : ''}`)}${p.git === 'ignored' ? ' (ignored, local only)' : p.git === 'untracked' ? ' (untracked)' : ''}`).join(', ') || 'none in this project'}`,
    );
    out.push(`- Kept in: ${i.targets.map((t) => cell(t.label)).join(', ') || '-'}`);
    out.push(`- Score ${i.score}: ${i.scoreReasons.map(cell).join('; ')}`);
    if (i.overbroad) out.push(`- Overbroad: scopes not used by any consumer: ${i.unusedScopes.join(', ')}`);
  }
  if (report.recovered?.length) {
    out.push('');
    out.push('## Already dealt with');
    out.push('');
    for (const r of report.recovered) out.push(`- ${cell(r.name ?? r.id)} \`${cell(r.redacted)}\`: ${cell(recoveredText(r))}`);
  }
  out.push('');
  return out.join('\n');
}
