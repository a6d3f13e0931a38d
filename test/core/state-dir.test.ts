import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureStateDir } from '../../src/core/paths.js';

describe('ensureStateDir', () => {
  it('keeps .credctl/ out of commits except the audit public key', () => {
    const root = mkdtempSync(join(tmpdir(), 'credctl-state-'));
    execFileSync('git', ['init', '-q'], { cwd: root });
    const dir = ensureStateDir(join(root, '.credctl'));
    writeFileSync(join(dir, 'graph.json'), '{}');
    writeFileSync(join(dir, 'audit.pub'), 'key');
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: root, encoding: 'utf8' });
    expect(status.split('\n').filter(Boolean).sort()).toEqual(['?? .credctl/.gitignore', '?? .credctl/audit.pub']);
  });
});
