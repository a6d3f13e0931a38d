import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it, vi } from 'vitest';

// Ctrl-C at a prompt is the person stopping, not a bug: exit 130 (128 + SIGINT) with
// "Cancelled." on stderr, wherever credctl asks (the prompt library's rejection is caught once,
// in src/cli/exit.ts). The prompts are replaced by ones that reject as @inquirer/prompts does.
const cancel = vi.hoisted(() => ({ error: 'ExitPromptError' }));
vi.mock('@inquirer/prompts', () => {
  const reject = async () => {
    const e = new Error(cancel.error === 'ExitPromptError' ? 'User force closed the prompt with SIGINT' : 'Prompt was aborted');
    e.name = cancel.error;
    throw e;
  };
  return { password: reject, confirm: reject, input: reject, select: reject };
});

const { main } = await import('../../src/cli/main.js');
const { makeRotationProject, startTestIssuer } = await import('../helpers/rotation-project.js');
const { trustProject } = await import('../helpers/trust.js');
const { listRuns } = await import('../../src/commands/rotate.js');
const { reportError } = await import('../../src/cli/exit.js');
const { ExitCode, EXIT_CODE_HELP } = await import('../../src/core/exit-codes.js');

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'credctl-prompts-')));
execFileSync('git', ['init', '-q'], { cwd: dir });
writeFileSync(join(dir, 'store.key'), randomBytes(32).toString('hex'), { mode: 0o600 });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** credctl with a terminal on stdin (so it prompts) and captured stdout/stderr. */
async function onTerminal(args: string[], where: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) => ({ isTTY: false, write: (c: string | Uint8Array) => into.push(String(c)) > 0 });
  const stdin = Object.assign(new PassThrough(), { isTTY: true });
  const env: NodeJS.ProcessEnv = where.env ?? {
    ...process.env,
    HOME: dir,
    CI: '',
    NO_COLOR: '1',
    CREDCTL_STORE: 'file',
    CREDCTL_KEY_FILE: join(dir, 'store.key'),
  };
  delete env.CREDCTL_DEBUG;
  const code = await main([process.execPath, 'credctl', ...args], { stdout: sink(out), stderr: sink(err), env, cwd: where.cwd ?? dir, stdin });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('Ctrl-C at a prompt', () => {
  it.each(['ExitPromptError', 'AbortPromptError'])('%s at the hidden value prompt of store put exits 130 with "Cancelled."', async (name) => {
    cancel.error = name;
    const r = await onTerminal(['store', 'put', 'EXAMPLE_TOKEN']);
    expect(r.code).toBe(130);
    expect(r.stderr.trim()).toBe('Cancelled.');
    expect(r.stderr).not.toMatch(/internal error|bug/);
    expect(r.stdout).toBe('');
  });

  it('at a confirmation (store rm) exits 130 too, and deletes nothing', async () => {
    cancel.error = 'ExitPromptError';
    const put = await main([process.execPath, 'credctl', 'store', 'put', 'EXAMPLE_TOKEN'], {
      stdout: { write: () => true },
      stderr: { write: () => true },
      env: { ...process.env, HOME: dir, NO_COLOR: '1', CREDCTL_STORE: 'file', CREDCTL_KEY_FILE: join(dir, 'store.key') },
      cwd: dir,
      stdin: 'FAKE-0123456789-value\n',
    });
    expect(put).toBe(0);
    const r = await onTerminal(['store', 'rm', 'EXAMPLE_TOKEN']);
    expect(r.code).toBe(130);
    expect(r.stderr.trim()).toBe('Cancelled.');
    const list = await onTerminal(['store', 'list']);
    expect(list.stdout).toContain('EXAMPLE_TOKEN');
  });

  it('at the paste of a manual step during a rotation: that credential is undone, the run stops, exit 130', async () => {
    cancel.error = 'ExitPromptError';
    const issuer = await startTestIssuer();
    try {
      const p = await makeRotationProject(issuer, { health: 'none' });
      // No admin credential: the replacement is made by hand and pasted at a hidden prompt.
      const yaml = join(p.root, 'credctl.yaml');
      writeFileSync(yaml, readFileSync(yaml, 'utf8').replace(', admin: "store:example/admin"', ''));
      trustProject(p.root);
      const before = p.read('.env');
      const r = await onTerminal(['rotate', '--project', '--yes', '--root', p.root], { env: { ...p.env, CI: '' }, cwd: p.root });
      expect(r.code, r.stderr).toBe(130);
      expect(r.stderr).toMatch(/Cancelled\.\n$/);
      expect(r.stderr).not.toMatch(/internal error|This is a bug/);
      expect(p.read('.env')).toBe(before);
      expect(await p.whoami(p.values.EVENTS_API_KEY!)).toBe(200);
      // Stopped, not finished: the run is listed as interrupted and its resume is offered.
      const [run] = listRuns(p.root);
      expect(run!.finished).toBe(false);
      expect(r.stderr).toContain(`credctl apply --resume ${run!.runId}`);
    } finally {
      await issuer.close();
    }
  }, 60_000);

  it('is documented with the other exit codes, and any other error is still a bug (70)', () => {
    expect(ExitCode.Cancelled).toBe(130);
    expect(EXIT_CODE_HELP).toMatch(/^ {2}130 +cancelled/m);
    const err = new Error('boom');
    expect(reportError(err)).toBe(70);
  });
});
