import { describe, expect, it } from 'vitest';

// Where each stand-in rule stops: a value only counts as a placeholder when the WHOLE value is
// one (a version, a spelled-out "your token", a file path, a hash), not when a real-looking value
// merely contains such a piece before or after other text. Every value dropped wrongly here is a
// leak the scan does not report, so each rule has near misses that must stay findings (null), and
// forms at the edge of the rule (a two-digit version part, a capitalised second word) that must
// still be recognised. All values are made up for this file.

// Imported inside the tests so a broken pattern (one that does not compile) fails them here.
const reasonOf = async (value: string) => (await import('../../src/scan/placeholders.js')).placeholderReason(value);

const cases: [label: string, value: string, reason: string | null][] = [
  // Versions: every part may have several digits, and a range may be written without spaces.
  ['two-digit major version', '10.2.3', 'version'],
  ['two-digit minor version', '1.10.0', 'version'],
  ['two-digit patch version', '1.2.10', 'version'],
  ['range joined without spaces', '^1.2.0||^2.0.0', 'version'],
  ['range with several spaces', '>=1.2.0   <2.0.0', 'version'],
  // Prose: words at the start or after a space, separated by any run of spaces, either case.
  ['two spaces between words', 'Hello  world', 'prose'],
  ['capitalised second word', 'Hello World', 'prose'],
  ['punctuation after the first word', 'Hello, world', 'prose'],
  ['punctuation after the second word', 'Hello world.', 'prose'],
  ['key with a space: word glued to digits', '9vQ7fz mpkwt', null],
  ['key with a space: digit before the space', 'Kx7 mpqz', null],
  ['key with a space: digits after the second word', 'Kqzv mplx9R', null],
  ['words split by a line break only, no space', 'Hello\nworld', null],
  // "your token" spelled out is a stand-in only as the whole value.
  ['spelled-out stand-in ending in "goes"', 'THE_TOKEN_GOES', 'placeholder word'],
  ['random password ending in "myPass"', 'R8kq2Vz7wLmyPass', null],
  // Masking needs a run, not one character.
  ['one bullet in a key', 'k3J9•qT7vLm2', null],
  // A repeated run is a stand-in only when it is the whole value.
  ['key ending in a run of zeros', 'Q7mRv2Lp00000', null],
  ['key starting with a run of zeros', '00000Q7mRv2Lp', null],
  // Code that reads a secret from elsewhere starts with it.
  ['key containing "Vars."', 'Q2wVars.8kLmZ', null],
  // A file path is a path from its first character to its extension.
  ['base64 key containing /etc/', 'R2d9/etc/Qv7LmZw8', null],
  ['key with a "+" before a path-like tail', 'Zq+8/Lm7.key', null],
  ['path-like key that goes on after the extension', 'k8/Zq.keyR2vLm', null],
  // Regular expressions: counted repeats of any width, with or without an upper bound.
  ['two-digit counted repeat', '^A{32}$', 'regex'],
  ['exact counted repeat', '^Z{8}$', 'regex'],
  // A hash is recognised by its prefix, not by a "$1$" somewhere inside a password.
  ['password containing $1$', 'Rk7$1$Lm2Qz9', null],
  // The bcrypt example hash is a documented example in both its $2a$ and $2b$ spellings.
  ['bcrypt example ($2b$)', '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW', 'documented example'],
  // Only the outer quotes of a quoted value are taken off.
  ['password with a quote inside', 'pass"word', null],
  ['password with a quote inside, quoted', `'pass"word'`, null],
];

describe('placeholder rules stop at the edge of the value', () => {
  it.each(cases)('%s', async (_label, value, reason) => {
    expect(await reasonOf(value)).toBe(reason);
  });
});

const BODY = 'MIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEAq7FAKEFAKE0123456789';

describe('a private-key block is judged by its body', () => {
  it('a key on one line (armour and body together) is a key, not an empty block', async () => {
    expect(await reasonOf(`-----BEGIN PRIVATE KEY-----${BODY}-----END PRIVATE KEY-----`)).toBeNull();
  });

  it('armour lines with trailing spaces are still armour: a block with nothing else is empty', async () => {
    expect(await reasonOf('-----BEGIN PRIVATE KEY----- \n-----END PRIVATE KEY-----  ')).toBe('empty');
  });

  it('a header whose comment has "..." in it says nothing about the key', async () => {
    expect(await reasonOf(`-----BEGIN OPENSSH PRIVATE KEY-----\nComment: laptop ... 2024\n${BODY}\n-----END OPENSSH PRIVATE KEY-----`)).toBeNull();
  });

  it('a PuTTY file is judged by its key lines, not its headers', async () => {
    const ppk = `PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: example ... key\nPublic-Lines: 1\n${BODY}\nPrivate-Lines: 1\n${BODY}`;
    expect(await reasonOf(ppk)).toBeNull();
  });

  it('a body line that only looks like a header in its middle is body: masked', async () => {
    expect(await reasonOf('-----BEGIN PRIVATE KEY-----\n+/Ab: ...\n-----END PRIVATE KEY-----')).toBe('masked');
  });

  it('masking is looked for within a line: x runs split across two lines are not a mask', async () => {
    expect(await reasonOf(`-----BEGIN PRIVATE KEY-----\n${BODY}Qxxxx\nxxxxR${BODY}\n-----END PRIVATE KEY-----`)).toBeNull();
  });

  it('a slot written in words and punctuation is a template', async () => {
    expect(await reasonOf('-----BEGIN PRIVATE KEY-----\n<your key, base64>\n-----END PRIVATE KEY-----')).toBe('template');
    expect(await reasonOf('-----BEGIN PRIVATE KEY-----\n<>\n-----END PRIVATE KEY-----')).toBe('template');
  });
});
