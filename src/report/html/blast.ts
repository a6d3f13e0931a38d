import { recoveredText, severity, type BlastItem, type BlastReport } from '../model.js';
import { html, htmlList, htmlReportDocument, htmlSection, type SafeHtml } from './document.js';
import { GRAPH_STYLES, graphSvg, layoutBlastGraph } from './graph.js';

/**
 * The blast-radius report as one self-contained HTML page, with everything the Markdown report
 * has: the summary and evidence sources, the table, the safe recovery order with each step's
 * reason, and per credential its evidence (which leak, which line), places, where it is kept and
 * the reasons for its score; plus the laid-out graph picture. Values never reach it: the report
 * model holds none.
 */

/** Why a step of the recovery order is what it is: how credctl rotates it. Same wording as the Markdown. */
export function recoveryStepReason(item: BlastItem | undefined): string {
  if (item?.rotation.strategy === 'api') return 'automatic via credctl apply';
  if (item?.rotation.strategy === 'manual') return `manual: ${item.rotation.note ?? 'see the plan'}`;
  return 'not rotatable by credctl';
}

/** A place as the Markdown shows it: file:line, and what git knows of the file. */
export function placeText(p: BlastItem['places'][number]): string {
  const where = `${p.file}${p.line ? `:${p.line}` : ''}`;
  return `${where}${p.git === 'ignored' ? ' (ignored, local only)' : p.git === 'untracked' ? ' (untracked)' : ''}`;
}

const accessText = (i: BlastItem) =>
  i.access.status === 'known' ? i.access.scopes.map((x) => `${x.scope} (${x.risk})`).join(', ') || 'none' : `unknown: ${i.access.reason ?? ''}`;

function summaryTable(report: BlastReport): SafeHtml {
  const rows = report.items.map(
    (i, n) =>
      html`<tr class="sev-${severity(i.score)}" data-credential-id="${i.id}"><td>${n + 1}</td><td><b>${i.names[0] ?? '(unnamed)'}</b><br><code>${i.redacted}</code></td><td>${i.provider} / ${i.kind}${i.environment ? ` (${i.environment})` : ''}</td><td>${severity(i.score)} (${i.score})</td><td>${i.liveness.status}</td><td>${accessText(i)}</td><td>${i.consumers.map((c) => c.label).join(', ') || '-'}</td><td>${i.breaks.map((b) => b.consumer).join(', ') || '-'}</td><td>${i.revocable}</td></tr>\n`,
  );
  return html`<table id="summary-table"><thead><tr><th>#</th><th>Credential</th><th>Provider / kind</th><th>Severity</th><th>Live</th><th>Access</th><th>Used by</th><th>Breaks if revoked</th><th>Revoke</th></tr></thead>
<tbody>
${rows}</tbody></table>`;
}

function recoveryOrder(report: BlastReport): SafeHtml {
  const byId = new Map(report.items.map((i) => [i.id, i]));
  const steps = report.order.map((id) => {
    const i = byId.get(id);
    return html`<li data-credential-id="${id}"><span class="step-name">${i?.names[0] ?? id}</span> (<span class="step-provider">${i?.provider ?? '?'}</span>): <span class="step-reason">${recoveryStepReason(i)}</span></li>`;
  });
  const cycles = report.cycles.map((c) => html`<p class="cycle">Cycle: ${c.join(' ↔ ')} (rotated one at a time, most-guarding first).</p>`);
  return htmlSection(
    'recovery-order',
    'Recovery order',
    steps.length ? [html`<ol id="recovery-steps">${steps}</ol>`, ...cycles] : [html`<p class="empty">No credential in this project to rotate.</p>`, ...cycles],
  );
}

function details(report: BlastReport): SafeHtml {
  const blocks = report.items.map((i) => {
    const overbroad = i.overbroad ? html`<dt>Overbroad</dt><dd class="overbroad">scopes not used by any consumer: ${i.unusedScopes.join(', ')}</dd>` : html``;
    const owner = i.owner ? html`<dt>Owner</dt><dd class="owner">${i.owner}</dd>` : html``;
    const revokeNote = i.revokeNote ? html`<dt>Revoking also</dt><dd class="revoke-note">${i.revokeNote}</dd>` : html``;
    return html`<article class="credential" data-credential-id="${i.id}"><h3><span class="name">${i.names[0] ?? i.id}</span> <code>${i.redacted}</code></h3>
<dl>
<dt>Position in recovery order</dt><dd class="order">${i.rotation.order ?? 'not in the order'}</dd>
<dt>Rotation</dt><dd class="rotation">${recoveryStepReason(i)}</dd>
<dt>Exposed</dt><dd>${htmlList('evidence', i.exposedVia)}</dd>
<dt>Places</dt><dd>${i.places.length ? htmlList('places', i.places.map(placeText)) : html`<p class="places empty">none in this project</p>`}</dd>
<dt>Kept in</dt><dd>${htmlList(
      'kept-in',
      i.targets.map((t) => t.label),
    )}</dd>
<dt>Score ${i.score}</dt><dd>${htmlList('reasons', i.scoreReasons)}</dd>
${overbroad}${owner}${revokeNote}</dl></article>
`;
  });
  return htmlSection('details', 'Details', blocks);
}

const LEGEND = html`<p class="legend"><span><i style="background:#f4f4f4;border-color:#5b6b8c"></i>file in this project</span><span><i style="background:#e8f5e9;border-color:#2e7d32"></i>consumer (uses it)</span><span><i style="background:#e3f2fd;border-color:#1565c0"></i>target (keeps it)</span><span><i style="background:#fde2e1;border-color:#c62828"></i>critical</span><span><i style="background:#fff0e0;border-color:#ef6c00"></i>high</span><span><i style="background:#fff8dc;border-color:#f9a825"></i>medium</span><span><i style="background:#eef2fb;border-color:#5b6b8c"></i>low</span> Point at a box to bring out its edges.</p>`;

export async function renderBlastHtml(report: BlastReport): Promise<string> {
  const s = report.summary;
  const layout = await layoutBlastGraph(report);
  return htmlReportDocument({
    title: 'credctl blast radius',
    heading: 'Credential blast radius',
    summary: `${s.exposed} exposed · ${s.critical} critical · ${s.active} verified active · ${s.public} public · ${s.breaking} would break a consumer if revoked now. Generated ${report.generatedAt} by credctl for ${report.root}.`,
    styles: `tr.sev-critical td:first-child{border-left:4px solid #c62828}
tr.sev-high td:first-child{border-left:4px solid #ef6c00}
tr.sev-medium td:first-child{border-left:4px solid #f9a825}
${GRAPH_STYLES}`,
    sections: [
      htmlSection('sources', 'Evidence', htmlList('sources', report.sources)),
      summaryTable(report),
      recoveryOrder(report),
      htmlSection('graph-section', 'Where each credential lives', [
        LEGEND,
        html`<div id="graph" data-nodes="${layout.nodes.length}" data-edges="${layout.edges.length}">${graphSvg(layout)}</div>`,
      ]),
      details(report),
      ...(report.recovered?.length
        ? [
            htmlSection(
              'recovered',
              'Already dealt with',
              htmlList(
                'recovered',
                report.recovered.map((r) => `${r.name ?? r.id} ${r.redacted}: ${recoveredText(r)}`),
              ),
            ),
          ]
        : []),
    ],
  });
}
