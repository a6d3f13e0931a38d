import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { acquireLock } from '../../src/store/lockfile.js';

const dir = mkdtempSync(join(tmpdir(), 'credctl-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function deadPid(): number {
  // A pid that existed and has exited: a finished child.
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

it('breaks a lock whose owner process is dead', () => {
  const path = join(dir, 'dead.lock');
  writeFileSync(path, JSON.stringify({ pid: deadPid(), host: hostname(), time: Date.now(), token: 'old' }));
  const lock = acquireLock(path, { timeoutMs: 2_000 });
  lock.release();
  expect(existsSync(path)).toBe(false);
});

it('breaks a lock older than staleMs even if its owner looks alive', () => {
  const path = join(dir, 'old.lock');
  writeFileSync(path, JSON.stringify({ pid: process.pid, host: 'another-host', time: Date.now() - 120_000, token: 'old' }));
  acquireLock(path, { timeoutMs: 2_000, staleMs: 60_000 }).release();
});

it('waits for a live lock and then fails with exit 8 naming the holder', () => {
  const path = join(dir, 'live.lock');
  writeFileSync(path, JSON.stringify({ pid: process.pid, host: hostname(), time: Date.now(), token: 'live' }));
  const t0 = Date.now();
  expect(() => acquireLock(path, { timeoutMs: 300 })).toThrow(
    expect.objectContaining({ exitCode: 8, message: expect.stringContaining(`held by pid ${process.pid}`) }),
  );
  expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
  expect(existsSync(path)).toBe(true); // a live owner's lock is never removed
});
