import { shannonEntropy } from './text.js';
/**
 * The only way a secret is ever shown: a short prefix plus the last 4 characters.
 *
 * The prefix is the key's public, well-known form where there is one (`sk_live_`, `ghp_`, `AKIA`),
 * because it tells a person which kind of key it is without revealing anything secret; otherwise
 * the first 2 characters. Short values (under 12 characters, e.g. passwords) show nothing but
 * their length class, since 4 + 2 characters of an 8-character password is most of it.
 */
const KNOWN_PREFIX =
  /^(?:sk_live_|sk_test_|rk_live_|rk_test_|pk_live_|pk_test_|whsec_|sk-proj-|sk-svcacct-|sk-admin-|sk-ant-api\d\d-|sk-ant-admin\d\d-|sk-|ghp_|gho_|ghu_|ghs_|ghr_|github_pat_|glpat-|xox[abposr]-|AKIA|ASIA|AIza|SG\.|npm_|pypi-|dckr_pat_|hf_|r8_|shpat_|shpss_|shpca_|shppa_|phc_|phx_|eyJ|ccx_live_|ccx_test_|-----BEGIN [A-Z ]*PRIVATE KEY-----)/;

export function redact(value: string): string {
  if (value.length < 12) return '*'.repeat(Math.min(Math.max(value.length, 4), 8));
  const known = KNOWN_PREFIX.exec(value)?.[0];
  const prefix = known && known.length <= value.length - 8 ? known : value.slice(0, 2);
  return `${prefix}…${value.slice(-4)}`;
}

/**
 * Replace every occurrence of the given secret values in `text` with their redacted form.
 * Used to mask a health-check child's output and any error text that might echo a value.
 */
export function maskValues(text: string, values: Iterable<string>): string {
  let out = text;
  const sorted = [...values].filter((v) => v.length >= 4).sort((a, b) => b.length - a.length);
  for (const v of sorted) {
    // Stryker disable next-line ConditionalExpression: splitting on an absent value gives the text back (the check only saves work)
    if (out.includes(v)) out = out.split(v).join(redact(v));
  }
  return out;
}

/**
 * Text a person typed, shown back in a message: redacted when it looks like a secret (a key
 * pasted where a name, fingerprint or path was expected, which is natural the hour after a
 * leak). Names, paths, fingerprints and run ids are shown as typed.
 */
export function shownSafely(text: string): string {
  if (/^fp_[0-9a-f]*$/.test(text)) return text;
  if (text.length > 80) return redact(text);
  // A well-known key form (sk_live_, ghp_, AKIA...) is a key whatever its entropy looks like.
  if (text.length >= 12 && KNOWN_PREFIX.test(text)) return redact(text);
  // Stryker disable next-line EqualityOperator: a text of 16 or more characters with an entropy of exactly 3.8 bits would tell >= from >; no such text is in sight
  const looksSecret = text.length >= 16 && /\d/.test(text) && /[A-Za-z]/.test(text) && !/[/\s]/.test(text) && shannonEntropy(text) >= 3.8;
  return looksSecret ? redact(text) : text;
}
