import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { withStreams, type InStream } from '../../src/core/io.js';
import { decideTrust, ensureTrusted, readTrustRecord } from '../../src/trust/gate.js';
import type { TrustSurface } from '../../src/trust/surface.js';

// The question credctl asks on a terminal before trusting credctl.yaml: only when a person can
// answer it (a terminal, no --no-input, not CI), shown on stderr (stdout is for results), one
// line per item, and Enter alone means no. The prompt itself is @inquirer/prompts' confirm,
// replaced here by a stand-in that records how it was asked and answers as told.

const answer = vi.hoisted(() => ({ value: true, calls: [] as unknown[][] }));
vi.mock('@inquirer/prompts', () => ({
  confirm: async (...args: unknown[]) => {
    answer.calls.push(args);
    return answer.value;
  },
}));

const base = mkdtempSync(join(tmpdir(), 'credctl-gate-prompt-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
function place(): { env: NodeJS.ProcessEnv; root: string } {
  const dir = join(base, String(n++));
  return { env: { CREDCTL_CONFIG_DIR: join(dir, 'config') }, root: join(dir, 'project') };
}
const SURFACE: TrustSurface = {
  commands: [{ credential: 'DB_URL', command: 'psql -c "select 1"', env: ['DB_URL'] }],
  urls: [],
  secrets: [{ entry: 'openai-admin', provider: 'openai', issuer: null }],
  github: null,
  settings: [],
};

/** Runs `fn` as if on a terminal (or not), collecting what goes to stdout and stderr. */
async function onTerminal<T>(tty: boolean, fn: () => Promise<T>): Promise<{ result: T | unknown; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const stdin = Object.assign(new PassThrough(), { isTTY: tty }) as unknown as InStream;
  const result = await withStreams({ stdout: { write: (c) => (stdout += String(c)) }, stderr: { write: (c) => (stderr += String(c)) }, stdin }, () =>
    fn().catch((e: unknown) => e),
  );
  return { result, stdout, stderr };
}

beforeEach(() => {
  answer.value = true;
  answer.calls = [];
  vi.stubEnv('CI', undefined);
});
afterEach(() => vi.unstubAllEnvs());

describe('asking on a terminal', () => {
  it('on a terminal, a yes records trust; the surface is shown on stderr one item a line; Enter alone is no', async () => {
    const { env, root } = place();
    const { result, stdout, stderr } = await onTerminal(true, () =>
      ensureTrusted(root, decideTrust(root, SURFACE, env), { noInput: false, env, what: 'rotating credentials' }),
    );
    expect(result).toMatchObject({ trusted: true, reason: 'trusted just now' });
    expect(readTrustRecord(root, env)?.bindings).toEqual({ 'openai-admin': { provider: 'openai', issuer: null } });
    expect(answer.calls).toHaveLength(1);
    const [question, context] = answer.calls[0] as [{ default?: boolean }, { output?: unknown }];
    expect(question.default).toBe(false);
    expect(context.output).toBe(process.stderr);
    expect(stdout).toBe('');
    const lines = stderr.split('\n');
    expect(lines[0]).toBe(`credctl.yaml in ${root} asks credctl to:`);
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(1, -1).every((l) => l.trim().length > 0)).toBe(true);
  });

  it('a no on the terminal refuses (exit 6) and records nothing', async () => {
    const { env, root } = place();
    answer.value = false;
    const { result } = await onTerminal(true, () => ensureTrusted(root, decideTrust(root, SURFACE, env), { noInput: false, env, what: 'rotating' }));
    expect(result).toMatchObject({ exitCode: 6 });
    expect(readTrustRecord(root, env)).toBeUndefined();
  });

  it.each([
    ['--no-input on a terminal', true, true, {}, undefined],
    ['no terminal', false, false, {}, undefined],
    ['CI in the environment credctl was given', true, false, { CI: 'true' }, undefined],
    ['CI in the process environment', true, false, {}, 'true'],
  ])('%s: never asks, refuses with exit 6', async (_label, tty, noInput, extraEnv, processCI) => {
    if (processCI) vi.stubEnv('CI', processCI);
    const { env, root } = place();
    const { result, stderr } = await onTerminal(tty, () =>
      ensureTrusted(root, decideTrust(root, SURFACE, env), { noInput, env: { ...env, ...extraEnv }, what: 'rotating' }),
    );
    expect(result).toMatchObject({ exitCode: 6 });
    expect(answer.calls).toHaveLength(0);
    expect(stderr).toBe('');
    expect(readTrustRecord(root, env)).toBeUndefined();
  });
});
