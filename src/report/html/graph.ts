import elkjs, { type ElkNode } from 'elkjs';
import { severity, type BlastReport } from '../model.js';
import { html, trustedHtml, type SafeHtml } from './document.js';
import { LABEL_FONT_PX, LINE_HEIGHT_PX, textWidthPx, wrapLabel } from './label-size.js';

/**
 * The blast-radius picture: the files credentials sit in → the credentials → the consumers that
 * use them and the places they are kept (targets), laid out by elkjs (layered, orthogonal edge routing) in
 * Node at render time and emitted as static inline SVG. Boxes are sized from their wrapped label
 * text, so nothing is cut, and the router keeps edges out of the boxes they do not connect.
 */

/** Left to right: the files a credential sits in, the credential, what uses it and where it is kept. */
export type Column = 0 | 1 | 2;
export const COLUMN_HEADERS = ['Places', 'Credentials', 'Used by / kept in'] as const;

export interface PlacedNode {
  key: string;
  label: string;
  lines: string[];
  column: Column;
  cls: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedEdge {
  from: string;
  to: string;
  cls: string;
  points: { x: number; y: number }[];
}

export interface GraphLayout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

// elkjs is CommonJS: Node's default import is module.exports, which carries the constructor as `.default` too.
const ELK = elkjs.default;

const PAD_X = 8;
const PAD_Y = 6;
const MIN_WIDTH = 110;
/** Room above the laid-out graph for the column headers. */
const HEADER_BAND = 28;
const MARGIN = 12;

interface RawNode {
  key: string;
  label: string;
  column: Column;
  cls: string;
}

function collect(report: BlastReport): { nodes: Map<string, RawNode>; edges: { from: string; to: string; cls: string }[] } {
  const nodes = new Map<string, RawNode>();
  const edges: { from: string; to: string; cls: string }[] = [];
  const seen = new Set<string>();
  const add = (column: Column, key: string, label: string, cls: string) => {
    if (!nodes.has(key)) nodes.set(key, { key, label, column, cls });
    return key;
  };
  const link = (from: string, to: string, cls: string) => {
    if (seen.has(`${from}\u0000${to}`)) return;
    seen.add(`${from}\u0000${to}`);
    edges.push({ from, to, cls });
  };
  // Every edge joins neighbouring columns, so the router never threads one through a column of boxes.
  for (const item of report.items) {
    const sev = `sev-${severity(item.score)}`;
    const c = add(1, `c:${item.id}`, `${item.names[0] ?? item.redacted} (${item.provider})`, `credential ${sev}`);
    for (const p of item.places) link(add(0, `f:${p.file}`, p.file, 'place'), c, sev);
    for (const k of item.consumers) link(c, add(2, `k:${k.id}`, k.label, 'consumer'), sev);
    for (const t of item.targets) link(c, add(2, `t:${t.key}`, t.label, 'target'), sev);
  }
  return { nodes, edges };
}

/** Lay the report's graph out with elkjs; coordinates include the header band and margins. */
export async function layoutBlastGraph(report: BlastReport): Promise<GraphLayout> {
  const { nodes, edges } = collect(report);
  const sized = new Map<string, { lines: string[]; width: number; height: number }>();
  for (const n of nodes.values()) {
    const lines = wrapLabel(n.label);
    const width = Math.max(MIN_WIDTH, Math.max(...lines.map(textWidthPx)) + 2 * PAD_X);
    sized.set(n.key, { lines, width, height: lines.length * LINE_HEIGHT_PX + 2 * PAD_Y });
  }
  const ids = new Map([...nodes.keys()].map((k, i) => [k, `n${i}`]));
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.partitioning.activate': 'true',
      'elk.spacing.nodeNode': '14',
      'elk.layered.spacing.nodeNodeBetweenLayers': '48',
      'elk.spacing.edgeNode': '10',
      'elk.spacing.edgeEdge': '6',
      'elk.layered.spacing.edgeNodeBetweenLayers': '14',
      'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
      // More passes against crossings where it is cheap; ELK's default past a few hundred boxes.
      'elk.layered.thoroughness': nodes.size > 150 ? '7' : '30',
      'elk.padding': '[top=0,left=0,bottom=0,right=0]',
    },
    children: [...nodes.values()].map((n) => ({
      id: ids.get(n.key)!,
      width: sized.get(n.key)!.width,
      height: sized.get(n.key)!.height,
      layoutOptions: { 'elk.partitioning.partition': String(n.column) },
    })),
    edges: edges.map((e, i) => ({ id: `e${i}`, sources: [ids.get(e.from)!], targets: [ids.get(e.to)!] })),
  };
  const laid = await new ELK().layout(graph);
  const dx = MARGIN;
  const dy = MARGIN + HEADER_BAND;
  const byId = new Map((laid.children ?? []).map((c) => [c.id, c]));
  const placed: PlacedNode[] = [...nodes.values()].map((n) => {
    const c = byId.get(ids.get(n.key)!)!;
    const s = sized.get(n.key)!;
    return { ...n, lines: s.lines, x: (c.x ?? 0) + dx, y: (c.y ?? 0) + dy, width: s.width, height: s.height };
  });
  const placedEdges: PlacedEdge[] = (laid.edges ?? []).map((e, i) => {
    const points = (e.sections ?? []).flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]);
    return { ...edges[i]!, points: points.map((p) => ({ x: p.x + dx, y: p.y + dy })) };
  });
  return {
    nodes: placed,
    edges: placedEdges,
    width: Math.ceil((laid.width ?? 0) + 2 * MARGIN),
    height: Math.ceil((laid.height ?? 0) + 2 * MARGIN + HEADER_BAND),
  };
}

const round = (n: number) => Math.round(n * 10) / 10;

/** The layout as an inline SVG element (id `blast-graph`). */
export function graphSvg(layout: GraphLayout): SafeHtml {
  const headers = COLUMN_HEADERS.map((h, col) => {
    const xs = layout.nodes.filter((n) => n.column === col).map((n) => n.x);
    return xs.length ? html`<text class="hdr" x="${round(Math.min(...xs))}" y="${MARGIN + 14}">${h}</text>` : html``;
  });
  // Element ids are positions (g0, g1, …), never repository text, so the hover rules below are safe to generate.
  const idOf = new Map(layout.nodes.map((n, i) => [n.key, `g${i}`]));
  const edges = layout.edges.map(
    (e) =>
      html`<path class="edge ${e.cls} e-${idOf.get(e.from)!} e-${idOf.get(e.to)!}" data-from="${e.from}" data-to="${e.to}" d="${e.points.map((p, i) => `${i ? 'L' : 'M'}${round(p.x)},${round(p.y)}`).join(' ')}"/>`,
  );
  const nodes = layout.nodes.map((n) => {
    const tx = round(n.x + PAD_X);
    const spans = n.lines.map((line, i) => html`<tspan x="${tx}" dy="${i === 0 ? 0 : LINE_HEIGHT_PX}">${line}</tspan>`);
    // First baseline: the top padding plus about 0.7em of ascent, centred in its line.
    const baseline = round(n.y + PAD_Y + (LINE_HEIGHT_PX + LABEL_FONT_PX * 0.7) / 2);
    return html`<g class="node ${n.cls}" id="${idOf.get(n.key)!}" data-key="${n.key}"><title>${n.label}</title><rect x="${round(n.x)}" y="${round(n.y)}" width="${round(n.width)}" height="${round(n.height)}" rx="5"/><text x="${tx}" y="${baseline}">${spans}</text></g>`;
  });
  // Pointing at a box brings out its own edges and fades the rest: tracing one credential needs no script.
  const hover = trustedHtml([...idOf.values()].map((id) => `#blast-graph:has(#${id}:hover) .e-${id}{stroke-opacity:1;stroke-width:2.6}`).join('\n'));
  return html`<svg id="blast-graph" xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}" role="img" aria-label="credential usage graph"><style>${hover}</style>${headers}${edges}${nodes}</svg>`;
}

export const GRAPH_STYLES = `#graph{overflow:auto;max-width:100%}
svg text{font:${LABEL_FONT_PX}px "DejaVu Sans Mono",Menlo,Consolas,"Liberation Mono",monospace;fill:#1d2330}
svg .hdr{font:bold 13px system-ui,sans-serif}
svg .edge{fill:none;stroke:#8d96a8;stroke-width:1.3;stroke-opacity:.8}
svg .edge.sev-critical{stroke:#c62828}
svg .edge.sev-high{stroke:#ef6c00}
svg .edge.sev-medium{stroke:#c9a000}
#blast-graph:has(g.node:hover) .edge{stroke-opacity:.12}
.legend span{display:inline-block;margin-right:14px}
.legend i{display:inline-block;width:12px;height:12px;border:1px solid;border-radius:3px;margin-right:4px;vertical-align:-1px}
svg .node rect{fill:#eef2fb;stroke:#5b6b8c}
svg .sev-critical rect{fill:#fde2e1;stroke:#c62828}
svg .sev-high rect{fill:#fff0e0;stroke:#ef6c00}
svg .sev-medium rect{fill:#fff8dc;stroke:#f9a825}
svg .place rect{fill:#f4f4f4}
svg .consumer rect{fill:#e8f5e9;stroke:#2e7d32}
svg .target rect{fill:#e3f2fd;stroke:#1565c0}`;
