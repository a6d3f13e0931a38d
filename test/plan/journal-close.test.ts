import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Journal } from '../../src/apply/journal.js';

// Closing a run's journal gives its file back: a process that runs many plans (an agent, a
// long-lived server using credctl as a library) must not keep one open file per run it ever
// journaled. Seen from /proc/self/fd, where Linux lists this process's open files.

const base = mkdtempSync(join(tmpdir(), 'credctl-journal-close-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** The files this process has open inside `dir`. */
function openIn(dir: string): string[] {
  const fds = '/proc/self/fd';
  const out: string[] = [];
  for (const fd of readdirSync(fds)) {
    try {
      const target = realpathSync(join(fds, fd));
      if (target.startsWith(dir)) out.push(target);
    } catch {
      // closed meanwhile (the directory listing's own descriptor)
    }
  }
  return out;
}

describe.runIf(process.platform === 'linux')('closing a journal', () => {
  it('releases its file, for a new run and for a resumed one', () => {
    const root = realpathSync(base);
    const dir = join(root, 'run1');
    const j = Journal.create(dir);
    j.append('run-start');
    expect(openIn(root)).toHaveLength(1);
    j.close();
    expect(openIn(root)).toEqual([]);

    const again = Journal.open(dir);
    again.append('run-end');
    again.close();
    expect(openIn(root)).toEqual([]);
    expect(
      readFileSync(join(dir, readdirSync(dir).find((f) => f.includes('journal'))!), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(2);
  });
});
