import { severity, type BlastReport } from './model.js';

/**
 * One self-contained HTML page: the summary table and an SVG picture of
 * credential → places → consumers → targets. No scripts, no network (a CSP forbids it), every
 * string escaped. Values never reach it: the report model holds none.
 */
const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

interface Node {
  key: string;
  label: string;
  col: number;
  cls: string;
}

function buildPicture(report: BlastReport): { svg: string; nodes: number; edges: number } {
  const cols: Node[][] = [[], [], [], []];
  const index = new Map<string, Node>();
  const edges: [string, string, string][] = [];
  const add = (col: number, key: string, label: string, cls: string) => {
    if (!index.has(key)) {
      const n = { key, label, col, cls };
      index.set(key, n);
      cols[col]!.push(n);
    }
    return key;
  };
  for (const item of report.items) {
    const c = add(0, `c:${item.id}`, `${item.names[0] ?? item.redacted} (${item.provider})`, `sev-${severity(item.score)}`);
    const sev = `sev-${severity(item.score)}`;
    for (const p of item.places) edges.push([c, add(1, `f:${p.file}`, p.file, 'place'), sev]);
    for (const k of item.consumers) edges.push([c, add(2, `k:${k.id}`, k.label, 'consumer'), sev]);
    for (const t of item.targets) edges.push([c, add(3, `t:${t.key}`, t.label, 'target'), sev]);
  }
  const colW = 250;
  const rowH = 34;
  const boxW = 220;
  const boxH = 24;
  const height = Math.max(120, 50 + Math.max(...cols.map((c) => c.length)) * rowH);
  const pos = new Map<string, { x: number; y: number }>();
  cols.forEach((col, ci) => col.forEach((n, ri) => pos.set(n.key, { x: 10 + ci * colW, y: 40 + ri * rowH })));
  const parts: string[] = [];
  const headers = ['Credentials', 'Places', 'Consumers', 'Targets'];
  headers.forEach((h, i) => parts.push(`<text class="hdr" x="${10 + i * colW}" y="20">${h}</text>`));
  for (const [a, b, sev] of edges) {
    const pa = pos.get(a)!;
    const pb = pos.get(b)!;
    const x1 = pa.x + boxW;
    const y1 = pa.y + boxH / 2;
    const x2 = pb.x;
    const y2 = pb.y + boxH / 2;
    const mid = (x1 + x2) / 2;
    parts.push(`<path class="edge ${sev}" d="M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}"/>`);
  }
  for (const n of index.values()) {
    const p = pos.get(n.key)!;
    const label = n.label.length > 30 ? `${n.label.slice(0, 29)}…` : n.label;
    parts.push(
      `<g class="node ${n.cls}" data-key="${esc(n.key)}"><rect x="${p.x}" y="${p.y}" width="${boxW}" height="${boxH}" rx="5"/><text x="${p.x + 8}" y="${p.y + 16}">${esc(label)}</text><title>${esc(n.label)}</title></g>`,
    );
  }
  const width = 10 + 4 * colW;
  return {
    svg: `<svg id="blast-graph" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="credential usage graph">${parts.join('')}</svg>`,
    nodes: index.size,
    edges: edges.length,
  };
}

export function renderBlastHtml(report: BlastReport): string {
  const s = report.summary;
  const picture = buildPicture(report);
  const rows = report.items
    .map((i, n) => {
      const access =
        i.access.status === 'known' ? i.access.scopes.map((x) => `${x.scope} (${x.risk})`).join(', ') || 'none' : `unknown: ${i.access.reason ?? ''}`;
      return `<tr class="sev-${severity(i.score)}"><td>${n + 1}</td><td><b>${esc(i.names[0] ?? '(unnamed)')}</b><br><code>${esc(i.redacted)}</code></td><td>${esc(i.provider)} / ${esc(i.kind)}${i.environment ? ` (${esc(i.environment)})` : ''}</td><td>${severity(i.score)} (${i.score})</td><td>${esc(i.liveness.status)}</td><td>${esc(access)}</td><td>${esc(i.consumers.map((c) => c.label).join(', ') || '-')}</td><td>${esc(i.breaks.map((b) => b.consumer).join(', ') || '-')}</td><td>${esc(i.revocable)}</td></tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>credctl blast radius</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2330}
h1{font-size:20px;margin:0 0 8px}
.summary{margin:0 0 16px;color:#444}
table{border-collapse:collapse;width:100%;margin:12px 0 24px}
th,td{border:1px solid #d6dae3;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f2f4f8}
tr.sev-critical td:first-child{border-left:4px solid #c62828}
tr.sev-high td:first-child{border-left:4px solid #ef6c00}
tr.sev-medium td:first-child{border-left:4px solid #f9a825}
code{font-size:12px}
svg text{font:12px system-ui,sans-serif;fill:#1d2330}
svg .hdr{font-weight:bold}
svg .edge{fill:none;stroke:#8d96a8;stroke-width:1.4;stroke-opacity:.75}
svg .edge.sev-critical{stroke:#c62828}
svg .edge.sev-high{stroke:#ef6c00}
svg .edge.sev-medium{stroke:#c9a000}
svg .node rect{fill:#eef2fb;stroke:#5b6b8c}
svg .sev-critical rect{fill:#fde2e1;stroke:#c62828}
svg .sev-high rect{fill:#fff0e0;stroke:#ef6c00}
svg .sev-medium rect{fill:#fff8dc;stroke:#f9a825}
svg .place rect{fill:#f4f4f4}
svg .consumer rect{fill:#e8f5e9;stroke:#2e7d32}
svg .target rect{fill:#e3f2fd;stroke:#1565c0}
</style></head>
<body>
<h1>Credential blast radius</h1>
<p class="summary" id="summary">${s.exposed} exposed · ${s.critical} critical · ${s.active} verified active · ${s.public} public · ${s.breaking} would break a consumer if revoked now. Generated ${esc(report.generatedAt)}.</p>
<table id="summary-table"><thead><tr><th>#</th><th>Credential</th><th>Provider / kind</th><th>Severity</th><th>Live</th><th>Access</th><th>Used by</th><th>Breaks if revoked</th><th>Revoke</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<h2>Where each credential lives</h2>
<div id="graph" data-nodes="${picture.nodes}" data-edges="${picture.edges}">${picture.svg}</div>
</body></html>
`;
}
