/**
 * Values that look like secrets but are not: placeholders, templates and the example keys that
 * vendors publish in their documentation. Applied to every rule's match, so documentation and
 * sample configs do not drown real findings.
 */
const PLACEHOLDER_WHOLE = new RegExp(
  '^(?:' +
    [
      '[x*.#_-]{3,}', // xxxx, ****, ....
      '<[^>]*>', // <your-key>
      '\\$\\{[^}]*\\}', // ${VAR}, ${VAR:-x}
      '\\$\\([^)]*\\)', // $(VAR)
      '\\$[A-Za-z_][A-Za-z0-9_]*', // $VAR
      '\\{\\{[^}]*\\}\\}', // {{ template }}
      '%[A-Za-z_][A-Za-z0-9_]*%', // %VAR%
      '(?:your|my|insert|enter|put|replace)[-_ ]?(?:own[-_ ]?)?[a-z0-9_ -]*', // your-api-key-here
      'change[-_ ]?me[a-z0-9_-]*',
      '(?:dummy|placeholder|sample|example|redacted|removed|hidden|secret|password|passwd|token|apikey|api[-_]key|none|null|nil|undefined|true|false|todo|tbd|test|testing)',
    ].join('|') +
    ')$',
  'i',
);

/** Runs of one repeated character (xxxxxxxx, 00000000) or a short pattern repeated. */
const REPEATED = /^(.{1,3})\1{5,}$/;

/** Substrings that only appear in deliberately fake values. */
const PLACEHOLDER_PARTS = /(?:x{6,}|\*{4,}|your[-_]?(?:api[-_]?)?(?:key|token|secret)|replace[-_]?me|change[-_]?me|\.\.\.)/i;

/** Documented example keys, by exact value (AWS, Stripe, GitHub docs ...). */
const DOCUMENTED_EXAMPLES = new Set([
  'AKIAIOSFODNN7EXAMPLE',
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'AKIAI44QH8DHBEXAMPLE',
  'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
  'sk_test_4eC39HqLyjWDarjtT1zdp7dc',
  'pk_test_TYooMQauvdEDq54NiTphI7jx',
  'sk_test_BQokikJOvBiI2HlWgH4olfQ2',
  'ghp_16C7e42F292c6912E7710c838347Ae178B4a',
]);

export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  if (v.length === 0) return true;
  if (DOCUMENTED_EXAMPLES.has(v)) return true;
  if (PLACEHOLDER_WHOLE.test(v)) return true;
  if (REPEATED.test(v)) return true;
  if (PLACEHOLDER_PARTS.test(v)) return true;
  // AWS documents its examples with an EXAMPLE suffix; treat that convention as a placeholder.
  if (/EXAMPLE(?:KEY)?$/.test(v)) return true;
  return false;
}
