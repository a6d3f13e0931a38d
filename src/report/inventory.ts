import type { CredentialIdentity } from '../core/credential.js';
import { identityOf } from '../core/credential.js';
import { where } from '../graph/query.js';
import type { CredentialNode, Graph } from '../graph/types.js';
import type { ProjectSettings } from '../config/sections.js';
import { manualStep } from '../providers/registry.js';
import type { WiredProvider } from '../integrations/providers.js';
import { codeOwners, firstPlace, jwtExpiry, rotatedAt, valueWrittenAt } from './facts.js';
import type { AccessScope } from './model.js';
import { partsFromProject, probeAll, valueFromProject, type ProbeResult } from './probe.js';
import type { SafeHttp } from '../net/http.js';
import { escapeMarkdown, mapStrings } from '../core/text.js';
import { escapeHtml } from './html/document.js';

/**
 * The handoff view (a new team, an audit, an acquisition): every credential, who owns it, what it
 * can reach, where it is used, when it was last rotated or written, when it expires, and how to
 * replace it. Never a value.
 */
export interface InventoryItem extends CredentialIdentity {
  owner?: string;
  scopes: AccessScope[] | 'unknown';
  places: { file: string; line: number }[];
  consumers: string[];
  targets: string[];
  lastRotated?: string;
  /** When its value was last written where it sits (git blame or file time), if never rotated by credctl. */
  lastWritten?: { at: string; source: 'git' | 'mtime' };
  expiresAt?: string;
  replace: string;
}

export interface InventoryInput {
  root: string;
  auditFile: string;
  graph: Graph;
  settings: ProjectSettings;
  providers: WiredProvider[];
  probe?: boolean;
  /** The client the probes use: one that knows the origins the user trusted (a Datadog site, an issuer). */
  http?: SafeHttp;
  /** The provider's plain ids from trusted credctl.yaml (a Datadog site, a Shopify shop). */
  settingsFor?: (provider: string) => Record<string, string> | undefined;
}

export async function inventory(input: InventoryInput): Promise<InventoryItem[]> {
  const providers = new Map(input.providers.map((p) => [p.id, p]));
  const rotated = rotatedAt(input.auditFile);
  const ownerOf = codeOwners(input.root);
  const creds = input.graph.nodes.filter((n): n is CredentialNode => n.type === 'credential');
  const out: InventoryItem[] = [];
  // Every credential asked at once (the verify scheduler paces each vendor), each with its parts
  // (an AWS key id beside its secret) and the provider's trusted settings.
  const probedAll =
    input.probe === false
      ? new Map<string, ProbeResult>()
      : await probeAll(
          creds.map((c) => {
            const provider = providers.get(c.provider);
            const parts = partsFromProject(input.root, input.graph, c.id, provider?.integration?.parts);
            const settings = input.settingsFor?.(c.provider);
            return {
              key: c.id,
              value: valueFromProject(input.root, input.graph, c.id),
              provider,
              ...(parts ? { parts } : {}),
              ...(settings ? { settings } : {}),
            };
          }),
          input.http ? { http: input.http } : {},
        );
  for (const c of creds) {
    const w = where(input.graph, c.id);
    const provider = providers.get(c.provider);
    const place = firstPlace(input.graph, c.id);
    const value = valueFromProject(input.root, input.graph, c.id);
    const probed = probedAll.get(c.id);
    const jwtExp = c.kind === 'jwt' && value ? jwtExpiry(value) : undefined;
    const exp = probed?.expiresAt ?? jwtExp;
    const configuredOwner = c.names.map((n) => input.settings.credentials[n]?.owner).find(Boolean);
    const manual = manualStep(provider, 'create');
    const api = provider?.support.create === 'api' || provider?.support.rotate === 'api';
    out.push({
      ...identityOf(c),
      ...((configuredOwner ?? (place && ownerOf(place.file))) ? { owner: configuredOwner ?? ownerOf(place!.file) } : {}),
      scopes: probed?.access.status === 'known' ? probed.access.scopes : 'unknown',
      places: w.places.filter((p) => p.credential === c.id).map((p) => ({ file: p.file, line: p.line })),
      consumers: w.consumers.map((x) => x.label),
      targets: w.targets.filter((t) => t.credentials.includes(c.id)).map((t) => t.label),
      ...(rotated.get(c.id) ? { lastRotated: rotated.get(c.id) } : place ? { lastWritten: valueWrittenAt(input.root, place.file, place.line) } : {}),
      ...(exp ? { expiresAt: new Date(exp * 1000).toISOString() } : {}),
      replace: api
        ? `credctl rotate ${c.names[0] ?? c.id} (through the ${provider!.name} API${input.settings.providers[c.provider]?.admin ? '' : `; set providers.${c.provider}.admin in credctl.yaml first`})`
        : manual?.url
          ? `create a new one at ${manual.url}, then credctl rotate ${c.names[0] ?? c.id}`
          : `replace it where it is defined, then credctl rotate ${c.names[0] ?? c.id}`,
    });
  }
  return out.sort((a, b) => (a.names[0] ?? a.id).localeCompare(b.names[0] ?? b.id));
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderInventoryMarkdown(raw: InventoryItem[]): string {
  const items = mapStrings(raw, escapeMarkdown);
  const lines = [
    '# Credential inventory',
    '',
    '| Credential | Provider / kind | Owner | Scopes | Used by | Kept in | Last rotated | Expires | How to replace |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const i of items) {
    const scopes = i.scopes === 'unknown' ? 'unknown' : i.scopes.map((s) => `${s.scope} (${s.risk})`).join(', ') || 'none';
    const rotatedCell = i.lastRotated
      ? i.lastRotated.slice(0, 10)
      : i.lastWritten
        ? `never by credctl (value written ${i.lastWritten.at.slice(0, 10)})`
        : 'unknown';
    lines.push(
      `| ${cell(i.names.join(', ') || '(unnamed)')} \`${cell(i.redacted)}\` | ${cell(`${i.provider} / ${i.kind}`)}${i.environment ? ` (${i.environment})` : ''} | ${cell(i.owner ?? '-')} | ${cell(scopes)} | ${cell(i.consumers.join(', ') || '-')} | ${cell(i.targets.join(', ') || '-')} | ${rotatedCell} | ${i.expiresAt?.slice(0, 10) ?? '-'} | ${cell(i.replace)} |`,
    );
  }
  return lines.join('\n') + '\n';
}

const esc = escapeHtml;

export function renderInventoryHtml(items: InventoryItem[]): string {
  const rows = items
    .map((i) => {
      const scopes = i.scopes === 'unknown' ? 'unknown' : i.scopes.map((s) => `${s.scope} (${s.risk})`).join(', ') || 'none';
      return `<tr><td><b>${esc(i.names.join(', ') || '(unnamed)')}</b><br><code>${esc(i.redacted)}</code></td><td>${esc(i.provider)} / ${esc(i.kind)}</td><td>${esc(i.owner ?? '-')}</td><td>${esc(scopes)}</td><td>${esc(i.consumers.join(', ') || '-')}</td><td>${esc(i.targets.join(', ') || '-')}</td><td>${esc(i.lastRotated?.slice(0, 10) ?? (i.lastWritten ? `written ${i.lastWritten.at.slice(0, 10)}` : 'unknown'))}</td><td>${esc(i.expiresAt?.slice(0, 10) ?? '-')}</td><td>${esc(i.replace)}</td></tr>`;
    })
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'"><title>credctl inventory</title>
<style>body{font:14px/1.4 system-ui,sans-serif;margin:24px}table{border-collapse:collapse;width:100%}th,td{border:1px solid #d6dae3;padding:6px 8px;text-align:left;vertical-align:top}th{background:#f2f4f8}code{font-size:12px}</style></head>
<body><h1>Credential inventory</h1><table id="inventory"><thead><tr><th>Credential</th><th>Provider / kind</th><th>Owner</th><th>Scopes</th><th>Used by</th><th>Kept in</th><th>Last rotated</th><th>Expires</th><th>How to replace</th></tr></thead><tbody>
${rows}
</tbody></table></body></html>
`;
}
