/**
 * Values that look like secrets but are not: placeholders, templates, masked values, code that
 * reads a secret from elsewhere, and the example keys vendors publish in their documentation.
 * Applied to every rule's match, so documentation and sample configs do not drown real findings.
 *
 * Deliberately NOT a placeholder: a value containing FAKE. Test fixtures mark their planted
 * secrets that way, and a real key could contain those four letters too.
 */

/** The whole value is template or masking syntax. */
const WHOLE_TEMPLATE = new RegExp(
  '^(?:' +
    [
      '[xX*.#_•-]{3,}', // xxxx, ****, ....
      '<[^<>]*>', // <your-key>
      '\\{[^{}]*\\}', // {password} (format strings)
      '\\[[A-Za-z0-9 _-]*\\]', // [API_KEY]
      '\\$[A-Za-z_][A-Za-z0-9_]*', // $VAR
      '%[A-Za-z_][A-Za-z0-9_]*%', // %VAR% (Windows)
      '__[A-Za-z0-9_]+__', // __API_KEY__ (sed-replaced templates)
      '@[A-Za-z_][A-Za-z0-9_]*@', // @API_KEY@ (autoconf)
      '@@?(?:[A-Z_][A-Z0-9_]*|[a-z_][a-z0-9_]*)', // @DB_PASSWORD, @password (template and SQL parameters; one case only)
      ':[A-Za-z_][A-Za-z0-9_]*', // :password (SQL bind parameters, Ruby symbols)
    ].join('|') +
    ')$',
);

/**
 * Interpolation anywhere: a value built from a variable is not a literal secret. `${`, `$(`,
 * `{{ }}`, `#{`, ERB `<%`, Jinja `{%`, Python `%(name)s`, Ruby/Puppet `%{x}`, and a `<name>`
 * slot inside a longer value (`https://<token>@host`).
 */
const INTERPOLATION = /\$\{|\$\(|\{\{|\}\}|#\{|<%|\{%|%\([A-Za-z_]\w*\)[sd]|%\{[A-Za-z_]\w*\}|<[A-Za-z][A-Za-z _-]{2,}>/;

/** A dependency version or range (lockfiles, manifests): `^7.0.4`, `npm:^3.0.0`, `workspace:*`. */
const VERSION_SPEC =
  /^(?:(?:npm|workspace|patch|portal|link|file|exec|jsr|catalog):\S*|[~^<>=v]{0,3}\d+\.\d+(?:\.\d+)?(?:[-+][0-9A-Za-z.-]{1,20})?(?:[ \t]*(?:<|\|\|)[\s\S]*)?)$/;

/**
 * A quoted value with spaces that reads as prose ("Step 2 of the token flow"): two or more
 * ordinary words. A random key with spaces (a WordPress salt) has no such run.
 */
const PROSE = /(?:^|\s)[A-Za-z][a-z]{1,}[,.:;!?]?\s+[A-Za-z]?[a-z]{2,}[,.:;!?]?(?:\s|$)/;

/** Words that, as the entire value (optionally followed by digits), are dev defaults or stand-ins. */
const WHOLE_WORD = new RegExp(
  '^(?:' +
    [
      'none',
      'null',
      'nil',
      'undefined',
      'true',
      'false',
      'todo',
      'tbd',
      'fixme',
      'n/?a',
      'empty',
      'unset',
      'value',
      'string',
      'test(?:ing)?',
      'secret',
      'secrets',
      'password',
      'passwd',
      'pass',
      'pwd',
      'token',
      'api[-_]?key',
      'key',
      'auth',
      'dummy',
      'placeholder',
      'sample',
      'example',
      'redacted',
      'removed',
      'hidden',
      'masked',
      'default',
      'changeit',
      'admin',
      'root',
      'guest',
      'user',
      'username',
      'demo',
      'dev',
      'local',
      'foo',
      'bar',
      'baz',
      'foobar',
      'qwerty',
      'letmein',
      'hunter',
      'abc',
      'abcdef',
      'welcome',
      'postgres',
      'mysql',
      'redis',
      'rabbitmq',
      'mongo',
      'sa',
      'p@ssw0rd',
      'passw0rd',
      's3cr3t',
      'super[-_]?secret',
      'top[-_]?secret',
      'my[-_]?secret',
      'not[-_]?secret',
    ].join('|') +
    ')[-_]?\\d*$',
  'i',
);

/**
 * Substrings that only occur in stand-ins, matched on the value lower-cased with separators
 * removed (so your-api-key, YOUR_API_KEY and yourApiKey are one case). Each is long or unusual
 * enough that a random key containing it is vanishingly unlikely.
 */
const STAND_IN_PARTS = [
  'yourapikey',
  'yourkey',
  'yoursecret',
  'yourtoken',
  'yourpassword',
  'yourauth',
  'youraccess',
  'yourown',
  'yourclient',
  'yourbot',
  'yourapp',
  'yourproject',
  'yourorg',
  'yourdb',
  'yourpersonal',
  'yourservice',
  'yourwebhook',
  'replaceme',
  'replacewith',
  'replacethis',
  'changeme',
  'changethis',
  'placeholder',
  'insertyour',
  'enteryour',
  'putyour',
  'addyour',
  'pasteyour',
  'redacted',
  'notarealkey',
  'notreal',
  'dummy',
  'example',
  'sample',
  'insecure',
  'supersecret',
  'mysecret',
  'secretkeyhere',
  'keyhere',
  'tokenhere',
  'passwordhere',
  'goeshere',
  'xxxxx',
  'abcdefgh',
  '123456789',
  '0000000',
  'qwertyuiop',
  'lorem',
];

/** A value made only of letters that spells "your github token", "my api key", "insert password here" ... */
const SPELLED_OUT =
  /^(?:your|my|the|insert|enter|put|add|paste|some|real|actual|valid)[a-z]*?(?:key|token|secret|password|passwd|pass|credentials?|pat)(?:here|goes(?:here)?)?$/;

/** Masked or elided values: •••, ***, runs of x, "...". */
const MASKED_PARTS = /\*{4,}|•{3,}|\.\.\.|…|[xX]{5,}/;

/** Runs of one repeated character (aaaaaaaa) or a short pattern repeated (abcabcabcabc). */
const REPEATED = /^(.{1,4})\1{4,}$/s;

/** Code that fetches the secret from somewhere else rather than containing it. */
const CODE_REFERENCE =
  /^(?:process\.env|import\.meta\.env|os\.environ|os\.getenv|System\.getenv|Environment\.GetEnvironmentVariable|ENV\[|env\(|getenv\(|secrets\.|vars\.|\$env:)/i;

/** A file path where a secret would be loaded from: ./key.pem, ~/.ssh/id_rsa, /run/secrets/db. */
const PATH =
  /^(?:(?:~|\.{1,2})\/|\/(?:run|etc|var|tmp|home|Users|opt|secrets|mnt|srv|usr)\/)|^[\w./-]*\/[\w.-]+\.(?:pem|key|crt|cer|der|p12|pfx|jks|json|txt|env|ya?ml|ppk|pub|gpg|asc)$/;

/** A regular expression, not a value: a character range, a class escape, a counted repeat, a group. */
const REGEX_LIKE = /\[\^?[A-Za-z0-9]-[A-Za-z0-9]|\\[dswDSWb]|\{\d+(?:,\d*)?\}|\(\?[:=!<]/;

/** Password hashes and digests: derived from a secret, not the secret (bcrypt, crypt, argon2, SRI). */
const HASH_DIGEST = /^(?:\$2[aby]?\$\d\d\$|\$(?:1|5|6|y|argon2(?:id|i|d)|scrypt|pbkdf2[-\w]*)\$|(?:sha(?:1|224|256|384|512)|md5)[-:])/i;

/** AWS documents every example credential with an EXAMPLE marker; others copied the convention. */
const EXAMPLE_MARKER = /EXAMPLE/;

/**
 * Example credentials published in vendors' documentation and tools (and therefore in countless
 * READMEs and tests). Exact values only.
 */
const DOCUMENTED_EXAMPLES = new Set([
  // AWS IAM documentation
  'AKIAIOSFODNN7EXAMPLE',
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'AKIAI44QH8DHBEXAMPLE',
  'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
  // Stripe API reference
  'sk_test_4eC39HqLyjWDarjtT1zdp7dc',
  'pk_test_TYooMQauvdEDq54NiTphI7jx',
  'sk_test_BQokikJOvBiI2HlWgH4olfQ2',
  'sk_test_26PHem9AhJZvU623DfE1x4sd',
  // GitHub documentation
  'ghp_16C7e42F292c6912E7710c838347Ae178B4a',
  // Azurite / Azure Storage Emulator well-known development account key
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
  // jwt.io's default example token
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
  // Mailgun documentation
  'key-3ax6xnjp29jd6fds4gc373sgvjxteol0',
  // Slack API documentation
  'xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy',
  // OAuth RFC examples (RFC 5849, RFC 6749, RFC 7009) and the libraries that quote them
  'dpf43f3p2l4k3l03',
  'kd94hf93k423kf44',
  'nnch734d00sl2jdk',
  'pfkkdhi9sl3r4s00',
  'hh5s93j4hdidpola',
  '0685bd9184jfhq22',
  'ad180jjd733klru7',
  '2YotnFZFEjr1zCsicMWpAA',
  'tGzv3JOkF0XG5Qx2TlKWIA',
  'SplxlOBeZQQYbYS6WxSbIA',
  '45ghiukldjahdnhzdauz',
  'kjfch2345sdf',
  'h480djs93hd8',
  'mF_9.B5f-4.1JqM',
  'czZCaGRSa3F0MzpnWDFmQmF0M2JW', // RFC 6749's example client credentials, as an HTTP Basic header
  // The bcrypt example hash quoted by Wikipedia and countless tutorials ("correct horse battery staple" era)
  '$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW',
  '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW',
  // PyJWT documentation
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzb21lIjoicGF5bG9hZCJ9.4twFt5NiznN84AWoo1d7KO1T_yoc0Z6XOpOVswacPZg',
  // Telegram Bot API documentation
  '123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11',
]);

/**
 * Header and armour lines of a key block (`-----BEGIN ...`, `Comment: ...`, `Encryption: none`;
 * PuTTY's `PuTTY-User-Key-File-3: ssh-ed25519` is a `Name: value` header like the others).
 */
const KEY_BLOCK_HEADER = /^(?:-----(?:BEGIN|END) [A-Z0-9 ]+-----|[A-Za-z][\w-]*: .*)$/;

/**
 * A private-key block is judged by its body only: a `Comment: dummy key` header, or the word
 * "example" in a PuTTY comment, says nothing about the key, which is real whatever its comment.
 * Only an elided or masked body (`...`, `****`) or template syntax makes it a placeholder.
 */
function keyBlockReason(v: string): string | null {
  const body = v
    .split(/\r?\n|\\n/)
    .filter((line) => !KEY_BLOCK_HEADER.test(line.trim()))
    .join('\n');
  if (!body.trim()) return 'empty';
  if (/\.\.\.|…|\*{4,}|[xX]{8,}/.test(body)) return 'masked';
  if (INTERPOLATION.test(body) || /<[^<>\n]*>/.test(body)) return 'template';
  return null;
}

/** Why a value is a placeholder, or null when it may be a real secret. Exported for tests and `--explain`. */
export function placeholderReason(value: string): string | null {
  if (value.startsWith('-----BEGIN') || value.startsWith('PuTTY-User-Key-File-')) return keyBlockReason(value);
  const v = value.trim().replace(/^["'`]|["'`]$/g, '');
  if (v.length === 0) return 'empty';
  if (DOCUMENTED_EXAMPLES.has(v)) return 'documented example';
  if (EXAMPLE_MARKER.test(v)) return 'documented example';
  if (WHOLE_TEMPLATE.test(v) || INTERPOLATION.test(v)) return 'template';
  if (VERSION_SPEC.test(v)) return 'version';
  if (v.includes(' ') && PROSE.test(v)) return 'prose';
  if (REGEX_LIKE.test(v)) return 'regex';
  if (CODE_REFERENCE.test(v)) return 'code reference';
  if (HASH_DIGEST.test(v)) return 'hash or digest';
  if (PATH.test(v)) return 'file path';
  if (WHOLE_WORD.test(v)) return 'placeholder word';
  if (REPEATED.test(v)) return 'repeated pattern';
  if (MASKED_PARTS.test(v)) return 'masked';
  const squashed = v.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (SPELLED_OUT.test(squashed)) return 'placeholder word';
  for (const part of STAND_IN_PARTS) if (squashed.includes(part)) return 'placeholder word';
  return null;
}

export function isPlaceholder(value: string): boolean {
  return placeholderReason(value) !== null;
}
