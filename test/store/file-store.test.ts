import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
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
