import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveInsideProject } from '../../src/core/inside-project.js';

// A path a repository names (an env_file, a target file) is written only if it really leads to a
// place under the project's real root: the returned path is where the write goes.

const base = realpathSync(mkdtempSync(join(tmpdir(), 'credctl-inside-')));
afterAll(() => rmSync(base, { recursive: true, force: true }));

let n = 0;
function project(): { root: string; outside: string } {
  const dir = join(base, String(n++));
  const root = join(dir, 'project');
  const outside = join(dir, 'outside');
  mkdirSync(root, { recursive: true });
  mkdirSync(outside);
  return { root, outside };
}

const refused = (pattern: RegExp) => expect.objectContaining({ exitCode: 6, message: expect.stringMatching(pattern) });

describe('paths that stay inside', () => {
  it('an existing file resolves to its real path', () => {
    const { root } = project();
    writeFileSync(join(root, '.env'), 'A=1\n');
    expect(resolveInsideProject(root, '.env')).toBe(join(root, '.env'));
  });

  it('a file that does not exist yet, in folders that do not exist yet, resolves under the root', () => {
    const { root } = project();
    expect(resolveInsideProject(root, 'deploy/env/prod.env')).toBe(join(root, 'deploy', 'env', 'prod.env'));
    expect(resolveInsideProject(root, './config/app.env')).toBe(join(root, 'config', 'app.env'));
  });

  it('a link to a folder inside the project is followed to the real place', () => {
    const { root } = project();
    mkdirSync(join(root, 'config'));
    symlinkSync(join(root, 'config'), join(root, 'cfg'));
    expect(resolveInsideProject(root, 'cfg/new.env')).toBe(join(root, 'config', 'new.env'));
  });

  it('the project root reached through a link is its real path', () => {
    const { root } = project();
    const alias = `${root}-alias`;
    symlinkSync(root, alias);
    expect(resolveInsideProject(alias, 'a.env')).toBe(join(root, 'a.env'));
  });

  it('a name that merely starts with two dots is a name, not the parent', () => {
    const { root } = project();
    expect(resolveInsideProject(root, '..env')).toBe(join(root, '..env'));
  });
});

describe('paths that lead out are refused (exit 6), and say why', () => {
  it('absolute paths and ".." segments, in either separator', () => {
    const { root } = project();
    for (const file of ['/etc/passwd', '../x.env', 'a/../../x.env', 'a\\..\\..\\x.env', 'a/..']) {
      expect(() => resolveInsideProject(root, file)).toThrow(refused(/writes only inside the project, by a relative path without "\.\."/));
    }
  });

  it('a folder link that leads out names where it leads', () => {
    const { root, outside } = project();
    symlinkSync(outside, join(root, 'secrets'));
    expect(() => resolveInsideProject(root, 'secrets/app.env')).toThrow(
      refused(/leads outside the project \(to .*outside.*app\.env\) through a symbolic link/),
    );
  });

  it('a file link that leads out', () => {
    const { root, outside } = project();
    writeFileSync(join(outside, 'x.env'), 'A=1\n');
    symlinkSync(join(outside, 'x.env'), join(root, 'app.env'));
    expect(() => resolveInsideProject(root, 'app.env')).toThrow(refused(/leads outside the project/));
  });

  it('a link to the folder that holds the project leads out', () => {
    const { root } = project();
    symlinkSync(join(root, '..'), join(root, 'up'));
    expect(() => resolveInsideProject(root, 'up')).toThrow(refused(/leads outside the project/));
  });

  it('a link to the project root itself is not a file inside it', () => {
    const { root } = project();
    symlinkSync(root, join(root, 'self'));
    expect(() => resolveInsideProject(root, 'self')).toThrow(refused(/leads outside the project/));
  });

  it('a link to a path that does not exist (which could be made to lead anywhere) is refused', () => {
    const { root, outside } = project();
    symlinkSync(join(outside, 'later'), join(root, 'dangling'));
    expect(() => resolveInsideProject(root, 'dangling/app.env')).toThrow(refused(/symbolic link to a path that does not exist/));
    expect(() => resolveInsideProject(root, 'dangling')).toThrow(
      expect.objectContaining({ hint: 'credctl writes only inside the project. Replace the link with the real file if it belongs here.' }),
    );
  });

  it('a refusal carries a hint on what to do', () => {
    const { root, outside } = project();
    symlinkSync(outside, join(root, 'secrets'));
    expect(() => resolveInsideProject(root, 'secrets/app.env')).toThrow(expect.objectContaining({ hint: expect.stringMatching(/Replace the link/) }));
  });

  it('a project root that cannot be read is a bad-input error (exit 3), not a crash', () => {
    expect(() => resolveInsideProject(join(base, 'no-such-project'), 'a.env')).toThrow(
      expect.objectContaining({ exitCode: 3, message: expect.stringMatching(/cannot read the project root/) }),
    );
  });
});
