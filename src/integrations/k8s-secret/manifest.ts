import { isMap, isScalar, parse, parseAllDocuments, type Document, type Scalar } from 'yaml';
import { inputError, refusedError, parserMessage } from '../../core/errors.js';

/**
 * Find and rewrite one key of a Kubernetes Secret inside a (multi-document) YAML manifest.
 *
 * The rewrite is a span replacement: only the bytes of that key's scalar change, so comments,
 * key order, indentation, other keys and other documents stay byte-for-byte as they were. The
 * result is re-parsed and must equal the old manifest with exactly that key changed, or nothing
 * is written.
 *
 * Kubernetes semantics: `stringData` wins over `data` for the same key (the API server merges it
 * into `data` on write). So the value read is stringData[key] if present, else base64-decoded
 * data[key]; a write updates whichever of the two hold the key (both when both do), and never
 * adds a key (a Secret key missing from the manifest is refused: which of data/stringData to add
 * it to is a choice the manifest's owner should make).
 */
export interface SecretLocator {
  name: string;
  namespace?: string;
  key: string;
}

interface SecretSlot {
  field: 'data' | 'stringData';
  node: Scalar;
}

interface FoundSecret {
  docIndex: number;
  slots: SecretSlot[];
  value: string | null;
}

export function loadDocuments(src: string, display: string): Document.Parsed[] {
  const docs = parseAllDocuments(src);
  const list = Array.isArray(docs) ? docs : [docs];
  for (const d of list) {
    if (d.errors.length > 0) {
      const e = d.errors[0]!;
      throw inputError(`${display} is not valid YAML: ${parserMessage(e)}`);
    }
  }
  return list as Document.Parsed[];
}

export function findSecret(docs: Document.Parsed[], loc: SecretLocator, display: string): FoundSecret {
  const matches: number[] = [];
  docs.forEach((d, i) => {
    if (!isMap(d.contents)) return;
    if (d.get('kind') !== 'Secret') return;
    if (d.getIn(['metadata', 'name']) !== loc.name) return;
    const ns = d.getIn(['metadata', 'namespace']);
    if (loc.namespace !== undefined && ns !== loc.namespace && !(ns === undefined && loc.namespace === 'default')) return;
    matches.push(i);
  });
  const where = `Secret ${loc.namespace ? `${loc.namespace}/` : ''}${loc.name}`;
  if (matches.length === 0) throw inputError(`no ${where} in ${display}`);
  if (matches.length > 1) throw inputError(`${matches.length} documents in ${display} are ${where}`, 'set "namespace" in the target to pick one');
  const docIndex = matches[0]!;
  const doc = docs[docIndex]!;
  const slots: SecretSlot[] = [];
  let value: string | null = null;
  let dataValue: string | null = null;
  for (const field of ['data', 'stringData'] as const) {
    const map = doc.get(field, true);
    if (map === undefined || map === null) continue;
    if (!isMap(map)) throw inputError(`${where} in ${display}: "${field}" is not a mapping`);
    const node = map.get(loc.key, true);
    if (node === undefined) continue;
    if (!isScalar(node)) throw refusedError(`${where} in ${display}: ${field}.${loc.key} is not a plain value (alias or collection); edit it by hand`);
    if (node.anchor) throw refusedError(`${where} in ${display}: ${field}.${loc.key} has an anchor other places may alias; edit it by hand`);
    if (node.tag && node.tag !== 'tag:yaml.org,2002:str')
      throw refusedError(`${where} in ${display}: ${field}.${loc.key} has the tag ${node.tag}; edit it by hand`);
    if (!node.range) throw refusedError(`${where} in ${display}: cannot locate ${field}.${loc.key} in the text`);
    slots.push({ field, node });
    const raw = node.value === null || node.value === undefined ? '' : String(node.value);
    if (field === 'stringData') value = raw;
    else dataValue = decodeBase64(raw, `${where} in ${display}: data.${loc.key}`);
  }
  return { docIndex, slots, value: value ?? dataValue };
}

function decodeBase64(text: string, what: string): string {
  const compact = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) throw inputError(`${what} is not base64`);
  return Buffer.from(compact, 'base64').toString('utf8');
}

const PLAIN_SAFE = /^[A-Za-z0-9_][A-Za-z0-9_\-./+=@~%:]*$/;

/** Encode `value` as a YAML scalar, keeping the original style where it means the same. */
function encodeScalar(value: string, original: Scalar): string {
  const type = original.type;
  if (type === 'PLAIN' && PLAIN_SAFE.test(value) && !value.endsWith(':') && readsBackAsString(value, value)) return value;
  if (type === 'QUOTE_SINGLE' && !/[\r\n]/.test(value) && /^[\x20-\x7e\u00a0-\ud7ff\ue000-\ufffd]*$/.test(value)) {
    return `'${value.replace(/'/g, "''")}'`;
  }
  // JSON strings are valid YAML double-quoted scalars, with every control character escaped.
  return JSON.stringify(value)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function readsBackAsString(candidate: string, value: string): boolean {
  try {
    return parse(`k: ${candidate}`)?.k === value;
  } catch {
    return false;
  }
}

/** Returns the new manifest text with loc.key set to value, verified by re-parsing. */
export function rewriteSecret(src: string, loc: SecretLocator, value: string, display: string): string {
  const docs = loadDocuments(src, display);
  const found = findSecret(docs, loc, display);
  if (found.slots.length === 0) {
    throw refusedError(
      `Secret ${loc.name} in ${display} has no key ${loc.key} under data or stringData`,
      'add the key to the manifest (data or stringData) first; credctl only replaces values',
    );
  }
  if (value.includes('\0')) throw refusedError('the new value contains a NUL byte, which a Secret manifest cannot hold safely');
  const edits = found.slots.map((slot) => {
    const [start, valueEnd] = slot.node.range!;
    const original = src.slice(start, valueEnd);
    // Block scalars' ranges include their trailing line break(s): keep those bytes.
    const keep = slot.node.type === 'BLOCK_LITERAL' || slot.node.type === 'BLOCK_FOLDED' ? /\s*$/.exec(original)![0] : '';
    const text = slot.field === 'data' ? encodeScalar(Buffer.from(value, 'utf8').toString('base64'), slot.node) : encodeScalar(value, slot.node);
    return { start, end: valueEnd - keep.length, text };
  });
  edits.sort((a, b) => b.start - a.start);
  let out = src;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  verifyRewrite(docs, loadDocumentsOrRefuse(out, display), found, loc, value, display);
  return out;
}

function loadDocumentsOrRefuse(text: string, display: string): Document.Parsed[] {
  try {
    return loadDocuments(text, display);
  } catch {
    throw refusedError(`rewriting the Secret in ${display} would produce invalid YAML; refused`, 'the file was left unchanged');
  }
}

function verifyRewrite(before: Document.Parsed[], after: Document.Parsed[], found: FoundSecret, loc: SecretLocator, value: string, display: string): void {
  const fail = (why: string) => refusedError(`rewriting the Secret in ${display} would ${why}; refused`, 'the file was left unchanged');
  if (after.length !== before.length) throw fail('change the number of documents');
  for (let i = 0; i < before.length; i++) {
    const expected = before[i]!.toJS() as Record<string, Record<string, unknown>> | null;
    if (i === found.docIndex && expected) {
      for (const slot of found.slots) {
        expected[slot.field]![loc.key] = slot.field === 'data' ? Buffer.from(value, 'utf8').toString('base64') : value;
      }
    }
    if (JSON.stringify(after[i]!.toJS()) !== JSON.stringify(expected)) throw fail(`change document ${i + 1} beyond the key`);
  }
  const again = findSecret(after, loc, display);
  if (again.value !== value) throw fail('not read back the new value');
}
