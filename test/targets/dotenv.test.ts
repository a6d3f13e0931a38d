import { lstatSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDotenv } from '../../src/core/dotenv.js';
import { CredctlError } from '../../src/core/errors.js';
import { ExitCode } from '../../src/core/exit-codes.js';
import { fingerprint } from '../../src/core/fingerprint.js';
import { assertDotenvName, encodeDotenvValue, rewriteDotenv } from '../../src/integrations/dotenv/rewrite.js';
import { openTarget } from '../../src/integrations/targets.js';
import { everything, tempProject } from './helpers.js';

const OLD = 'sk_live_51FAKEoldoldoldoldoldold0001';
const NEW = 'sk_live_51FAKEnewnewnewnewnewnew0002';

function refused(fn: () => unknown): CredctlError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CredctlError);
    expect((err as CredctlError).exitCode).toBe(ExitCode.Refused);
    return err as CredctlError;
  }
  throw new Error('expected a refusal');
}

describe('rewriteDotenv: byte-exact', () => {
  it('changes only the value span, keeping comments, export, spacing, inline comments', () => {
    const src = `# payments\nexport  STRIPE_SECRET_KEY = ${OLD}   # live key\nOTHER=keep me\n\n# end\n`;
    const out = rewriteDotenv(src, 'STRIPE_SECRET_KEY', NEW);
    expect(out.text).toBe(`# payments\nexport  STRIPE_SECRET_KEY = ${NEW}   # live key\nOTHER=keep me\n\n# end\n`);
    expect(out.rewritten).toBe(1);
  });

  it('keeps each quoting style when the value fits it', () => {
    for (const q of ['"', "'", '`']) {
      const src = `A=1\nKEY=${q}${OLD}${q}\nB=2\n`;
      expect(rewriteDotenv(src, 'KEY', NEW).text).toBe(`A=1\nKEY=${q}${NEW}${q}\nB=2\n`);
    }
  });

  it('keeps CRLF line endings and a BOM', () => {
    const src = `\ufeffA=1\r\nKEY="${OLD}"\r\nB='x y'\r\n`;
    const out = rewriteDotenv(src, 'KEY', NEW);
    expect(out.text).toBe(`\ufeffA=1\r\nKEY="${NEW}"\r\nB='x y'\r\n`);
    const p = parseDotenv(out.text);
    expect(p.bom).toBe(true);
    expect(p.values.get('KEY')!.value).toBe(NEW);
  });

  it('duplicates: rewrites the last one and earlier copies of the old value, leaves other earlier values', () => {
    const src = `KEY=${OLD}\nKEY=sk_live_51FAKEdeaddeaddeaddead0000\nX=1\nKEY=${OLD}\n`;
    const out = rewriteDotenv(src, 'KEY', NEW);
    expect(out.text).toBe(`KEY=${NEW}\nKEY=sk_live_51FAKEdeaddeaddeaddead0000\nX=1\nKEY=${NEW}\n`);
    expect(out.rewritten).toBe(2);
  });

  it('switches an unquoted value to single quotes when the new value needs quoting', () => {
    const out = rewriteDotenv(`KEY=${OLD} # c\n`, 'KEY', 'pa ss#wo$rd FAKE');
    expect(out.text).toBe(`KEY='pa ss#wo$rd FAKE' # c\n`);
    expect(parseDotenv(out.text).values.get('KEY')!.value).toBe('pa ss#wo$rd FAKE');
  });

  it('uses double quotes with \\n for a multi-line value, in LF and CRLF files', () => {
    const pem = '-----BEGIN FAKE KEY-----\nAAAA\n-----END FAKE KEY-----';
    for (const eol of ['\n', '\r\n']) {
      const src = `A=1${eol}KEY=${OLD}${eol}B=2${eol}`;
      const out = rewriteDotenv(src, 'KEY', pem);
      expect(out.text).toBe(`A=1${eol}KEY="-----BEGIN FAKE KEY-----\\nAAAA\\n-----END FAKE KEY-----"${eol}B=2${eol}`);
      expect(parseDotenv(out.text).values.get('KEY')!.value).toBe(pem);
    }
  });

  it('falls back from double to single quotes for values with a backslash or $', () => {
    const out = rewriteDotenv(`KEY="${OLD}"\n`, 'KEY', 'a\\b$cFAKE');
    expect(out.text).toBe(`KEY='a\\b$cFAKE'\n`);
  });

  it('appends a missing name, adding the missing final newline first', () => {
    expect(rewriteDotenv('A=1', 'KEY', NEW).text).toBe(`A=1\nKEY=${NEW}\n`);
    expect(rewriteDotenv('A=1\r\n', 'KEY', NEW).text).toBe(`A=1\r\nKEY=${NEW}\r\n`);
  });

  it('reports unchanged when the value is already there', () => {
    const src = `KEY=${NEW}\n`;
    expect(rewriteDotenv(src, 'KEY', NEW)).toEqual({ text: src, changed: false, rewritten: 0, appended: false });
  });

  it('refuses values no quoting can hold unambiguously, without echoing them', () => {
    const bad = [`it's "FAKE"`, `it's\\FAKE`, `it's $FAKE`, 'line1\nit\'s "FAKE"', 'nul\0FAKE'];
    for (const v of bad) {
      const err = refused(() => rewriteDotenv(`KEY=${OLD}\n`, 'KEY', v));
      expect(everything(err)).not.toContain(v);
      expect(everything(err)).not.toContain(OLD);
    }
  });

  it('writes a multi-line value with an apostrophe in double quotes', () => {
    const v = "line1\nit's FAKE";
    const out = rewriteDotenv(`KEY=${OLD}\n`, 'KEY', v);
    expect(out.text).toBe(`KEY="line1\\nit's FAKE"\n`);
    expect(parseDotenv(out.text).values.get('KEY')!.value).toBe(v);
  });

  it('rejects an invalid variable name as bad input', () => {
    try {
      rewriteDotenv('A=1\n', 'BAD NAME', NEW);
      throw new Error('no');
    } catch (err) {
      expect((err as CredctlError).exitCode).toBe(ExitCode.BadInput);
    }
  });
});

describe('rewriteDotenv: reports exactly what it changed', () => {
  it('a missing file: created with the one line, appended', () => {
    expect(rewriteDotenv(null, 'KEY', NEW)).toEqual({ text: `KEY=${NEW}\n`, changed: true, rewritten: 1, appended: true });
    expect(rewriteDotenv(null, 'KEY', 'two words FAKE')).toEqual({ text: `KEY='two words FAKE'\n`, changed: true, rewritten: 1, appended: true });
  });

  it('a name not in the file: appended, in the file line ending, with no blank line before it', () => {
    const appended = { changed: true, rewritten: 1, appended: true };
    expect(rewriteDotenv('A=1\n', 'KEY', NEW)).toEqual({ text: `A=1\nKEY=${NEW}\n`, ...appended });
    expect(rewriteDotenv('', 'KEY', NEW)).toEqual({ text: `KEY=${NEW}\n`, ...appended });
    expect(rewriteDotenv('\ufeff', 'KEY', NEW)).toEqual({ text: `\ufeffKEY=${NEW}\n`, ...appended });
    expect(rewriteDotenv('A=1\r\nB=2', 'KEY', NEW)).toEqual({ text: `A=1\r\nB=2\r\nKEY=${NEW}\r\n`, ...appended });
    expect(rewriteDotenv('\ufeffA=1', 'KEY', NEW)).toEqual({ text: `\ufeffA=1\nKEY=${NEW}\n`, ...appended });
  });

  it('a name in the file: rewritten in place, never appended, with the count of places', () => {
    expect(rewriteDotenv(`KEY=${OLD}\nB=2\n`, 'KEY', NEW)).toEqual({ text: `KEY=${NEW}\nB=2\n`, changed: true, rewritten: 1, appended: false });
    expect(rewriteDotenv(`KEY=${OLD}\nKEY=${OLD}\n`, 'KEY', NEW)).toEqual({ text: `KEY=${NEW}\nKEY=${NEW}\n`, changed: true, rewritten: 2, appended: false });
  });

  it('unchanged when the value that counts (the last) already is the new one, whatever came before', () => {
    const src = `KEY=${OLD}\nKEY=${NEW}\n`;
    expect(rewriteDotenv(src, 'KEY', NEW)).toEqual({ text: src, changed: false, rewritten: 0, appended: false });
  });
});

describe('dotenv quoting: a value is written only where every reader reads it back the same', () => {
  it('unquoted: only characters every reader takes literally', () => {
    expect(encodeDotenvValue('AZaz09_-./+=:@%,~', '')).toBe('AZaz09_-./+=:@%,~');
    expect(encodeDotenvValue('', '')).toBe('');
    for (const v of ['a b', 'a#b', 'a"b', "a'b", 'a$b', 'a\\b', 'a\nb', 'a!b', '#ab', 'ab ']) expect(encodeDotenvValue(v, ''), v).toBeNull();
  });

  it('single quotes: anything but a single quote or a line break', () => {
    expect(encodeDotenvValue('a "b" $c \\d #e', "'")).toBe(`'a "b" $c \\d #e'`);
    for (const v of ["it's", 'a\nb', 'a\rb']) expect(encodeDotenvValue(v, "'"), v).toBeNull();
  });

  it('backticks: anything but a backtick or a line break', () => {
    expect(encodeDotenvValue(`it's "x" $y`, '`')).toBe('`it\'s "x" $y`');
    for (const v of ['a`b', 'a\nb', 'a\rb']) expect(encodeDotenvValue(v, '`'), v).toBeNull();
  });

  it('double quotes: line breaks as \\n and \\r, never a backslash, a double quote or $', () => {
    expect(encodeDotenvValue("it's\r\nok", '"')).toBe(`"it's\\r\\nok"`);
    expect(encodeDotenvValue('one\ntwo\nthree', '"')).toBe('"one\\ntwo\\nthree"');
    for (const v of ['a\\b', 'a"b', 'a$b']) expect(encodeDotenvValue(v, '"'), v).toBeNull();
  });

  it('a NUL fits no style', () => {
    for (const q of ['', "'", '`', '"'] as const) expect(encodeDotenvValue('a\0b', q), q).toBeNull();
  });

  it('a value that no longer fits a backtick-quoted line moves to single quotes, then double', () => {
    expect(rewriteDotenv(`KEY=\`${OLD}\`\n`, 'KEY', 'with`tick FAKE').text).toBe(`KEY='with\`tick FAKE'\n`);
    expect(rewriteDotenv(`KEY='${OLD}'\n`, 'KEY', "it's\nFAKE").text).toBe(`KEY="it's\\nFAKE"\n`);
  });

  it('names: letters, digits, _ . - and not starting with a digit; a bad name is quoted at most 60 characters', () => {
    for (const ok of ['KEY', '_KEY', 'key.with-dots_1', 'a']) expect(() => assertDotenvName(ok), ok).not.toThrow();
    for (const bad of ['1KEY', ' KEY', 'KEY ', 'KEY=', 'KE Y', 'KEY\nX', '', '-KEY'])
      expect(() => assertDotenvName(bad), JSON.stringify(bad)).toThrow(CredctlError);
    const pasted = `sk_live_${'FAKE0123456789'.repeat(6)} x`;
    let message = '';
    try {
      assertDotenvName(pasted);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain(pasted.slice(0, 60));
    expect(message).not.toContain(pasted.slice(0, 61));
  });
});

describe('dotenv target', () => {
  let p: ReturnType<typeof tempProject>;
  afterEach(() => p?.cleanup());

  it('reads the fingerprint, writes, verifies, then reports unchanged', async () => {
    p = tempProject();
    p.file('.env', `# app\nKEY=${OLD}\nOTHER=1\n`, 0o640);
    const t = await openTarget({ type: 'dotenv', file: '.env' }, { projectRoot: p.root });
    expect(t.describe()).toBe('.env file .env');
    expect(await t.readFingerprint('KEY')).toBe(fingerprint(OLD));
    expect(await t.readFingerprint('MISSING')).toBeNull();
    expect(await t.readValue('KEY')).toBe(OLD);
    expect(await t.readValue('MISSING')).toBeNull();
    const r1 = await t.write('KEY', NEW, { expectFingerprint: fingerprint(OLD) });
    expect(r1).toMatchObject({ status: 'written', before: fingerprint(OLD), after: fingerprint(NEW) });
    expect(r1.notes.join()).toContain('readable by others');
    expect(p.read('.env')).toBe(`# app\nKEY=${NEW}\nOTHER=1\n`);
    expect(p.mode('.env')).toBe(0o640);
    expect(await t.verify('KEY', NEW)).toBe(true);
    expect(await t.verify('KEY', OLD)).toBe(false);
    const r2 = await t.write('KEY', NEW);
    expect(r2.status).toBe('unchanged');
    // Canary: results carry fingerprints, never values.
    expect(everything([r1, r2])).not.toContain(NEW);
    expect(everything([r1, r2])).not.toContain(OLD);
  });

  it('creates a missing file with mode 0600', async () => {
    p = tempProject();
    const t = await openTarget({ type: 'dotenv', file: 'config/.env.local' }, { projectRoot: p.root });
    expect(await t.readFingerprint('KEY')).toBeNull();
    const r = await t.write('KEY', NEW);
    expect(r.status).toBe('written');
    expect(p.read('config/.env.local')).toBe(`KEY=${NEW}\n`);
    expect(p.mode('config/.env.local')).toBe(0o600);
  });

  it('refuses when the value changed since the plan, leaving the file as it was', async () => {
    p = tempProject();
    const src = `KEY=${OLD}\n`;
    p.file('.env', src);
    const t = await openTarget({ type: 'dotenv', file: '.env' }, { projectRoot: p.root });
    await expect(t.write('KEY', NEW, { expectFingerprint: fingerprint('sk_live_51FAKEsomethingelse0000') })).rejects.toMatchObject({
      exitCode: ExitCode.Refused,
    });
    expect(p.read('.env')).toBe(src);
  });

  it('a refused value leaves the file byte-for-byte unchanged', async () => {
    p = tempProject();
    const src = `\ufeffA=1\r\nKEY='${OLD}'\r\n`;
    p.file('.env', src, 0o600);
    const t = await openTarget({ type: 'dotenv', file: '.env' }, { projectRoot: p.root });
    const bad = `it's "FAKE" value`;
    const err = await t.write('KEY', bad).catch((e: unknown) => e);
    expect((err as CredctlError).exitCode).toBe(ExitCode.Refused);
    expect(everything(err)).not.toContain(bad);
    expect(p.read('.env')).toBe(src);
  });

  it('writes through a symlink, which stays a symlink', async () => {
    p = tempProject();
    p.file('real.env', `KEY=${OLD}\n`, 0o600);
    symlinkSync(join(p.root, 'real.env'), join(p.root, '.env'));
    const t = openTarget({ type: 'dotenv', file: '.env' }, { projectRoot: p.root });
    await t.write('KEY', NEW);
    expect(lstatSync(join(p.root, '.env')).isSymbolicLink()).toBe(true);
    expect(p.read('real.env')).toBe(`KEY=${NEW}\n`);
  });

  it('compose-env-file writes the same way and names the service', async () => {
    p = tempProject();
    p.file('web.env', `KEY=${OLD}\n`);
    const t = await openTarget({ type: 'compose-env-file', file: 'web.env', composeFile: 'compose.yaml', service: 'web' }, { projectRoot: p.root });
    expect(t.describe()).toBe('compose env_file web.env of service web (compose.yaml)');
    const r = await t.write('KEY', NEW);
    expect(r.status).toBe('written');
    expect(r.notes.join()).toContain('docker compose up -d web');
    expect(p.read('web.env')).toBe(`KEY=${NEW}\n`);
    expect((await t.write('KEY', NEW)).status).toBe('unchanged');
  });
});
