import { spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { parsePublicKey } from '../../src/audit/keys.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { ensureBuilt } from './build.js';
import { auditFixture } from './helpers.js';

const fx = auditFixture();
afterAll(() => rmSync(fx.dir, { recursive: true, force: true }));

const WRITERS = 8;
const EACH = 200;

it(`${WRITERS} processes appending ${EACH} entries each leave one valid chain of ${WRITERS * EACH}`, async () => {
  const root = ensureBuilt();
  const dist = (p: string) => pathToFileURL(join(root, 'dist', p)).href;
  const script = join(fx.dir, 'writer.mjs');
  // Each writer is a separate node process using the built library, as a second credctl would.
  writeFileSync(
    script,
    `import { openAuditLog } from ${JSON.stringify(dist('audit/log.js'))};
import { FileStore } from ${JSON.stringify(dist('store/file-store.js'))};
const [paths, id, n] = [JSON.parse(process.argv[2]), process.argv[3], Number(process.argv[4])];
const store = new FileStore({ path: paths.store });
const audit = await openAuditLog(paths, { store, actor: 'writer-' + id });
for (let i = 0; i < n; i++) await audit.append({ action: 'test.concurrent', subject: { name: 'W' + id }, outcome: 'ok', details: { i } });
await audit.checkpoint();
`,
  );
  const runs = Array.from(
    { length: WRITERS },
    (_, id) =>
      new Promise<number>((resolve) => {
        const child = spawn(process.execPath, [script, JSON.stringify(fx.paths), String(id), String(EACH)], {
          env: { ...process.env, ...fx.env },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let err = '';
        child.stderr.on('data', (d) => (err += d));
        child.on('exit', (code) => {
          if (code !== 0) process.stderr.write(err);
          resolve(code ?? -1);
        });
      }),
  );
  expect(await Promise.all(runs)).toEqual(Array(WRITERS).fill(0));

  const logText = readFileSync(fx.paths.audit, 'utf8');
  const result = verifyAudit({
    logText,
    checkpointsText: readFileSync(fx.paths.auditCheckpoints, 'utf8'),
    publicKey: parsePublicKey(readFileSync(fx.paths.auditPub, 'utf8')),
  });
  expect(result.problems).toEqual([]);
  expect(result.ok).toBe(true);
  expect(result.entries).toBe(WRITERS * EACH);
  expect(result.latestCheckpoint?.size).toBe(WRITERS * EACH);
  // Every writer's entries are all there, in its own order.
  const entries = logText
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  for (let id = 0; id < WRITERS; id++) {
    const mine = entries.filter((e) => e.actor === `writer-${id}`).map((e) => e.details.i);
    expect(mine).toEqual(Array.from({ length: EACH }, (_, i) => i));
  }
  // Exactly one signing key was made even though all writers started with none.
  expect(JSON.parse(readFileSync(fx.paths.store, 'utf8')).secrets['credctl/audit-signing-key'].versions).toHaveLength(1);
}, 180_000);
