import { paint } from '../core/output.js';
import { OPERATIONS } from './adapter.js';
import { supportOf, type Manifest, type PermissionSchemaDoc } from './manifest.js';

/** The human view of a manifest: what can be done how, the practice fields, scopes and patterns. */
export function capabilityTable(manifest: Manifest, permissions?: PermissionSchemaDoc, heading?: string): string {
  const c = paint();
  const lines: string[] = [];
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(28)} ${value}`);
  const yesNo = (v: boolean | undefined) => (v === undefined ? c.dim('not stated') : v ? 'yes' : 'no');
  lines.push(c.bold(heading ?? `${manifest.display_name ?? manifest.issuer}  (${manifest.issuer})`));
  lines.push('', c.bold('Operations'));
  const support = supportOf(manifest);
  for (const op of OPERATIONS) {
    const how = support[op];
    const where = how === 'manual' ? c.dim(`  ${manifest.manual_operations?.[op]?.url ?? ''}`) : '';
    row(op, (how === 'api' ? c.green('api') : how === 'manual' ? c.yellow('manual') : c.dim('none')) + where);
  }
  lines.push('', c.bold('Practice'));
  const max = manifest.max_concurrent_credentials;
  row(
    'max concurrent credentials',
    max === undefined ? c.dim('not stated') : max === null ? 'no limit' : String(max) + (max < 2 ? c.yellow('  (no overlap: rotation has a gap)') : ''),
  );
  row('revocation latency', manifest.revocation_latency_seconds === undefined ? c.dim('not stated') : `${manifest.revocation_latency_seconds} s`);
  row('secret shown once', yesNo(manifest.secret_shown_once));
  row(
    'idempotency keys',
    manifest.supports_idempotency_keys ? `yes (${manifest.idempotency_key_header ?? 'Idempotency-Key'})` : yesNo(manifest.supports_idempotency_keys),
  );
  row('reversible deactivation', yesNo(manifest.supports_deactivation));
  row('expiring credentials', yesNo(manifest.supports_expiring_credentials));
  row('workload-bound credentials', yesNo(manifest.supports_workload_bound_credentials));
  if (manifest.rotation_strategy) row('rotation strategy', manifest.rotation_strategy);
  if (manifest.auth_methods?.length) row('auth methods', manifest.auth_methods.join(', '));
  if (manifest.supported_credential_types?.length) row('credential types', manifest.supported_credential_types.join(', '));
  if (manifest.dashboard_url) row('dashboard', manifest.dashboard_url);
  if (permissions?.scopes.length) {
    lines.push('', c.bold('Scopes'));
    const width = Math.max(...permissions.scopes.map((s) => s.name.length));
    for (const s of permissions.scopes) {
      const risk = s.risk === 'admin' ? c.red(s.risk) : s.risk === 'write' ? c.yellow(s.risk) : s.risk;
      const implies = s.implies?.length ? c.dim(` (includes ${s.implies.join(', ')})`) : '';
      lines.push(`  ${s.name.padEnd(width)}  ${risk.padEnd(5 + (risk.length - s.risk.length))}  ${s.description}${implies}`);
    }
  } else if (manifest.scopes_supported?.length) {
    lines.push('', c.bold('Scopes'), `  ${manifest.scopes_supported.join(', ')}`);
  }
  if (manifest.credential_patterns?.length) {
    lines.push('', c.bold('Credential patterns'));
    for (const p of manifest.credential_patterns) lines.push(`  ${p.name}: ${p.regex}`);
  }
  return lines.join('\n') + '\n';
}
