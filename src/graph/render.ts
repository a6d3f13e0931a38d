/** Text forms of a graph: a summary for people, DOT (Graphviz) and Mermaid for pictures. */
import type { Graph, GraphNode } from './types.js';

export function summary(graph: Graph): string {
  const count = (pred: (n: GraphNode) => boolean) => graph.nodes.filter(pred).length;
  const lines: string[] = [];
  lines.push(`credentials  ${count((n) => n.type === 'credential')}`);
  lines.push(`names        ${count((n) => n.type === 'name')}`);
  lines.push(`files        ${count((n) => n.type === 'file')}`);
  lines.push(`consumers    ${count((n) => n.type === 'consumer')}`);
  lines.push(`targets      ${count((n) => n.type === 'target')}`);
  lines.push(`providers    ${count((n) => n.type === 'provider')}`);
  lines.push(`edges        ${graph.edges.length}`);
  if (graph.github) lines.push(`github       ${graph.github}`);
  const creds = graph.nodes.filter((n) => n.type === 'credential');
  if (creds.length) {
    lines.push('');
    for (const c of creds) {
      if (c.type !== 'credential') continue;
      const places = graph.edges.filter((e) => e.type === 'appears-in' && e.from === c.id).length;
      const names = c.names.map((n) => `name:${n}`);
      const consumers = new Set(graph.edges.filter((e) => e.type === 'referenced-by' && names.includes(e.from)).map((e) => e.to)).size;
      lines.push(
        `${c.id.slice(0, 15)}  ${c.redacted.padEnd(18)} ${`${c.provider}/${c.kind}`.padEnd(28)} ${(c.environment ?? '-').padEnd(8)} ${c.names.join(',')}  (${places} place${places === 1 ? '' : 's'}, ${consumers} consumer${consumers === 1 ? '' : 's'})`,
      );
    }
  }
  if (graph.warnings.length) {
    lines.push('');
    lines.push(`${graph.warnings.length} warning${graph.warnings.length === 1 ? '' : 's'}:`);
    for (const w of graph.warnings) lines.push(`  ${w.file}:${w.line}: ${w.message}`);
  }
  return lines.join('\n');
}

function label(n: GraphNode): string {
  switch (n.type) {
    case 'credential':
      return `${n.redacted}\\n${n.provider}/${n.kind}`;
    case 'name':
      return n.name;
    case 'file':
      return n.path;
    case 'consumer':
      return n.label;
    case 'target':
      return n.label;
    case 'provider':
      return n.provider;
  }
}

const SHAPE: Record<GraphNode['type'], string> = {
  credential: 'box, style=filled, fillcolor="#ffd8d8"',
  name: 'ellipse',
  file: 'note',
  consumer: 'component',
  target: 'cylinder',
  provider: 'hexagon',
};

export function toDot(graph: Graph): string {
  const q = (s: string) => JSON.stringify(s);
  const lines = ['digraph credctl {', '  rankdir=LR;'];
  for (const n of graph.nodes) lines.push(`  ${q(n.id)} [label=${q(label(n)).replace(/\\\\n/g, '\\n')}, shape=${SHAPE[n.type]}];`);
  for (const e of graph.edges) lines.push(`  ${q(e.from)} -> ${q(e.to)} [label=${q(e.type + (e.line ? ` :${e.line}` : ''))}];`);
  lines.push('}');
  return lines.join('\n');
}

export function toMermaid(graph: Graph): string {
  const idOf = new Map(graph.nodes.map((n, i) => [n.id, `n${i}`]));
  const esc = (s: string) => s.replace(/"/g, '#quot;').replace(/\\n/g, '<br/>');
  const lines = ['flowchart LR'];
  for (const n of graph.nodes) {
    const t = esc(label(n));
    const id = idOf.get(n.id)!;
    lines.push(
      n.type === 'target' ? `  ${id}[("${t}")]` : n.type === 'credential' ? `  ${id}["${t}"]` : n.type === 'name' ? `  ${id}(["${t}"])` : `  ${id}["${t}"]`,
    );
  }
  for (const e of graph.edges) {
    const a = idOf.get(e.from);
    const b = idOf.get(e.to);
    if (a && b) lines.push(`  ${a} -->|${e.type}| ${b}`);
  }
  return lines.join('\n');
}
