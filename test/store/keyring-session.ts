import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A private, real Secret Service for tests: its own session D-Bus and an unlocked gnome-keyring,
 * with HOME and the XDG directories in a temp dir so nothing touches the machine's own keyring.
 * When gnome-keyring or dbus is not installed the keychain tests skip with this reason, unless
 * CREDCTL_REQUIRE_KEYCHAIN=1 (CI), where that is a failure.
 */
export interface KeyringSession {
  address: string;
  env: NodeJS.ProcessEnv;
  dir: string;
  stop(): void;
}

function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

export function keyringUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return 'the keychain contract runs against gnome-keyring on Linux only';
  const missing = ['dbus-daemon', 'gnome-keyring-daemon'].filter((c) => !which(c));
  if (missing.length) return `${missing.join(' and ')} not installed (apt-get install gnome-keyring dbus)`;
  return undefined;
}

export async function startKeyringSession(): Promise<KeyringSession> {
  const dir = mkdtempSync(join(tmpdir(), 'credctl-keyring-'));
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: join(dir, 'home'),
    XDG_DATA_HOME: join(dir, 'data'),
    XDG_CONFIG_HOME: join(dir, 'config'),
    XDG_CACHE_HOME: join(dir, 'cache'),
    XDG_RUNTIME_DIR: join(dir, 'run'),
  };
  for (const k of ['HOME', 'XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'XDG_RUNTIME_DIR']) mkdirSync(env[k]!, { recursive: true, mode: 0o700 });
  // The bus's own environment matters: D-Bus activation would start a second keyring with it.
  const bus = spawnSync('dbus-daemon', ['--session', '--fork', '--print-address=1', '--print-pid=1'], { env, encoding: 'utf8', timeout: 10_000 });
  const [address, pidText] = (bus.stdout ?? '').trim().split('\n');
  if (bus.status !== 0 || !address || !pidText) throw new Error(`dbus-daemon did not start: ${bus.stderr}`);
  const busPid = Number(pidText);
  env.DBUS_SESSION_BUS_ADDRESS = address;
  const keyring: ChildProcess = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], {
    env,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  keyring.stdin!.end('credctl-test-keyring-password');
  const stop = () => {
    try {
      keyring.kill('SIGTERM');
    } catch {
      /* gone */
    }
    try {
      process.kill(busPid, 'SIGTERM');
    } catch {
      /* gone */
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Wait until the Secret Service answers on the bus.
  const deadline = Date.now() + 15_000;
  for (;;) {
    // Ask the bus driver, not the service: a call to org.freedesktop.secrets before our daemon
    // registers would D-Bus-activate a second, locked gnome-keyring that then owns the name.
    const r = spawnSync(
      'dbus-send',
      [
        '--session',
        '--print-reply',
        '--dest=org.freedesktop.DBus',
        '/org/freedesktop/DBus',
        'org.freedesktop.DBus.NameHasOwner',
        'string:org.freedesktop.secrets',
      ],
      { env, encoding: 'utf8', timeout: 2_000 },
    );
    if (r.status === 0 && /boolean true/.test(r.stdout)) break;
    if (Date.now() > deadline || keyring.exitCode !== null) {
      stop();
      throw new Error('gnome-keyring-daemon did not register org.freedesktop.secrets on the test bus');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { address, env, dir, stop };
}

/** Ask the Secret Service directly (not through @napi-rs/keyring) whether an item exists. */
export function secretServiceHasItem(session: KeyringSession, service: string, account: string): boolean {
  const r = spawnSync(
    'dbus-send',
    [
      '--session',
      '--print-reply',
      '--dest=org.freedesktop.secrets',
      '/org/freedesktop/secrets',
      'org.freedesktop.Secret.Service.SearchItems',
      `dict:string:string:service,${service},username,${account}`,
    ],
    { env: session.env, encoding: 'utf8', timeout: 5_000 },
  );
  if (r.status !== 0) throw new Error(`SearchItems failed: ${r.stderr}`);
  return /object path "\/org\/freedesktop\/secrets\/collection\//.test(r.stdout);
}
