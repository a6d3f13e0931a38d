/**
 * A thin layer over the `yaml` package's document tree that keeps line numbers, for extractors
 * that must say "line 14" about what they found. Multi-document files come back one document
 * each; a document with a syntax error becomes a warning naming the line and is skipped.
 */
import { parserMessage } from '../core/errors.js';
import { LineCounter, parseAllDocuments, isMap, isSeq, isScalar, isPair, type Node } from 'yaml';
import type { ExtractWarning } from './types.js';

export type YNode = Node | null | undefined;

export class YamlFile {
  readonly lc = new LineCounter();
  readonly docs: YNode[] = [];

  constructor(
    readonly path: string,
    readonly text: string,
    warnings: ExtractWarning[],
  ) {
    let parsed;
    try {
      parsed = parseAllDocuments(text, { lineCounter: this.lc, uniqueKeys: false, prettyErrors: false });
    } catch (err) {
      warnings.push({ file: path, line: 1, message: `unreadable YAML: ${parserMessage(err)}` });
      return;
    }
    // A stream with nothing in it comes back as an empty list or an EmptyStream.
    const docs = Array.isArray(parsed) ? parsed : [];
    for (const doc of docs) {
      if (doc.errors.length > 0) {
        const e = doc.errors[0]!;
        warnings.push({ file: path, line: this.lc.linePos(e.pos[0]).line, message: `invalid YAML: ${parserMessage(e)}` });
        continue;
      }
      this.docs.push(doc.contents as YNode);
    }
  }

  /**
   * Every match of `re` (global) in the node's source text, with its line: patterns such as
   * `${{ secrets.X }}` are searched where they are written, so a multi-line `run: |` block gives
   * the line of the use, not of the key.
   */
  scan(node: YNode, re: RegExp): { match: RegExpExecArray; line: number }[] {
    const r = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (!r) return [];
    const src = this.text.slice(r[0], r[1]);
    const out: { match: RegExpExecArray; line: number }[] = [];
    re.lastIndex = 0;
    for (let m = re.exec(src); m; m = re.exec(src)) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      out.push({ match: m, line: this.lc.linePos(r[0] + m.index).line });
    }
    return out;
  }

  line(node: YNode): number {
    const r = (node as { range?: [number, number, number] } | null | undefined)?.range;
    return r ? this.lc.linePos(r[0]).line : 1;
  }
}

export interface YEntry {
  key: string;
  keyNode: YNode;
  value: YNode;
}

/** The entries of a mapping, keys as strings; [] for anything else. */
export function entries(node: YNode): YEntry[] {
  if (!isMap(node)) return [];
  const out: YEntry[] = [];
  for (const item of node.items) {
    if (!isPair(item)) continue;
    const keyNode = item.key as YNode;
    const key = isScalar(keyNode) ? String(keyNode.value) : undefined;
    if (key === undefined) continue;
    out.push({ key, keyNode, value: item.value as YNode });
  }
  return out;
}

export function get(node: YNode, key: string): YNode {
  return entries(node).find((e) => e.key === key)?.value;
}

export function items(node: YNode): YNode[] {
  return isSeq(node) ? (node.items as YNode[]) : [];
}

/** A scalar's text (numbers and booleans as written); undefined for maps, lists and null. */
export function str(node: YNode): string | undefined {
  if (!isScalar(node) || node.value === null || node.value === undefined) return undefined;
  return typeof node.value === 'string' ? node.value : String(node.value);
}

export { isMap, isSeq, isScalar };
