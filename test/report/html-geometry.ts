/**
 * Geometry checks the HTML graph tests share: does an edge segment enter a box, do two boxes
 * overlap, is a point on a box's border. Coordinates are SVG user units (CSS pixels here).
 */
export interface Point {
  x: number;
  y: number;
}
export interface Box extends Point {
  width: number;
  height: number;
}

/** True when segment a→b enters the interior of `r` shrunk by `inset` (Liang–Barsky clipping). */
export function segmentCrossesBox(a: Point, b: Point, r: Box, inset = 0.5): boolean {
  const [x0, y0, x1, y1] = [r.x + inset, r.y + inset, r.x + r.width - inset, r.y + r.height - inset];
  let t0 = 0;
  let t1 = 1;
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  for (const [p, q] of [
    [-dx, a.x - x0],
    [dx, x1 - a.x],
    [-dy, a.y - y0],
    [dy, y1 - a.y],
  ] as const) {
    if (p === 0) {
      if (q <= 0) return false;
    } else {
      const t = q / p;
      if (p < 0) t0 = Math.max(t0, t);
      else t1 = Math.min(t1, t);
      if (t0 >= t1) return false;
    }
  }
  return true;
}

export const boxesOverlap = (a: Box, b: Box): boolean => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

export const onBorder = (p: Point, r: Box, slack = 1): boolean =>
  p.x >= r.x - slack && p.x <= r.x + r.width + slack && p.y >= r.y - slack && p.y <= r.y + r.height + slack;

/** `inner` lies within `outer` (with `slack` pixels of tolerance). */
export const boxInside = (inner: Box, outer: Box, slack = 0.5): boolean =>
  inner.x >= outer.x - slack &&
  inner.y >= outer.y - slack &&
  inner.x + inner.width <= outer.x + outer.width + slack &&
  inner.y + inner.height <= outer.y + outer.height + slack;

/** The points of an SVG path made only of absolute M and L commands. */
export function pathPoints(d: string): Point[] {
  const out: Point[] = [];
  for (const m of d.matchAll(/([ML])\s*(-?[\d.]+)[ ,](-?[\d.]+)/g)) out.push({ x: Number(m[2]), y: Number(m[3]) });
  if (!/^\s*M/.test(d) || /[^MLml\d.,\s-]/.test(d)) throw new Error(`unexpected path data: ${d}`);
  return out;
}
