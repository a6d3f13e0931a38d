import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileStore } from '../../src/store/file-store.js';

// A store written by this version must still open after any later change: test/store/fixtures/
// store-v1.enc.json was written once by credctl (format credctl-store-enc/v1, passphrase below,
// fake values) and is committed, so a change to how keys are derived or records are sealed
// fails here instead of locking users out of their stores. Also: what unlock promises, that a
// handle derives its key once, and the file's shape.

const FIXTURE = join(import.meta.dirname, 'fixtures', 'store-v1.enc.json');
const FIXTURE_ENV = { CREDCTL_PASSPHRASE: 'credctl store fixture passphrase FAKE', HOME: '/nonexistent-credctl-home' };

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'credctl-fs-compat-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function keyFileEnv(dir: string): NodeJS.ProcessEnv {
  const keyFile = join(dir, 'store.key');
  writeFileSync(keyFile, '0123456789abcdef'.repeat(4) + '\n', { mode: 0o600 });
  return { CREDCTL_KEY_FILE: keyFile, HOME: join(dir, 'home') };
}

describe('a store written by credctl-store-enc/v1', () => {
  it('opens with its passphrase: every version, labels, and an empty value', async () => {
    const store = new FileStore({ path: FIXTURE, env: FIXTURE_ENV });
    expect(() => store.unlock()).not.toThrow();
    expect(await store.get('FIXTURE_API_KEY')).toBe('FAKE-fixture-value-next-0123456789');
    expect(await store.get('FIXTURE_API_KEY', { label: 'current' })).toBe('FAKE-fixture-value-0123456789');
    expect(await store.get('FIXTURE_API_KEY', { version: 1 })).toBe('FAKE-fixture-value-0123456789');
    expect(await store.get('EMPTY_VALUE')).toBe('');
    expect((await store.list()).map((e) => e.name)).toEqual(['EMPTY_VALUE', 'FIXTURE_API_KEY']);
  });

  it('unlock refuses a wrong passphrase with one exit-8 error', () => {
    const store = new FileStore({ path: FIXTURE, env: { ...FIXTURE_ENV, CREDCTL_PASSPHRASE: 'not the fixture passphrase FAKE' } });
    expect(() => store.unlock()).toThrow(expect.objectContaining({ exitCode: 8, message: expect.stringMatching(/^wrong CREDCTL_PASSPHRASE/) }));
  });
});

describe('a handle', () => {
  it('derives its key once: the key file is read when the store is opened, not at every read', async () => {
    const d = tmp();
    const env = keyFileEnv(d);
    const path = join(d, 'store.enc.json');
    const store = new FileStore({ path, env });
    await store.put('K', 'FAKE-once-0123456789');
    renameSync(env.CREDCTL_KEY_FILE!, `${env.CREDCTL_KEY_FILE}.moved`);
    expect(await store.get('K')).toBe('FAKE-once-0123456789');
    await store.put('K', 'FAKE-twice-0123456789');
    expect(await store.get('K')).toBe('FAKE-twice-0123456789');
  });

  it('an empty value is stored and read back as empty', async () => {
    const d = tmp();
    const store = new FileStore({ path: join(d, 'store.enc.json'), env: keyFileEnv(d) });
    await store.put('EMPTY', '');
    expect(await store.get('EMPTY')).toBe('');
  });

  it('writes a text file: JSON ending in a newline', async () => {
    const d = tmp();
    const path = join(d, 'store.enc.json');
    await new FileStore({ path, env: keyFileEnv(d) }).put('K', 'FAKE-text-0123456789');
    expect(readFileSync(path, 'utf8').endsWith('}\n')).toBe(true);
  });
});
