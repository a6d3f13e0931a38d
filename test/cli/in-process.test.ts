import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runCli, spawnCli } from '../helpers/cli.js';

// The in-process harness (main(argv, io), src/cli/in-process.ts) stands in for bin/credctl in
// most CLI tests, so it must answer exactly as the real process does, and leave this process as
// it found it (environment, working directory, exit code).
const built = existsSync(join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js'));
const FAKE_KEY = 'sk_live_51FAKEinProcessZyXwVuTsRqPoNm';

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'credctl-in-process-')));
execFileSync('git', ['init', '-q'], { cwd: dir });
writeFileSync(join(dir, '.env'), `STRIPE_SECRET_KEY=${FAKE_KEY}\n`);
writeFileSync(join(dir, 'bad.yaml'), 'not: [a plan\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir, CI: 'true', NO_COLOR: '1', CREDCTL_STORE: 'file', CREDCTL_KEY_FILE: join(dir, 'no-key') };
delete env.CREDCTL_DEBUG;

describe.skipIf(!built)('in-process runs answer as bin/credctl does', () => {
  const cases: [string, string[], string?][] = [
    ['the version', ['--version']],
    ['findings, as JSON, with exit 1', ['scan', '.env', '--json', '--no-graph']],
    ['findings, as a table, with exit 1', ['scan', '.env', '--no-graph']],
    ['stdin scanned with -', ['scan', '-', '--format', 'jsonl'], `TOKEN=${FAKE_KEY}\n`],
    ['a usage error (commander), exit 2', ['scan', '--bogus-flag']],
    ['an unknown command, exit 2', ['bogus-command']],
    ['bad input, exit 3 and a hint', ['apply', 'bad.yaml', '--yes']],
    ['help', ['scan', '--help']],
  ];
  for (const [what, args, input] of cases) {
    it(what, async () => {
      const real = await spawnCli(args, { cwd: dir, env, input });
      const here = await runCli(args, { cwd: dir, env, input });
      // Timings differ from run to run; everything else must not.
      const same = (r: { code: number | null; stdout: string; stderr: string }) => ({
        code: r.code,
        stdout: r.stdout.replace(/"durationMs": \d+/g, '"durationMs": 0'),
        stderr: r.stderr.replace(/in \d+\.\d+ s\b/g, 'in 0 s'),
      });
      expect(same(here)).toEqual(same(real));
      expect(here.stdout + here.stderr).not.toContain(FAKE_KEY);
    });
  }
});

describe('main(argv, io)', () => {
  it('puts back the environment, the working directory and process.exitCode', async () => {
    const cwd = process.cwd();
    const before = { ...process.env };
    const exitCode = process.exitCode;
    const r = await runCli(['scan', '.env', '--no-graph', '--no-color'], { cwd: dir, env: { ...env, CREDCTL_HARNESS_PROBE: '1' } });
    expect(r.code).toBe(1); // the finding was seen, in `dir`
    expect(process.cwd()).toBe(cwd);
    expect(process.env).toEqual(before);
    expect(process.env.NO_COLOR).toBe(before.NO_COLOR); // --no-color sets it for the command only
    expect(process.exitCode).toBe(exitCode);
  });

  it('runs calls one at a time, each with its own output', async () => {
    const [a, b] = await Promise.all([runCli(['--version']), runCli(['bogus-command'], { cwd: dir, env })]);
    expect(a.code).toBe(0);
    expect(a.stderr).toBe('');
    expect(b.code).toBe(2);
    expect(b.stdout).toBe('');
    expect(b.stderr).toMatch(/unknown command/);
  });

  it('captures what a command writes to process.stdout directly, and nothing outside a call', async () => {
    const chunks: string[] = [];
    const code = await main([process.execPath, 'credctl', '--version'], {
      stdout: { write: (c: string | Uint8Array) => chunks.push(String(c)) },
      stderr: { write: () => true },
      env,
      cwd: dir,
    });
    expect(code).toBe(0);
    expect(chunks.join('')).toMatch(/^\d+\.\d+\.\d+/);
    // A direct write from inside the call's async context goes to the call's stdout as well.
    const direct: string[] = [];
    const { withStreams } = await import('../../src/core/io.js');
    const streams = { stdout: { write: (c: string | Uint8Array) => direct.push(String(c)) }, stderr: { write: () => true }, stdin: process.stdin };
    await withStreams(streams, async () => {
      process.stdout.write('written directly\n');
    });
    expect(direct).toEqual(['written directly\n']);
  });
});
