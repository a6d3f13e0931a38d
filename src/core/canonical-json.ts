/**
 * Canonical JSON: object keys sorted by UTF-16 code unit, no whitespace, undefined members
 * dropped, JSON.stringify's escaping for strings and numbers. Hashes and MACs are computed over
 * this, so they do not depend on the order a writer happened to put properties in. In core because
 * both the audit log (entry hashes) and the file store (its integrity MAC) use it.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return '[' + value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',') + ']';
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalJson(o[k])).join(',') + '}';
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
  return JSON.stringify(value) ?? 'null';
}
