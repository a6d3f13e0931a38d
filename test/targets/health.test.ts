import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/core/exit-codes.js';
import { redact } from '../../src/core/redact.js';
import { parseHealthChecks } from '../../src/config/health-checks.js';
import { runHealthCheck, runHealthChecks } from '../../src/apply/health.js';
import { everything, tempProject } from './helpers.js';

const NEW = 'sk_live_51FAKEnewnewnewnewnewnew0002';
const OLD = 'sk_live_51FAKEoldoldoldoldoldold0001';
const ENV = { STRIPE_SECRET_KEY: NEW, STRIPE_KEY_ALIAS: NEW };
const FAST = { backoffMs: 10 };
const node = JSON.stringify(process.execPath);

describe('command health checks', () => {
  let p: ReturnType<typeof tempProject>;
  afterEach(() => p?.cleanup());

  it('passes when the child sees the new value in its environment, at the project root', async () => {
    p = tempProject();
    p.file('expected.txt', NEW);
    p.file(
      'check.mjs',
      `import { readFileSync } from 'node:fs';\nconst want = readFileSync('expected.txt', 'utf8');\nprocess.exit(process.env.STRIPE_SECRET_KEY === want && process.env.STRIPE_KEY_ALIAS === want ? 0 : 4);\n`,
    );
    const r = await runHealthCheck({ command: `${node} check.mjs` }, ENV, [NEW, OLD], { cwd: p.root, policy: FAST });
    expect(r).toMatchObject({ passed: true, attempts: 1 });
    // The parent's own environment never holds it.
    expect(process.env.STRIPE_SECRET_KEY).toBeUndefined();
  });

  it('fails with the exit code after the bounded retries', async () => {
    p = tempProject();
    const r = await runHealthCheck({ command: `${node} -e "process.exit(3)"`, retries: 2 }, ENV, [NEW], { cwd: p.root, policy: FAST });
    expect(r).toMatchObject({ passed: false, attempts: 3, reason: 'exit code 3' });
  });

  it('retries until a flaky check passes', async () => {
    p = tempProject();
    p.file(
      'flaky.mjs',
      `import { existsSync, writeFileSync } from 'node:fs';\nif (!existsSync('seen')) { writeFileSync('seen', '1'); console.log('warming up'); process.exit(1); }\n`,
    );
    const r = await runHealthCheck({ command: `${node} flaky.mjs` }, ENV, [NEW], { cwd: p.root, policy: FAST });
    expect(r).toMatchObject({ passed: true, attempts: 2 });
  });

  it('masks the value (and its base64 and URL forms) in everything it returns', async () => {
    p = tempProject();
    const script = `const v = process.env.STRIPE_SECRET_KEY; console.log('using', v); console.error('b64', Buffer.from(v).toString('base64'), 'url', encodeURIComponent(v + '/x').slice(0, -3), 'old', '${OLD}'); process.exit(1);`;
    p.file('echo.cjs', script);
    const r = await runHealthCheck({ command: `${node} echo.cjs`, retries: 0 }, ENV, [NEW, OLD], { cwd: p.root, policy: FAST });
    expect(r.passed).toBe(false);
    expect(r.output).toContain(`using ${redact(NEW)}`);
    const all = everything(r);
    expect(all).not.toContain(NEW);
    expect(all).not.toContain(OLD);
    expect(all).not.toContain(Buffer.from(NEW).toString('base64'));
  });

  it('kills a command that runs past its timeout, with what it started', async () => {
    p = tempProject();
    const started = Date.now();
    const r = await runHealthCheck({ command: `sleep 20; echo late`, timeoutMs: 300, retries: 0 }, ENV, [NEW], { cwd: p.root, policy: FAST });
    expect(r.passed).toBe(false);
    expect(r.reason).toBe('timed out after 300 ms');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('HTTP health checks', () => {
  let server: Server;
  let base: string;
  let flaky = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const send = (status: number, body = '') => {
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(body);
      };
      switch (req.url) {
        case '/ok':
          return send(200, 'fine');
        case '/fail':
          return send(503, `down; you sent ${req.headers.authorization ?? 'nothing'}`);
        case '/flaky':
          return ++flaky <= 2 ? send(500) : send(204);
        case '/auth':
          return req.headers.authorization === `Bearer ${NEW}` ? send(200, `hello ${NEW}`) : send(401);
        case '/header':
          return req.headers['x-api-key'] === NEW ? send(200) : send(401);
        case '/hang':
          return; // never answers
        default:
          return send(404);
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('passes on the expected status and fails on another, masking what the server echoed', async () => {
    expect(await runHealthCheck({ http: { url: `${base}/ok`, expect: 200 } }, ENV, [NEW], { policy: FAST })).toMatchObject({
      passed: true,
      status: 200,
      attempts: 1,
    });
    const bad = await runHealthCheck({ http: { url: `${base}/fail`, expect: 200, bearer: true, retries: 1 } }, ENV, [NEW], { policy: FAST });
    expect(bad).toMatchObject({ passed: false, status: 503, attempts: 2, reason: 'HTTP 503 (expected 200)' });
    expect(bad.output).toContain(redact(NEW));
    expect(everything(bad)).not.toContain(NEW);
  });

  it('retries until the expected status arrives', async () => {
    const r = await runHealthCheck({ http: { url: `${base}/flaky`, expect: [200, 204], retries: 3 } }, ENV, [NEW], { policy: FAST });
    expect(r).toMatchObject({ passed: true, status: 204, attempts: 3 });
  });

  it('sends the value only when asked: bearer or one named header', async () => {
    expect((await runHealthCheck({ http: { url: `${base}/auth`, retries: 0 } }, ENV, [NEW], { policy: FAST })).status).toBe(401);
    const ok = await runHealthCheck({ http: { url: `${base}/auth`, bearer: true } }, ENV, [NEW], { policy: FAST });
    expect(ok.passed).toBe(true);
    expect(everything(ok)).not.toContain(NEW);
    expect((await runHealthCheck({ http: { url: `${base}/header`, valueHeader: 'X-Api-Key' } }, ENV, [NEW], { policy: FAST })).passed).toBe(true);
  });

  it('times out a server that never answers, and reports an unreachable one', async () => {
    const r = await runHealthCheck({ http: { url: `${base}/hang`, timeoutMs: 200, retries: 1 } }, ENV, [NEW], { policy: FAST });
    expect(r).toMatchObject({ passed: false, attempts: 2, reason: 'timed out after 200 ms' });
    const closed = createServer();
    await new Promise<void>((res) => closed.listen(0, '127.0.0.1', res));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((res) => closed.close(res));
    const gone = await runHealthCheck({ http: { url: `http://127.0.0.1:${port}/`, retries: 0 } }, ENV, [NEW], { policy: FAST });
    expect(gone).toMatchObject({ passed: false, reason: 'connection refused' });
  });

  it('runs every check and reports each', async () => {
    const rs = await runHealthChecks([{ http: { url: `${base}/ok` } }, { http: { url: `${base}/nope`, retries: 0 } }], ENV, [NEW], { policy: FAST });
    expect(rs.map((r) => r.passed)).toEqual([true, false]);
    expect(rs[1]!.check).toBe(`http GET ${base}/nope`);
  });
});

describe('parseHealthChecks', () => {
  it('accepts the documented forms', () => {
    expect(
      parseHealthChecks(
        [
          { command: 'npm run smoke', timeout: '30s', retries: 1 },
          { http: { url: 'https://api.example.test/health', expect: 200, bearer: true, timeout: '500ms' } },
        ],
        'credctl.yaml credentials.X',
      ),
    ).toEqual([
      { command: 'npm run smoke', timeoutMs: 30_000, retries: 1 },
      { http: { url: 'https://api.example.test/health', expect: 200, bearer: true, timeoutMs: 500 } },
    ]);
  });

  it('rejects bad checks as bad input, naming where', () => {
    const bad: unknown[] = [
      [{ command: 'x', http: { url: 'https://a.test' } }],
      [{ http: { url: 'ftp://a.test' } }],
      [{ http: { url: 'https://user:pw@a.test' } }],
      [{ http: { url: 'https://a.test', headers: { 'X-Key': '${VALUE}' } } }],
      [{ http: { url: 'https://a.test', expect: 'ok' } }],
      [{ command: 'x', timeout: 'soon' }],
      'npm test',
    ];
    for (const b of bad) {
      expect(() => parseHealthChecks(b, 'credctl.yaml credentials.X')).toThrow(
        expect.objectContaining({ exitCode: ExitCode.BadInput, message: expect.stringContaining('credctl.yaml credentials.X') }),
      );
    }
  });
});
