import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/** End to end: a served issuer (bin/credctl, needs `npm run build`, which `npm test` runs first) and the CLI against it. */
const BIN = resolve(__dirname, '../../bin/credctl');
const built = existsSync(resolve(__dirname, '../../dist/cli/commands/issuer.js'));

let work: string;
let serve: ChildProcess;
let ready: { url: string; admin_token_file: string; data_dir: string; pid: number };
let serveStderr = '';

/** The commands under test run in-process (test/helpers/cli.ts); `issuer serve` below is a real process. */
async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const r = await runCli(args, { cwd: work, env: { ...process.env, CREDCTL_STATE_DIR: join(work, '.credctl'), NO_COLOR: '1' } });
  return { code: r.code ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!built)('credctl issuer / discover / providers (CLI)', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'credctl-cli-'));
    serve = spawn(process.execPath, [BIN, 'issuer', 'serve', '--port', '0', '--data', join(work, 'issuer')], { stdio: ['ignore', 'pipe', 'pipe'] });
    serve.stderr!.on('data', (d: Buffer) => {
      serveStderr += d.toString();
    });
    const line = await new Promise<string>((res) => createInterface({ input: serve.stdout! }).once('line', res));
    ready = JSON.parse(line);
  });
  afterAll(() => {
    if (serve.exitCode === null) serve.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  });

  it('serve prints one JSON line with url, admin_token_file, data dir and pid', () => {
    expect(ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(ready.admin_token_file).toBe(join(work, 'issuer', 'admin-token'));
    expect(ready.pid).toBe(serve.pid);
    expect(JSON.stringify(ready)).not.toContain(readFileSync(ready.admin_token_file, 'utf8').trim());
  });

  it('discover prints the capability table, and --json the manifest', async () => {
    const table = await run(['discover', ready.url]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/rotate\s+api/);
    expect(table.stdout).toMatch(/events:write\s+write/);
    const json = await run(['discover', ready.url, '--json']);
    expect(JSON.parse(json.stdout).manifest.issuer).toBe(ready.url);
  });

  it('mint prints a value that works; conformance passes; the value is never echoed elsewhere', async () => {
    const minted = await run([
      'issuer',
      'mint',
      '--url',
      ready.url,
      '--scope',
      'events:read,events:write',
      '--ttl',
      '1h',
      '--env',
      'test',
      '--admin-token-file',
      ready.admin_token_file,
    ]);
    expect(minted.code).toBe(0);
    const value = minted.stdout.trim();
    expect(value).toMatch(/^ccx_test_[0-9A-Za-z]{32}$/);
    const { request } = await import('undici');
    const me = await request(`${ready.url}/v1/whoami`, { headers: { authorization: `Bearer ${value}` } });
    expect(me.statusCode).toBe(200);
    expect(((await me.body.json()) as { scopes: string[] }).scopes).toEqual(['events:read', 'events:write']);
    const conf = await run(['issuer', 'conformance', ready.url, '--admin-token-file', ready.admin_token_file]);
    expect(conf.code).toBe(0);
    expect(conf.stdout).toMatch(/0 failed/);
    expect(conf.stdout + conf.stderr + serveStderr).not.toContain(value);
  });

  it('providers list shows every built-in entry with create/rotate/revoke support', async () => {
    const list = await run(['providers', 'list']);
    expect(list.code).toBe(0);
    for (const id of [
      'github',
      'aws',
      'stripe',
      'openai',
      'anthropic',
      'slack',
      'twilio',
      'sendgrid',
      'cloudflare',
      'vercel',
      'netlify',
      'datadog',
      'npm',
      'postgres',
      'posthog',
      'example',
    ]) {
      expect(list.stdout).toMatch(new RegExp(`^${id}\\s`, 'm'));
    }
    // VERIFY ANALYZE ROTATE REVOKE INTEGRATION MANIFEST, from what is wired.
    expect(list.stdout).toMatch(/^postgres\s+PostgreSQL\s+api\s+none\s+api\s+api\s+postgres\s+built-in/m);
    expect(list.stdout).toMatch(/^example\s.*\sapi\s+api\s+api\s+api\s+standard\s+published/m);
    const json = JSON.parse((await run(['providers', 'list', '--json'])).stdout) as { providers: { id: string; capabilities: Record<string, string> }[] };
    const postgres = json.providers.find((p) => p.id === 'postgres')!;
    expect(postgres.capabilities).toEqual({ verify: 'api', analyze: 'none', revoke: 'api', rotate: 'api' });
    const detectionOnly = json.providers.find((p) => p.id === 'ably')!;
    expect(detectionOnly.capabilities).toEqual({ verify: 'none', analyze: 'none', revoke: 'none', rotate: 'none' });
    const show = await run(['providers', 'show', 'github']);
    expect(show.stdout).toContain('https://github.com/settings/personal-access-tokens/new');
    const unknown = await run(['providers', 'show', 'nope']);
    expect(unknown.code).toBe(2);
  });

  it('a bad manifest is one line on stderr with exit 3; an unreachable issuer exit 5; plain http exit 6', async () => {
    const bad = createServer((_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"issuer": ');
    });
    await new Promise<void>((r) => bad.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(bad.address() as AddressInfo).port}`;
    const r = await run(['discover', url]);
    bad.close();
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^credctl: GET .* the manifest is not valid JSON/);
    expect(r.stdout).toBe('');
    expect((await run(['discover', url])).code).toBe(5);
    expect((await run(['discover', 'http://example.com'])).code).toBe(6);
  });

  it('stops on SIGTERM', async () => {
    const exited = new Promise<number | null>((r) => serve.once('exit', (code) => r(code)));
    serve.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
