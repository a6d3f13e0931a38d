import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

// `credctl store status` only looks: in a fresh repository on a fresh machine it must not create
// a store key (~/.config/credctl/store.key), a store file, or any project state.
const dir = mkdtempSync(join(tmpdir(), 'credctl-status-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('store status creates no key, no store and no project state', async () => {
  const home = join(dir, 'home');
  const repo = join(dir, 'repo');
  mkdirSync(home);
  mkdirSync(repo);
  execFileSync('git', ['init', '-q'], { cwd: repo });
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(XDG_|CREDCTL_)/.test(k)));
  const r = await runCli(['store', 'status', '--json'], { cwd: repo, env: { ...env, HOME: home, CREDCTL_STORE: 'file', NO_COLOR: '1' } });
  expect(r.code, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout)).toMatchObject({ backend: 'file', secrets: 0, file: { exists: false } });
  expect(readdirSync(home, { recursive: true })).toEqual([]);
  expect(readdirSync(repo).filter((f) => f !== '.git')).toEqual([]);
});
