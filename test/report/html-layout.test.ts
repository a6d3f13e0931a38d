import { describe, expect, it } from 'vitest';
import { layoutBlastGraph } from '../../src/report/html/graph.js';
import { CHAR_ADVANCE_PX, columns, textWidthPx, wrapLabel } from '../../src/report/html/label-size.js';
import { generatedReport } from './html-fixture.js';
import { boxesOverlap as overlaps, onBorder, segmentCrossesBox } from './html-geometry.js';

// The graph picture's geometry, checked without a browser on the laid-out coordinates: for 30
// credentials sharing targets, no two boxes overlap, no edge runs through a box it does not
// connect, every edge starts at its credential and ends at its node, and every box is wide
// enough for its wrapped label (nothing cut, nothing dropped).
describe('blast-radius graph layout (elkjs)', () => {
  it('wraps long labels at separators and keeps every character', () => {
    const long = 'services/payments-worker/config/environments/production/.env.production.local';
    const lines = wrapLabel(long);
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(columns(l)).toBeLessThanOrEqual(40);
    expect(lines.join('')).toBe(long);
    expect(wrapLabel('A'.repeat(95)).join('')).toBe('A'.repeat(95));
    expect(wrapLabel('short')).toEqual(['short']);
    // Wide characters count double, so a CJK label gets twice the room.
    expect(textWidthPx('鍵鍵')).toBe(Math.ceil(4 * CHAR_ADVANCE_PX));
  });

  it('the crossing check itself catches an edge through a box and lets one pass beside it', () => {
    const box = { x: 10, y: 10, width: 50, height: 20 };
    expect(segmentCrossesBox({ x: 0, y: 20 }, { x: 100, y: 20 }, box)).toBe(true);
    expect(segmentCrossesBox({ x: 35, y: 0 }, { x: 35, y: 15 }, box)).toBe(true);
    expect(segmentCrossesBox({ x: 0, y: 5 }, { x: 100, y: 5 }, box)).toBe(false);
    expect(segmentCrossesBox({ x: 0, y: 10 }, { x: 100, y: 10 }, box)).toBe(false);
    expect(segmentCrossesBox({ x: 60, y: 20 }, { x: 90, y: 20 }, box)).toBe(false);
  });

  it('lays 30 credentials with shared targets out with no overlapping boxes and no edge through a box', async () => {
    const { report, longNames } = generatedReport(30);
    const layout = await layoutBlastGraph(report);
    const byKey = new Map(layout.nodes.map((n) => [n.key, n]));
    expect(layout.nodes.filter((n) => n.column === 1)).toHaveLength(30);
    // Shared targets: fewer target boxes than credential→target edges.
    const targetEdges = layout.edges.filter((e) => e.to.startsWith('t:'));
    expect(new Set(targetEdges.map((e) => e.to)).size).toBeLessThan(targetEdges.length);

    for (const [i, a] of layout.nodes.entries()) {
      expect(a.x).toBeGreaterThanOrEqual(0);
      expect(a.y).toBeGreaterThanOrEqual(0);
      expect(a.x + a.width).toBeLessThanOrEqual(layout.width);
      expect(a.y + a.height).toBeLessThanOrEqual(layout.height);
      for (const b of layout.nodes.slice(i + 1)) expect(overlaps(a, b), `${a.label} overlaps ${b.label}`).toBe(false);
      // The box holds every wrapped line at the conservative advance, and the lines are the whole label.
      for (const line of a.lines) expect(textWidthPx(line) + 16).toBeLessThanOrEqual(a.width);
      expect(a.lines.join('').replace(/\s/g, '')).toBe(a.label.replace(/\s/g, ''));
    }
    for (const name of longNames) expect(layout.nodes.some((n) => n.lines.join('').includes(name))).toBe(true);

    for (const e of layout.edges) {
      const from = byKey.get(e.from)!;
      const to = byKey.get(e.to)!;
      expect(e.points.length).toBeGreaterThanOrEqual(2);
      expect(onBorder(e.points[0]!, from), `edge ${e.from} starts at its credential`).toBe(true);
      expect(onBorder(e.points.at(-1)!, to), `edge ${e.to} ends at its node`).toBe(true);
      for (let k = 1; k < e.points.length; k++) {
        const [a, b] = [e.points[k - 1]!, e.points[k]!];
        // Orthogonal routing: every segment horizontal or vertical.
        expect(Math.abs(a.x - b.x) < 0.01 || Math.abs(a.y - b.y) < 0.01).toBe(true);
        for (const n of layout.nodes) {
          if (n === from || n === to) continue;
          expect(segmentCrossesBox(a, b, n), `edge ${e.from} → ${e.to} crosses ${n.label}`).toBe(false);
        }
      }
    }
  });

  it('is the same picture for the same report (stable between two renders)', async () => {
    const { report } = generatedReport(12);
    expect(JSON.stringify(await layoutBlastGraph(report))).toBe(JSON.stringify(await layoutBlastGraph(report)));
  });
});
