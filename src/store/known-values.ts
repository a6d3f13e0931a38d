/**
 * Every secret value this process has put into or read from the store. The audit log masks any of
 * them that would otherwise land in an entry (design promise 5): a last line of defence against a
 * caller that passes a value where a name or fingerprint belongs. Held in memory only.
 */
const known = new Set<string>();

export function rememberSecretValue(value: string): void {
  if (value.length >= 4) known.add(value);
}

export function knownSecretValues(): ReadonlySet<string> {
  return known;
}
