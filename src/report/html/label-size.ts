/**
 * How much room a graph label needs, computed in Node without a browser: the picture uses a
 * monospace font at a fixed size, so a label's width is its character count times a per-character
 * advance. The advance is set above the widest common monospace fonts (DejaVu Sans Mono, Menlo and
 * Liberation Mono are 0.6em; Consolas narrower), and East Asian wide characters and emoji count
 * double, so a box is never narrower than its text. Long labels wrap onto several lines at path
 * and word boundaries instead of being cut.
 */

export const LABEL_FONT_PX = 12;
/** Conservative advance of one narrow character at LABEL_FONT_PX (0.6em fonts draw 7.2px). */
export const CHAR_ADVANCE_PX = 7.6;
export const LINE_HEIGHT_PX = 16;
/** Wrap labels at this many narrow characters per line. */
export const WRAP_COLUMNS = 40;

// Wide (two-column) code points: Hangul Jamo, CJK and Hangul syllables, full-width forms, emoji and the supplementary ideographic planes.
const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1faff}\u{20000}-\u{3fffd}]/u;

/** Width of `text` in narrow-character columns. */
export function columns(text: string): number {
  let n = 0;
  for (const ch of text) n += WIDE.test(ch) ? 2 : 1;
  return n;
}

/** Pixel width `text` may take at most in the label font. */
export function textWidthPx(text: string): number {
  return Math.ceil(columns(text) * CHAR_ADVANCE_PX);
}

/** Split after separators a reader expects a break at: path slashes, spaces, dashes, dots, colons. */
function tokens(text: string): string[] {
  return text.match(/[^/\s\-_.:,]*[/\s\-_.:,]?/gu)?.filter((t) => t.length > 0) ?? [];
}

/** Hard-split a token longer than a line, by code point. */
function chop(token: string, max: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const ch of token) {
    if (columns(cur + ch) > max && cur) {
      out.push(cur);
      cur = '';
    }
    cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

/** `text` as lines of at most `max` columns, broken at separators where possible; nothing dropped but edge whitespace. */
export function wrapLabel(text: string, max = WRAP_COLUMNS): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const token of tokens(text)) {
    if (columns(cur + token.trimEnd()) <= max) {
      cur += token;
      continue;
    }
    if (cur.trim()) lines.push(cur.trim());
    cur = '';
    const parts = columns(token.trimEnd()) > max ? chop(token, max) : [token];
    for (const p of parts.slice(0, -1)) lines.push(p.trim());
    cur = parts.at(-1) ?? '';
  }
  if (cur.trim()) lines.push(cur.trim());
  return lines.length ? lines : [''];
}
