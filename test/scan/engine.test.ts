import { chmodSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { CredctlError } from '../../src/core/errors.js';
import { fingerprint } from '../../src/core/fingerprint.js';
import { scanPaths, compileRules } from '../../src/scan/engine.js';
import { workerScriptAvailable } from '../../src/scan/pool.js';
import { scanFiles } from '../../src/scan/scan-file.js';
import { cleanup, commit, fake, gitRepo, tempDir, testRulesDir, write } from './helpers.js';

const rulesDir = testRulesDir();
afterAll(cleanup);

const where = (r: { findings: { file: string; line: number; column: number; ruleId: string }[] }) =>
  r.findings.map((f) => `${f.file}:${f.line}:${f.column} ${f.ruleId}`);

describe('scanPaths on a plain directory (no git)', () => {
  it('finds planted secrets with file, line and column, and reports every file', async () => {
    const d = tempDir();
    write(d, 'config/.env', `# settings\nSTRIPE_SECRET_KEY=${fake.stripe(1)}\n`);
    write(d, 'src/app.ts', `import x from 'y';\n\nconst gh = "${fake.github(2)}";\n`);
    write(d, 'README.md', 'nothing to see here\n');
    const r = await scanPaths({ paths: [d], base: d, rulesDir, workers: 0 });
    expect(where(r)).toEqual(['config/.env:2:19 stripe-secret-key', 'src/app.ts:3:13 github-classic-pat']);
    expect(r.findings[0]).toMatchObject({
      provider: 'stripe',
      kind: 'api_key',
      environment: 'live',
      fingerprint: fingerprint(fake.stripe(1)),
      redacted: `sk_live_…${fake.stripe(1).slice(-4)}`,
      confidence: 'high',
    });
    expect(r.stats).toMatchObject({ filesScanned: 3, findings: 2, workers: 0 });
    expect(r.stats.bytesScanned).toBeGreaterThan(50);
  });

  it('skips binaries and files over the size limit, and counts them', async () => {
    const d = tempDir();
    write(d, 'img.png', Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]), Buffer.from(`key=${fake.stripe(3)}`)]));
    write(d, 'big.log', 'x'.repeat(2000) + `\n${fake.stripe(4)}\n`);
    write(d, 'small.txt', `${fake.stripe(5)}\n`);
    const r = await scanPaths({ paths: [d], base: d, rulesDir, workers: 0, maxFileSize: 1000 });
    expect(where(r)).toEqual(['small.txt:1:1 stripe-secret-key']);
    expect(r.stats.skipped).toMatchObject({ binary: 1, tooLarge: 1 });
    expect(r.stats.filesScanned).toBe(1);
  });

  it('survives a symlink loop and does not follow symlinks out of the tree', async () => {
    const d = tempDir();
    const outside = tempDir();
    write(outside, 'secret.txt', `${fake.stripe(6)}\n`);
    write(d, 'a/file.txt', `${fake.github(7)}\n`);
    symlinkSync(d, join(d, 'a/loop'));
    symlinkSync(outside, join(d, 'outside'));
    symlinkSync(join(d, 'missing'), join(d, 'dangling'));
    const r = await scanPaths({ paths: [d], base: d, rulesDir, workers: 0 });
    expect(where(r)).toEqual(['a/file.txt:1:1 github-classic-pat']);
  });

  it('decodes UTF-16 (LE and BE, with BOM), drops a UTF-8 BOM and tolerates invalid UTF-8', async () => {
    const d = tempDir();
    const text = `line one\r\nTOKEN=${fake.github(8)}\r\n`;
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le);
    be.swap16();
    be[0] = 0xfe;
    be[1] = 0xff;
    write(d, 'le.txt', le);
    write(d, 'be.txt', be);
    write(d, 'bom.txt', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${fake.stripe(9)}\n`)]));
    write(d, 'latin1.txt', Buffer.concat([Buffer.from([0xe9, 0xe8, 0xff, 0x20]), Buffer.from(`${fake.stripe(10)}\n`)]));
    const r = await scanPaths({ paths: [d], base: d, rulesDir, workers: 0 });
    expect(where(r)).toEqual([
      'be.txt:2:7 github-classic-pat',
      'bom.txt:1:1 stripe-secret-key',
      'latin1.txt:1:5 stripe-secret-key',
      'le.txt:2:7 github-classic-pat',
    ]);
    expect(r.findings[0]!.fingerprint).toBe(fingerprint(fake.github(8)));
  });

  it('counts a file that vanished or cannot be read as unreadable instead of failing', () => {
    const d = tempDir();
    write(d, 'ok.txt', `${fake.stripe(11)}\n`);
    mkdirSync(join(d, 'dir.txt'));
    const r = scanFiles(
      compileRules(rulesDir),
      [
        { path: join(d, 'gone.txt'), display: 'gone.txt' },
        { path: join(d, 'dir.txt'), display: 'dir.txt' },
        { path: join(d, 'ok.txt'), display: 'ok.txt' },
      ],
      1 << 20,
    );
    expect(r.stats.skipped.unreadable).toBe(2);
    expect(r.findings.map((f) => f.file)).toEqual(['ok.txt']);
  });

  // Tests usually run as root, where mode 000 does not stop a read; only meaningful otherwise.
  it.skipIf(process.getuid?.() === 0)('counts a file without read permission as unreadable', async () => {
    const d = tempDir();
    const p = write(d, 'locked.txt', `${fake.stripe(12)}\n`);
    chmodSync(p, 0o000);
    const r = await scanPaths({ paths: [d], base: d, rulesDir, workers: 0 });
    expect(r.stats.skipped.unreadable).toBe(1);
    expect(r.findings).toEqual([]);
  });

  it('rejects a path that does not exist with a one-line input error (exit 3)', async () => {
    const err = await scanPaths({ paths: ['/nonexistent/credctl-test'], rulesDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredctlError);
    expect((err as CredctlError).exitCode).toBe(3);
    expect((err as CredctlError).message).toContain('no such file');
  });
});

describe('scanPaths in a git repository', () => {
  it('scans tracked and untracked-not-ignored files, skips ignored ones unless noIgnore', async () => {
    const d = gitRepo();
    write(d, '.gitignore', 'build/\n*.local\n');
    write(d, 'tracked.env', `A=${fake.stripe(20)}\n`);
    commit(d, 'first');
    write(d, 'untracked.txt', `B=${fake.stripe(21)}\n`);
    write(d, 'build/out.js', `C=${fake.stripe(22)}\n`);
    write(d, 'settings.local', `D=${fake.stripe(23)}\n`);
    const r = await scanPaths({ paths: [d], base: d, rulesDir, workers: 0 });
    expect(r.findings.map((f) => f.file)).toEqual(['tracked.env', 'untracked.txt']);
    const all = await scanPaths({ paths: [d], base: d, rulesDir, workers: 0, noIgnore: true });
    expect(all.findings.map((f) => f.file)).toEqual(['build/out.js', 'settings.local', 'tracked.env', 'untracked.txt']);
  });

  it('scans single files and reports paths relative to the base', async () => {
    const d = tempDir();
    const p = write(d, 'sub/one.txt', `${fake.github(24)}\n`);
    const r = await scanPaths({ paths: [p], base: d, rulesDir, workers: 0 });
    expect(where(r)).toEqual(['sub/one.txt:1:1 github-classic-pat']);
    const outside = await scanPaths({ paths: [p], base: join(d, 'elsewhere'), rulesDir, workers: 0 });
    expect(outside.findings[0]!.file).toBe(p); // outside the base: absolute
  });

  it('shows files relative to the base even when the directory scanned is above it (scan ..)', async () => {
    const d = tempDir();
    write(
      d,
      'sub/inner.txt',
      `${fake.github(25)}
`,
    );
    const outerFile = write(
      d,
      'outer.txt',
      `${fake.github(26)}
`,
    );
    const r = await scanPaths({ paths: [d], base: join(d, 'sub'), rulesDir, workers: 0, noIgnore: true });
    expect(r.findings.map((f) => f.file).sort()).toEqual([outerFile, 'inner.txt'].sort());
  });
});

describe('pairing', () => {
  it('links an AWS secret to the nearest access key id in the same file, both ways', async () => {
    const d = tempDir();
    write(
      d,
      'creds',
      `[default]\naws_access_key_id = ${fake.awsId(30)}\naws_secret_access_key = ${fake.awsSecret(31)}\n\n\n\n\n\n[other]\naws_access_key_id = ${fake.awsId(32)}\naws_secret_access_key = ${fake.awsSecret(33)}\n`,
    );
    const r = await scanPaths({ paths: [d], base: d, rulesDir, workers: 0 });
    const by = Object.fromEntries(r.findings.map((f) => [f.fingerprint, f]));
    expect(by[fingerprint(fake.awsSecret(31))]!.pairedWith).toBe(fingerprint(fake.awsId(30)));
    expect(by[fingerprint(fake.awsSecret(33))]!.pairedWith).toBe(fingerprint(fake.awsId(32)));
    expect(by[fingerprint(fake.awsId(32))]!.pairedWith).toBe(fingerprint(fake.awsSecret(33)));
    expect(by[fingerprint(fake.awsSecret(31))]!.kind).toBe('secret_access_key');
  });

  it('leaves pairedWith unset without a partner in the file', async () => {
    const d = tempDir();
    write(d, 'a.env', `AWS_SECRET_ACCESS_KEY=${fake.awsSecret(34)}\n`);
    write(d, 'b.env', `AWS_ACCESS_KEY_ID=${fake.awsId(35)}\n`);
    const r = await scanPaths({ paths: [d], base: d, rulesDir, workers: 0 });
    expect(r.findings).toHaveLength(2);
    expect(r.findings.every((f) => f.pairedWith === undefined)).toBe(true);
  });
});

describe('stdin and streams', () => {
  it('scans `-` in slices with correct line numbers, a multi-line key across a slice boundary, no duplicates', async () => {
    const filler = 'INFO step ok '.repeat(6) + '\n'; // 79 chars + newline
    const lines: string[] = [];
    for (let i = 0; i < 40_000; i++) lines.push(filler);
    // Line numbers are 1-based: index i is line i + 1.
    lines[4] = `export TOKEN=${fake.github(40)}\n`;
    const boundary = Math.floor((1 << 20) / filler.length); // the first slice ends near here
    const pem = [
      '-----BEGIN RSA PRIVATE KEY-----\n',
      'MIIEFAKEpAIBAAKCAQEA7bq3Zr9Lm2QxWq\n',
      'Vt5Yh8Jk1Pn4Bc7Df0Gs3Hw6Ke9Ra2Tu\n',
      '-----END RSA PRIVATE KEY-----\n',
    ];
    lines.splice(boundary - 2, 4, ...pem);
    lines[30_000] = `${fake.stripe(41)} leaked in CI\n`;
    const text = lines.join('');
    // Deliver in odd-sized chunks, as a pipe would.
    const chunks: Buffer[] = [];
    const buf = Buffer.from(text);
    for (let i = 0; i < buf.length; i += 65_537) chunks.push(buf.subarray(i, i + 65_537));
    const r = await scanPaths({ paths: ['-'], stdin: Readable.from(chunks), rulesDir });
    expect(where(r)).toEqual([`-:5:14 github-classic-pat`, `-:${boundary - 1}:1 private-key`, '-:30001:1 stripe-secret-key']);
    expect(r.stats.bytesScanned).toBe(buf.length);
  });

  it('decodes a UTF-16 stream and skips a binary one', async () => {
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`x\n${fake.stripe(42)}\n`, 'utf16le')]);
    const r = await scanPaths({ paths: ['-'], stdin: Readable.from([le]), rulesDir });
    expect(where(r)).toEqual(['-:2:1 stripe-secret-key']);
    const bin = await scanPaths({ paths: ['-'], stdin: Readable.from([Buffer.from([1, 0, 2, 0, 3])]), rulesDir });
    expect(bin.stats.skipped.binary).toBe(1);
  });
});

describe('worker threads', () => {
  it.skipIf(!workerScriptAvailable())('spreads a big scan over threads and finds exactly what one thread finds', async () => {
    const d = tempDir();
    const body = 'const filler = "lorem ipsum dolor sit amet";\n'.repeat(1200); // ~55 KB
    for (let i = 0; i < 80; i++) write(d, `pkg${i % 7}/file${i}.js`, i % 9 === 0 ? `${body}const k = "${fake.stripe(100 + i)}";\n` : body);
    write(d, 'pkg0/blob.bin', Buffer.from([0, 1, 2, 3]));
    const threaded = await scanPaths({ paths: [d], base: d, rulesDir, workers: 2 });
    const single = await scanPaths({ paths: [d], base: d, rulesDir, workers: 0 });
    expect(threaded.stats.workers).toBe(2);
    expect(single.stats.workers).toBe(0);
    expect(threaded.findings).toEqual(single.findings);
    expect(threaded.findings).toHaveLength(9);
    expect(threaded.stats.filesScanned).toBe(80);
    expect(threaded.stats.skipped.binary).toBe(1);
    expect(threaded.stats.bytesScanned).toBe(single.stats.bytesScanned);
  });

  it('stays in one thread for a small input', async () => {
    const d = tempDir();
    write(d, 'a.txt', `${fake.stripe(200)}\n`);
    const r = await scanPaths({ paths: [d], base: d, rulesDir, workers: 2 });
    expect(r.stats.workers).toBe(0);
    expect(r.findings).toHaveLength(1);
  });
});
