import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { fingerprint } from '../../src/core/fingerprint.js';
import { FileStore } from '../../src/store/file-store.js';
import { storeContract } from './contract.js';

const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'credctl-fs-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function keyFileEnv(dir: string): NodeJS.ProcessEnv {
  const keyFile = join(dir, 'store.key');
  writeFileSync(keyFile, 'ab'.repeat(32) + '\n', { mode: 0o600 });
  return { CREDCTL_KEY_FILE: keyFile, HOME: join(dir, 'home') };
}

storeContract('encrypted file (key file)', () => ({
  async fresh() {
    const d = tmp();
    const env = keyFileEnv(d);
    const path = join(d, '.credctl', 'store.enc.json');
    return { store: new FileStore({ path, env }), reopen: () => new FileStore({ path, env }) };
  },
}));

describe('encrypted file backend', () => {
  it('writes mode 0600, and the file never contains a value', async () => {
    const d = tmp();
    const path = join(d, '.credctl', 'store.enc.json');
    const store = new FileStore({ path, env: keyFileEnv(d) });
    await store.put('K', 'sk_live_51FAKEfilecanary000000000000', ['current']);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain('FAKEfilecanary');
    expect(JSON.parse(text).format).toBe('credctl-store-enc/v1');
  });

  it('a passphrase store opens with the passphrase; a wrong one is one exit-8 error and the file is untouched', async () => {
    const d = tmp();
    const path = join(d, 'store.enc.json');
    const good = new FileStore({ path, env: { CREDCTL_PASSPHRASE: 'correct horse FAKE', HOME: d } });
    await good.put('DB_PASSWORD', 'FAKE-db-password-1');
    const before = readFileSync(path);
    const kdf = JSON.parse(before.toString()).kdf;
    expect(kdf).toMatchObject({ type: 'scrypt', N: 131072, r: 8, p: 1 });
    const wrong = new FileStore({ path, env: { CREDCTL_PASSPHRASE: 'wrong horse FAKE', HOME: d } });
    const err = await wrong.put('DB_PASSWORD', 'FAKE-other').catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode: 8 });
    expect((err as Error).message).toMatch(/^wrong CREDCTL_PASSPHRASE/);
    expect((err as Error).message).not.toContain('horse');
    await expect(wrong.get('DB_PASSWORD')).rejects.toMatchObject({ exitCode: 8 });
    expect(readFileSync(path).equals(before)).toBe(true);
    const none = new FileStore({ path, env: { HOME: d } });
    await expect(none.list()).rejects.toThrow(/encrypted with a passphrase/);
    expect(await new FileStore({ path, env: { CREDCTL_PASSPHRASE: 'correct horse FAKE', HOME: d } }).get('DB_PASSWORD')).toBe('FAKE-db-password-1');
  });

  it('with no key configured it generates one outside the repo (0600) once, and says so once', async () => {
    const d = tmp();
    const env = { HOME: join(d, 'home'), XDG_CONFIG_HOME: join(d, 'xdg') };
    const notes: string[] = [];
    const path = join(d, 'repo', '.credctl', 'store.enc.json');
    await new FileStore({ path, env, note: (m) => notes.push(m) }).put('X', 'FAKE-generated-key-value');
    await new FileStore({ path, env, note: (m) => notes.push(m) }).put('X', 'FAKE-generated-key-value-2');
    const keyPath = join(d, 'xdg', 'credctl', 'store.key');
    expect(existsSync(keyPath)).toBe(true);
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain(keyPath);
    expect(await new FileStore({ path, env }).get('X', { version: 1 })).toBe('FAKE-generated-key-value');
  });

  it('reading an empty store creates no key: only the first write does', async () => {
    const d = tmp();
    const env = { HOME: join(d, 'home'), XDG_CONFIG_HOME: join(d, 'xdg') };
    const path = join(d, 'repo', '.credctl', 'store.enc.json');
    const store = new FileStore({ path, env });
    store.unlock();
    expect(await store.list()).toEqual([]);
    expect(await store.get('X')).toBeNull();
    expect(await store.versions('X')).toEqual([]);
    expect(await store.delete('X')).toBe(false);
    expect(existsSync(join(d, 'xdg'))).toBe(false);
    expect(existsSync(join(d, 'repo'))).toBe(false);
    await store.put('X', 'FAKE-first-write');
    expect(existsSync(join(d, 'xdg', 'credctl', 'store.key'))).toBe(true);
  });

  it('records swapped between names are caught, never decrypted as the other name', async () => {
    const d = tmp();
    const env = keyFileEnv(d);
    const path = join(d, 'store.enc.json');
    const s = new FileStore({ path, env });
    await s.put('A', 'FAKE-value-of-A');
    await s.put('B', 'FAKE-value-of-B');
    // Swap the sealed records and re-MAC the file as credctl would, to isolate the AAD check.
    const file = JSON.parse(readFileSync(path, 'utf8'));
    const a = file.secrets.A.versions[0];
    const b = file.secrets.B.versions[0];
    [a.nonce, b.nonce, a.ciphertext, b.ciphertext] = [b.nonce, a.nonce, b.ciphertext, a.ciphertext];
    writeFileSync(path, JSON.stringify(file));
    // Caught by the file MAC (and, beneath it, by each record's name+version AAD).
    await expect(new FileStore({ path, env }).get('A')).rejects.toMatchObject({ exitCode: 4 });
  });

  it('a label moved by editing the file is caught (file MAC)', async () => {
    const d = tmp();
    const env = keyFileEnv(d);
    const path = join(d, 'store.enc.json');
    const s = new FileStore({ path, env });
    await s.put('K', 'FAKE-one', ['current']);
    await s.put('K', 'FAKE-two', ['pending']);
    const file = JSON.parse(readFileSync(path, 'utf8'));
    file.secrets.K.labels = { current: 2 };
    writeFileSync(path, JSON.stringify(file));
    await expect(new FileStore({ path, env }).get('K', { label: 'current' })).rejects.toThrow(/modified outside credctl/);
  });

  it('a wrong key file is refused without touching the store', async () => {
    const d = tmp();
    const path = join(d, 'store.enc.json');
    await new FileStore({ path, env: keyFileEnv(d) }).put('K', 'FAKE-k');
    const other = join(d, 'other.key');
    writeFileSync(other, 'cd'.repeat(32));
    await expect(new FileStore({ path, env: { CREDCTL_KEY_FILE: other } }).list()).rejects.toThrow(/wrong key file/);
    writeFileSync(other, 'too short');
    await expect(new FileStore({ path, env: { CREDCTL_KEY_FILE: other } }).list()).rejects.toThrow(/does not hold a 32-byte key/);
  });
});

describe('encrypted file backend: what a damaged or swapped file does', () => {
  const sealedFile = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
  /** Write the file back with a fresh MAC, as credctl would: isolates the per-record checks beneath the MAC. */
  const rewriteWithMac = (store: FileStore, file: unknown) => (store as unknown as { write(f: unknown): void }).write(file);

  it('says where it is (relative inside the working directory) and, once opened, where its key came from', async () => {
    expect(new FileStore({ path: join(process.cwd(), '.credctl', 'store.enc.json') }).describe()).toBe(`encrypted file ${join('.credctl', 'store.enc.json')}`);
    const d = tmp();
    const path = join(d, 'store.enc.json');
    const env = keyFileEnv(d);
    const store = new FileStore({ path, env });
    expect(store.describe()).toBe(`encrypted file ${path}`);
    // Opening an empty store settles no key (reading commands never create one); the first write does.
    store.unlock();
    expect(store.describe()).toBe(`encrypted file ${path}`);
    await store.put('FIRST', 'FAKE-first-value');
    expect(store.describe()).toBe(`encrypted file ${path}; key from CREDCTL_KEY_FILE (${env.CREDCTL_KEY_FILE})`);
  });

  it('a file that is not a store is a one-line exit-8 error, never a crash', async () => {
    const d = tmp();
    const env = keyFileEnv(d);
    const path = join(d, 'store.enc.json');
    await new FileStore({ path, env }).put('K', 'FAKE-value-k');
    const good = sealedFile(path);
    const damaged: Array<[string, string]> = [
      ['{"format": "credctl-store-enc/v1", ', 'is not valid JSON'],
      ['null', 'is not a credctl store file'],
      [JSON.stringify({ ...good, format: 'credctl-store-enc/v2' }), 'is not a credctl store file'],
      [JSON.stringify({ ...good, kdf: undefined }), 'is not a credctl store file'],
      [JSON.stringify({ ...good, keyCheck: 7 }), 'is not a credctl store file'],
      [JSON.stringify({ ...good, secrets: 'none' }), 'is not a credctl store file'],
    ];
    for (const [text, why] of damaged) {
      writeFileSync(path, text);
      const err = await new FileStore({ path, env }).list().catch((e: unknown) => e);
      expect(err, text).toMatchObject({ exitCode: 8 });
      expect((err as Error).message, text).toContain(why);
    }
    // Not readable at all (a directory where the file should be).
    const dirPath = join(d, 'a-directory');
    mkdirSync(dirPath);
    await expect(new FileStore({ path: dirPath, env }).list()).rejects.toMatchObject({ exitCode: 8 });
  });

  it('a MAC or key check of the wrong length is a modified file or a wrong key, not a crash', async () => {
    const d = tmp();
    const env = keyFileEnv(d);
    const path = join(d, 'store.enc.json');
    await new FileStore({ path, env }).put('K', 'FAKE-value-k');
    const good = sealedFile(path);
    writeFileSync(path, JSON.stringify({ ...good, mac: good.mac.slice(0, 20) }));
    await expect(new FileStore({ path, env }).list()).rejects.toMatchObject({ exitCode: 4 });
    writeFileSync(path, JSON.stringify({ ...good, keyCheck: good.keyCheck.slice(0, 20) }));
    await expect(new FileStore({ path, env }).list()).rejects.toMatchObject({ exitCode: 8 });
  });

  it('beneath the MAC, each record opens only under its own name and version, and a cut record is caught', async () => {
    const d = tmp();
    const env = keyFileEnv(d);
    const path = join(d, 'store.enc.json');
    const s = new FileStore({ path, env });
    await s.put('A', 'FAKE-value-of-A');
    await s.put('B', 'FAKE-value-of-B');
    await s.put('B', 'FAKE-value-of-B2');
    const pristine = sealedFile(path);

    const swapped = structuredClone(pristine);
    [swapped.secrets.A.versions[0], swapped.secrets.B.versions[0]] = [
      { ...swapped.secrets.A.versions[0], nonce: swapped.secrets.B.versions[0].nonce, ciphertext: swapped.secrets.B.versions[0].ciphertext },
      { ...swapped.secrets.B.versions[0], nonce: swapped.secrets.A.versions[0].nonce, ciphertext: swapped.secrets.A.versions[0].ciphertext },
    ];
    rewriteWithMac(s, swapped);
    await expect(new FileStore({ path, env }).get('A')).rejects.toMatchObject({ exitCode: 4 });

    const versionsMoved = structuredClone(pristine);
    const [v1, v2] = versionsMoved.secrets.B.versions;
    [v1.nonce, v1.ciphertext, v2.nonce, v2.ciphertext] = [v2.nonce, v2.ciphertext, v1.nonce, v1.ciphertext];
    rewriteWithMac(s, versionsMoved);
    await expect(new FileStore({ path, env }).get('B', { version: 1 })).rejects.toMatchObject({ exitCode: 4 });

    const cut = structuredClone(pristine);
    cut.secrets.A.versions[0].ciphertext = Buffer.alloc(15).toString('base64');
    rewriteWithMac(s, cut);
    const err = await new FileStore({ path, env }).get('A').catch((e: unknown) => e);
    expect(err).toMatchObject({ exitCode: 4 });
    expect((err as Error).message).toContain('truncated');

    rewriteWithMac(s, pristine);
    expect(await new FileStore({ path, env }).get('B', { version: 1 })).toBe('FAKE-value-of-B');
  });

  it('one handle follows the file when another process replaced it with a store of another kind of key', async () => {
    const d = tmp();
    const path = join(d, 'store.enc.json');
    const both = { ...keyFileEnv(d), CREDCTL_PASSPHRASE: 'correct horse FAKE' };
    const handle = new FileStore({ path, env: both });
    await handle.put('K', 'FAKE-keyfile-store');
    rmSync(path);
    await new FileStore({ path, env: { CREDCTL_PASSPHRASE: 'correct horse FAKE', HOME: d } }).put('K', 'FAKE-passphrase-store');
    expect(await handle.get('K')).toBe('FAKE-passphrase-store');
  });

  it('after a wrong key, a corrected key file is used by the same handle', async () => {
    const d = tmp();
    const env = keyFileEnv(d);
    const path = join(d, 'store.enc.json');
    await new FileStore({ path, env }).put('K', 'FAKE-k');
    const right = readFileSync(env.CREDCTL_KEY_FILE!);
    writeFileSync(env.CREDCTL_KEY_FILE!, 'cd'.repeat(32));
    const handle = new FileStore({ path, env });
    await expect(handle.get('K')).rejects.toMatchObject({ exitCode: 8 });
    writeFileSync(env.CREDCTL_KEY_FILE!, right);
    expect(await handle.get('K')).toBe('FAKE-k');
  });

  it('a store that cannot be created where it should be is an exit-8 error', async () => {
    const d = tmp();
    const notADir = join(d, 'file');
    writeFileSync(notADir, 'x');
    await expect(new FileStore({ path: join(notADir, 'store.enc.json'), env: keyFileEnv(d) }).put('K', 'FAKE-k')).rejects.toMatchObject({ exitCode: 8 });
  });

  it('deleting from a store that does not exist creates nothing', async () => {
    const d = tmp();
    const path = join(d, '.credctl', 'store.enc.json');
    expect(await new FileStore({ path, env: keyFileEnv(d) }).delete('K')).toBe(false);
    expect(existsSync(path)).toBe(false);
    expect(existsSync(join(d, '.credctl'))).toBe(false);
  });

  it('moving a label on a name that does not exist is bad input (exit 3); moving one records when', async () => {
    const d = tmp();
    const path = join(d, 'store.enc.json');
    const s = new FileStore({ path, env: keyFileEnv(d) });
    await expect(s.setLabel('NOPE', 1, 'current')).rejects.toMatchObject({ exitCode: 3 });
    await s.put('K', 'FAKE-one', ['current']);
    await s.put('K', 'FAKE-two', ['pending']);
    const before = (await s.list())[0]!.updatedAt;
    await new Promise((r) => setTimeout(r, 5));
    await s.setLabel('K', 2, 'current');
    const after = (await s.list())[0]!;
    expect(after.labels).toEqual({ current: 2, previous: 1 });
    expect(Date.parse(after.updatedAt)).toBeGreaterThan(Date.parse(before));
  });

  it('put returns the version as stored: number, labels and fingerprint', async () => {
    const d = tmp();
    const s = new FileStore({ path: join(d, 'store.enc.json'), env: keyFileEnv(d) });
    await s.put('K', 'FAKE-first', ['current']);
    const info = await s.put('K', 'FAKE-second', ['pending']);
    expect(info).toMatchObject({ version: 2, labels: ['pending'], fingerprint: fingerprint('FAKE-second') });
  });

  it('every value read from the store, not only those written, is known to the audit log for masking', async () => {
    const d = tmp();
    const env = keyFileEnv(d);
    const path = join(d, 'store.enc.json');
    const value = 'FAKE-read-only-value-0123456789';
    await new FileStore({ path, env }).put('K', value);
    // A fresh copy of the modules: as in a later process, which has only read the value.
    vi.resetModules();
    const fresh = await import('../../src/store/file-store.js');
    const known = await import('../../src/store/known-values.js');
    expect(known.knownSecretValues().has(value)).toBe(false);
    expect(await new fresh.FileStore({ path, env }).get('K')).toBe(value);
    expect(known.knownSecretValues().has(value)).toBe(true);
  });
});
