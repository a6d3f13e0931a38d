import { paint } from '../core/output.js';
import { shortFingerprint } from '../core/fingerprint.js';
import { recoveredText, severity, type BlastItem, type BlastReport } from './model.js';
import { escapeControl, mapStrings } from '../core/text.js';

/**
 * The terminal view: grouped by severity, one block per credential, readable in 20 seconds.
 * Colour only on a TTY and never with NO_COLOR (paint() decides).
 */
export function renderBlastTerminal(raw: BlastReport): string {
  // Names and paths come from the repository: no control character reaches the terminal.
  const report = mapStrings(raw, escapeControl);
  const c = paint();
  const out: string[] = [];
  const s = report.summary;
  out.push(
    c.bold(`Blast radius: ${s.exposed} exposed credential${s.exposed === 1 ? '' : 's'}`) +
      `  ${c.red(`${s.critical} critical`)} · ${s.active} verified active · ${s.public} public · ${s.breaking} would break something if revoked now`,
  );
  out.push(c.dim(`Evidence: ${report.sources.join('; ') || 'none'}`));
  const groups: Record<string, BlastItem[]> = { critical: [], high: [], medium: [], low: [] };
  for (const item of report.items) groups[severity(item.score)]!.push(item);
  const colour = { critical: c.red.bold, high: c.red, medium: c.yellow, low: c.dim };
  for (const level of ['critical', 'high', 'medium', 'low'] as const) {
    const items = groups[level]!;
    if (!items.length) continue;
    out.push('');
    out.push(colour[level](`${level.toUpperCase()} (${items.length})`));
    for (const item of items) out.push(...renderItem(item));
  }
  if (report.order.length) {
    out.push('');
    out.push(c.bold('Safe rotation order (guards first):'));
    const byId = new Map(report.items.map((i) => [i.id, i]));
    report.order.forEach((id, n) => {
      const item = byId.get(id);
      out.push(`  ${n + 1}. ${item?.names[0] ?? shortFingerprint(id)} ${c.dim(`(${item?.provider ?? '?'}, ${item?.rotation.strategy ?? '?'})`)}`);
    });
    for (const cycle of report.cycles) out.push(c.yellow(`  cycle: ${cycle.join(' ↔ ')}: rotated one at a time, most-guarding first`));
  }
  if (report.recovered?.length) {
    out.push('');
    out.push(c.green(`Already dealt with (${report.recovered.length}), not counted as exposed:`));
    for (const r of report.recovered) out.push(`  ${r.name ?? shortFingerprint(r.id)} (${r.redacted}): ${recoveredText(r)}`);
  }
  return out.join('\n');
}

function renderItem(item: BlastItem): string[] {
  const c = paint();
  const lines: string[] = [];
  const name = item.names[0] ?? '(unnamed)';
  const live = item.liveness.status === 'active' ? c.red('LIVE') : item.liveness.status === 'inactive' ? c.green('inactive') : c.yellow('liveness unknown');
  lines.push(
    `  ${c.bold(name)} ${item.redacted}  ${item.provider}/${item.kind}${item.environment ? ` [${item.environment}]` : ''}  ${live}  score ${item.score}${item.overbroad ? c.yellow('  OVERBROAD') : ''}`,
  );
  lines.push(`    exposed: ${item.exposedVia.join('; ')}`);
  if (item.liveness.reason) lines.push(c.dim(`    checked: ${escapeControl(item.liveness.reason)}`));
  const who = [
    item.identity?.principal,
    item.identity?.account && item.identity.account !== item.identity.principal ? `account ${item.identity.account}` : undefined,
    item.identity?.kind,
  ].filter(Boolean);
  if (who.length) lines.push(`    whose: ${escapeControl(who.join(' · '))}`);
  if (item.lastUsedAt) lines.push(`    last used: ${escapeControl(item.lastUsedAt)}`);
  if (item.access.status === 'known') {
    const scopes = item.access.scopes.map((s) => `${s.scope} (${s.risk})`).join(', ') || 'no scopes';
    lines.push(`    can: ${scopes}`);
  } else {
    lines.push(`    can: unknown (${item.access.reason ?? 'provider cannot be asked'})`);
  }
  if (item.places.length)
    lines.push(
      `    in: ${item.places.map((p) => `${p.line ? `${p.file}:${p.line}` : p.file}${p.git === 'ignored' ? ' (ignored, local only)' : p.git === 'untracked' ? ' (untracked)' : ''}`).join(', ')}`,
    );
  if (item.consumers.length) lines.push(`    used by: ${item.consumers.map((x) => x.label).join(', ')}`);
  if (item.targets.length) lines.push(`    kept in: ${item.targets.map((t) => t.label).join(', ')}`);
  lines.push(
    item.breaks.length ? c.yellow(`    revoking now breaks: ${item.breaks.map((b) => b.consumer).join(', ')}`) : '    revoking now breaks: nothing known',
  );
  const revoke =
    item.revocable === 'api'
      ? `credctl can revoke it now (credctl blast-radius --revoke-dead-ends${item.consumers.length ? '; it has consumers, so rotate it first' : ''})`
      : item.revocable === 'manual'
        ? `by hand at the provider${item.rotation.note?.startsWith('https://') ? ` (${item.rotation.note})` : ''}`
        : 'credctl cannot revoke it';
  lines.push(`    revoke: ${revoke}`);
  if (item.revokeNote && item.revocable === 'api') lines.push(c.yellow(`      note: ${escapeControl(item.revokeNote)}`));
  if (!item.inGraph) lines.push(c.dim('    not found in this project: rotate it at the provider'));
  lines.push(c.dim(`    why this score: ${item.scoreReasons.join('; ')}`));
  return lines;
}
