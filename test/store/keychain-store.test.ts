import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeychainStore, probeKeychain } from '../../src/store/keychain-store.js';
import { storeContract } from './contract.js';
import { keyringUnavailableReason, secretServiceHasItem, startKeyringSession, type KeyringSession } from './keyring-session.js';

const unavailable = keyringUnavailableReason();
const required = process.env.CREDCTL_REQUIRE_KEYCHAIN === '1';
let session: KeyringSession | undefined;
const dirs: string[] = [];

beforeAll(async () => {
  if (unavailable) {
    if (required) throw new Error(`CREDCTL_REQUIRE_KEYCHAIN=1 but ${unavailable}`);
    return;
  }
  session = await startKeyringSession();
  // @napi-rs/keyring reads the bus address from the environment when it connects.
  process.env.DBUS_SESSION_BUS_ADDRESS = session.address;
});

afterAll(() => {
  session?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function freshIndex(): string {
  const d = mkdtempSync(join(tmpdir(), 'credctl-kc-'));
  dirs.push(d);
  return join(d, '.credctl', 'keychain-index.json');
}

storeContract(
  'OS keychain (real gnome-keyring over D-Bus)',
  () =>
    session
      ? {
          async fresh() {
            const indexPath = freshIndex();
            return { store: new KeychainStore({ indexPath }), reopen: () => new KeychainStore({ indexPath }) };
          },
        }
      : null,
  () => (unavailable ? `keychain tests skipped: ${unavailable}` : undefined),
);

describe('keychain backend specifics', () => {
  it('really stores items in the Secret Service, and the index holds no values', async (ctx) => {
    if (!session) return ctx.skip(`keychain tests skipped: ${unavailable}`);
    expect((await probeKeychain()).ok).toBe(true);
    const indexPath = freshIndex();
    const store = new KeychainStore({ indexPath });
    const value = 'ghp_FAKEkeychaincanary00000000000000000001';
    await store.put('GITHUB_TOKEN', value, ['current']);
    const index = JSON.parse(readFileSync(indexPath, 'utf8')) as { projectId: string };
    const service = `credctl:${index.projectId}`;
    expect(secretServiceHasItem(session, service, 'GITHUB_TOKEN#1')).toBe(true);
    expect(readFileSync(indexPath, 'utf8')).not.toContain('FAKEkeychaincanary');
    // A fresh native Entry (no credctl code) reads the same value back.
    const { Entry } = await import('@napi-rs/keyring');
    expect(new Entry(service, 'GITHUB_TOKEN#1').getPassword()).toBe(value);
    await store.delete('GITHUB_TOKEN');
    expect(secretServiceHasItem(session, service, 'GITHUB_TOKEN#1')).toBe(false);
  });

  it("two projects do not see each other's secrets", async (ctx) => {
    if (!session) return ctx.skip(`keychain tests skipped: ${unavailable}`);
    const a = new KeychainStore({ indexPath: freshIndex() });
    const b = new KeychainStore({ indexPath: freshIndex() });
    await a.put('SAME_NAME', 'FAKE-project-a');
    await b.put('SAME_NAME', 'FAKE-project-b');
    expect(await a.get('SAME_NAME')).toBe('FAKE-project-a');
    expect(await b.get('SAME_NAME')).toBe('FAKE-project-b');
  });

  it('a value the index lists but the keychain lost is a store error (exit 8), not "absent"', async (ctx) => {
    if (!session) return ctx.skip(`keychain tests skipped: ${unavailable}`);
    const indexPath = freshIndex();
    const store = new KeychainStore({ indexPath });
    await store.put('LOST', 'FAKE-will-vanish');
    const { projectId } = JSON.parse(readFileSync(indexPath, 'utf8')) as { projectId: string };
    const { Entry } = await import('@napi-rs/keyring');
    new Entry(`credctl:${projectId}`, 'LOST#1').deletePassword();
    await expect(store.get('LOST')).rejects.toMatchObject({ exitCode: 8 });
  });
});

describe('backend choice through the CLI', () => {
  const run = async (cwd: string, args: string[], env: NodeJS.ProcessEnv, input = '') => {
    const { spawnSync } = await import('node:child_process');
    const { ensureBuilt } = await import('../audit/build.js');
    const root = ensureBuilt();
    const r = spawnSync(process.execPath, [join(root, 'bin', 'credctl'), ...args], {
      cwd,
      env: { PATH: process.env.PATH, NO_COLOR: '1', ...env },
      input,
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('picks the keychain when one answers, says so once, and keeps using it', async (ctx) => {
    if (!session) return ctx.skip(`keychain tests skipped: ${unavailable}`);
    const cwd = mkdtempSync(join(tmpdir(), 'credctl-kc-cli-'));
    dirs.push(cwd);
    const env = { HOME: join(cwd, 'home'), DBUS_SESSION_BUS_ADDRESS: session.address };
    const put = await run(cwd, ['store', 'put', 'API_TOKEN'], env, 'ghp_FAKEclikeychain000000000000000000001');
    expect(put.code, put.stderr).toBe(0);
    expect(put.stderr).toContain('OS keychain');
    const status = await run(cwd, ['store', 'status', '--json'], env);
    expect(JSON.parse(status.stdout)).toMatchObject({ backend: 'keychain', secrets: 1 });
    const get = await run(cwd, ['store', 'get', 'API_TOKEN'], env);
    expect(get).toMatchObject({ code: 0, stdout: 'ghp_FAKEclikeychain000000000000000000001\n' });
    expect(get.stderr).not.toContain('OS keychain'); // said once, at the choice
    expect((await run(cwd, ['audit', 'verify'], env)).code).toBe(0);
  });

  it('without any keychain it falls back to the file, and a forced keychain is exit 8 with a hint', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'credctl-kc-none-'));
    dirs.push(cwd);
    const env = { HOME: join(cwd, 'home') }; // no DBUS_SESSION_BUS_ADDRESS
    const status = await run(cwd, ['store', 'status', '--json'], env);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ backend: 'file', keychain: { available: false } });
    const forced = await run(cwd, ['store', 'list'], { ...env, CREDCTL_STORE: 'keychain' });
    expect(forced.code).toBe(8);
    expect(forced.stderr).toMatch(/^credctl: CREDCTL_STORE=keychain, but no OS keychain answers/);
    expect(forced.stderr).toContain('CREDCTL_STORE=file');
  });
});
