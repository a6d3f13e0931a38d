import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/**
 * A real, throwaway PostgreSQL cluster for `credctl demo` and the tests: initdb in a temp dir,
 * started on a free loopback port with password (SCRAM) authentication, stopped and removed
 * afterwards.
 * Uses the Debian package's binaries. PostgreSQL refuses to run as root, so as root the
 * cluster belongs to the `postgres` system user that the package creates.
 */
export interface LocalPostgres {
  host: string;
  port: number;
  superuser: string;
  superPassword: string;
  /** postgres://super:pw@127.0.0.1:port/postgres */
  url: string;
  stop(): void;
}

export function postgresBinDir(): string | null {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(base, versions[0]!, 'bin') : null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function startPostgres(): Promise<LocalPostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed (apt-get install postgresql)');
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'credctl-pg-'));
  const data = join(dir, 'data');
  const pwFile = join(dir, 'pw');
  const superPassword = randomBytes(18).toString('base64url');
  writeFileSync(pwFile, superPassword + '\n');
  if (asRoot) {
    chmodSync(dir, 0o755);
    chownSync(dir, uid('postgres'), gid('postgres'));
    chownSync(pwFile, uid('postgres'), gid('postgres'));
  }
  const run = (cmd: string, args: string[]) =>
    asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: 'pipe', cwd: dir })
      : execFileSync(cmd, args, { stdio: 'pipe', cwd: dir });
  run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--pwfile', pwFile, '--auth=scram-sha-256', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  run(join(bin, 'pg_ctl'), [
    '-D',
    data,
    '-l',
    join(dir, 'log'),
    '-w',
    '-t',
    '30',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
    'start',
  ]);
  const stop = () => {
    try {
      run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      /* already stopped */
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return {
    host: '127.0.0.1',
    port,
    superuser: 'postgres',
    superPassword,
    url: `postgres://postgres:${encodeURIComponent(superPassword)}@127.0.0.1:${port}/postgres`,
    stop,
  };
}

function uid(user: string): number {
  return Number(execFileSync('id', ['-u', user]).toString().trim());
}
function gid(user: string): number {
  return Number(execFileSync('id', ['-g', user]).toString().trim());
}
