import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../src/audit/keys.js';
import { openAuditLog, withAudit } from '../../src/audit/log.js';
import { fileAuditStore } from '../../src/state/files.js';
import type { AuditLogStore } from '../../src/state/types.js';
import { auditFixture, type AuditFixture } from './helpers.js';

// The audit log fails closed: when it cannot read what it extends or write what it records, the
// action does not happen, and the person is told which file and what to do. It never silently
// signs with another key than the one the project published.

const fixtures: AuditFixture[] = [];
const fixture = () => {
  const f = auditFixture();
  fixtures.push(f);
  return f;
};
afterAll(() => {
  for (const f of fixtures) rmSync(f.dir, { recursive: true, force: true });
});

const eacces = () => Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
/** The project's file storage with one operation failing as a full or read-only disk would. */
function failing(f: AuditFixture, op: keyof AuditLogStore): AuditLogStore {
  const real = fileAuditStore(f.paths);
  return {
    ...real,
    lock: () => real.lock(),
    readLog: () => real.readLog(),
    lastLine: () => real.lastLine(),
    appendLog: (t) => real.appendLog(t),
    readCheckpoints: () => real.readCheckpoints(),
    appendCheckpoint: (n) => real.appendCheckpoint(n),
    [op]: () => {
      throw eacces();
    },
  };
}
const NOTHING_DONE = 'Nothing was done: credctl does not act without recording it.';
const SEE_WHERE = 'Run `credctl audit verify` to see where; nothing was appended.';

describe('storage that fails', () => {
  it('an unreadable tail, an unwritable log: exit 4, naming the file and why', async () => {
    const f = fixture();
    for (const [op, what] of [
      ['lastLine', `audit log ${f.paths.audit}`],
      ['appendLog', `audit log ${f.paths.audit}`],
    ] as const) {
      const audit = await openAuditLog(f.paths, { store: f.store, storage: failing(f, op) });
      await expect(audit.append({ action: 'test.one', outcome: 'ok' })).rejects.toMatchObject({
        exitCode: 4,
        message: `cannot write the ${what}: permission denied`,
        hint: NOTHING_DONE,
      });
      expect(audit.appended).toBe(0);
    }
  });

  it('checkpoints that cannot be read or written: exit 4, naming the file', async () => {
    const f = fixture();
    await (await openAuditLog(f.paths, { store: f.store })).append({ action: 'test.one', outcome: 'ok' });
    for (const [op, what] of [
      ['readLog', `audit log ${f.paths.audit}`],
      ['readCheckpoints', `checkpoint file ${f.paths.auditCheckpoints}`],
      ['appendCheckpoint', `checkpoint file ${f.paths.auditCheckpoints}`],
    ] as const) {
      const audit = await openAuditLog(f.paths, { store: f.store, storage: failing(f, op) });
      await expect(audit.checkpoint()).rejects.toMatchObject({ exitCode: 4, message: `cannot write the ${what}: permission denied`, hint: NOTHING_DONE });
    }
  });

  it('a lock that cannot be taken is the audit log failing (exit 4), with the reason', async () => {
    const f = fixture();
    const storage = { ...fileAuditStore(f.paths), lock: () => Promise.reject(eacces()) };
    await expect((await openAuditLog(f.paths, { store: f.store, storage })).append({ action: 'test.one', outcome: 'ok' })).rejects.toMatchObject({
      exitCode: 4,
      message: 'cannot write the audit log directory: permission denied',
      hint: NOTHING_DONE,
    });
    const { refusedError } = await import('../../src/core/errors.js');
    const refused = { ...fileAuditStore(f.paths), lock: () => Promise.reject(refusedError('.credctl is a symbolic link')) };
    await expect((await openAuditLog(f.paths, { store: f.store, storage: refused })).append({ action: 'test.one', outcome: 'ok' })).rejects.toMatchObject({
      exitCode: 4,
      message: 'cannot write the audit log: .credctl is a symbolic link',
      hint: NOTHING_DONE,
    });
    const hinted = { ...fileAuditStore(f.paths), lock: () => Promise.reject(refusedError('no', 'remove the link')) };
    await expect((await openAuditLog(f.paths, { store: f.store, storage: hinted })).append({ action: 'test.one', outcome: 'ok' })).rejects.toMatchObject({
      hint: 'remove the link',
    });
  });
});

describe('a log it cannot extend', () => {
  it('a partial last entry, or an unreadable one, is refused with what to run', async () => {
    const f = fixture();
    const audit = await openAuditLog(f.paths, { store: f.store });
    await audit.append({ action: 'test.one', outcome: 'ok' });
    const good = readFileSync(f.paths.audit, 'utf8');
    writeFileSync(f.paths.audit, `${good}{"seq":2`);
    await expect(audit.append({ action: 'test.two', outcome: 'ok' })).rejects.toMatchObject({
      exitCode: 4,
      message: `the audit log ${f.paths.audit} ends with a partial entry (an interrupted write?)`,
      hint: SEE_WHERE,
    });
    await expect(audit.checkpoint()).rejects.toMatchObject({
      exitCode: 4,
      message: `the audit log ${f.paths.audit} ends with a partial entry`,
      hint: 'Run `credctl audit verify`.',
    });
    writeFileSync(f.paths.audit, `${good}{"seq":2,"hash":"not hex"}\n`);
    await expect(audit.append({ action: 'test.two', outcome: 'ok' })).rejects.toMatchObject({
      exitCode: 4,
      message: `the last entry of the audit log ${f.paths.audit} is unreadable`,
      hint: SEE_WHERE,
    });
  });

  it('an action that is not a non-empty string is a programming error', async () => {
    const audit = await openAuditLog(fixture().paths, { store: fixture().store });
    for (const action of ['', 5, undefined]) {
      await expect(audit.append({ action: action as never, outcome: 'ok' })).rejects.toThrow(new TypeError('audit.append: action is required'));
    }
  });
});

describe('the signing key', () => {
  it('a store without the key that signed the log says which key and what to do (exit 8)', async () => {
    const f = fixture();
    await (await openAuditLog(f.paths, { store: f.store })).append({ action: 'test.one', outcome: 'ok' });
    await f.store.delete('credctl/audit-signing-key');
    await expect((await openAuditLog(f.paths, { store: f.store })).append({ action: 'test.two', outcome: 'ok' })).rejects.toMatchObject({
      exitCode: 8,
      message: `the audit signing key (credctl/audit-signing-key) is not in the ${f.store.backend} secret store, but this project's audit log was signed with one`,
      hint: expect.stringContaining('Restore the secret store'),
    });
  });

  it('a public key on disk that is not the stored key is refused, naming the file', async () => {
    const f = fixture();
    await (await openAuditLog(f.paths, { store: f.store })).append({ action: 'test.one', outcome: 'ok' });
    // Not the committed key (git does not track it here): audit.pub itself was replaced.
    writeFileSync(f.paths.auditPub, generateSigningKey().publicPem);
    await expect((await openAuditLog(f.paths, { store: f.store })).append({ action: 'test.two', outcome: 'ok' })).rejects.toMatchObject({
      exitCode: 4,
      message: `the audit signing key in the secret store does not match ${f.paths.auditPub}`,
      hint: 'Someone replaced one of them; run `credctl audit verify --pubkey <the published key>`.',
    });
  });

  it('public keys are readable by all and writable by the owner only, whatever the umask', async () => {
    const f = fixture();
    const saved = process.umask(0);
    try {
      await (await openAuditLog(f.paths, { store: f.store })).append({ action: 'test.one', outcome: 'ok' });
      expect(statSync(f.paths.auditPub).mode & 0o777).toBe(0o644);
      rmSync(f.paths.auditPub);
      await (await openAuditLog(f.paths, { store: f.store })).append({ action: 'test.two', outcome: 'ok' });
      expect(statSync(f.paths.auditPub).mode & 0o777).toBe(0o644);
    } finally {
      process.umask(saved);
    }
  });
});

describe('a clone whose committed audit.pub is someone else’s key', () => {
  it('signs with a key of its own kept in audit.local.pub, leaves the committed key alone, and holds the local key to it', async () => {
    const f = fixture();
    const { execFileSync } = await import('node:child_process');
    const root = join(f.paths.stateDir, '..');
    mkdirSync(f.paths.stateDir, { recursive: true, mode: 0o700 });
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: root,
        env: { ...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.test', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.test' },
      });
    git('init', '-q');
    const theirs = generateSigningKey().publicPem;
    writeFileSync(f.paths.auditPub, theirs);
    git('add', '-f', f.paths.auditPub);
    git('commit', '-q', '-m', 'their key');
    const notes: string[] = [];
    const saved = process.umask(0);
    try {
      await (await openAuditLog(f.paths, { store: f.store, note: (m) => notes.push(m) })).append({ action: 'test.one', outcome: 'ok' });
    } finally {
      process.umask(saved);
    }
    const local = join(f.paths.stateDir, 'audit.local.pub');
    expect(readFileSync(f.paths.auditPub, 'utf8')).toBe(theirs);
    expect(existsSync(local)).toBe(true);
    expect(statSync(local).mode & 0o777).toBe(0o644);
    expect(notes).toEqual([expect.stringContaining("this repository's committed audit.pub is another key")]);
    // The next command signs with the same local key.
    await (await openAuditLog(f.paths, { store: f.store })).append({ action: 'test.two', outcome: 'ok' });
    expect(readFileSync(local, 'utf8')).toContain('PUBLIC KEY');
    // A deleted local key is written again from the store; a replaced one is refused.
    const mine = readFileSync(local, 'utf8');
    rmSync(local);
    await (await openAuditLog(f.paths, { store: f.store })).append({ action: 'test.three', outcome: 'ok' });
    expect(readFileSync(local, 'utf8')).toBe(mine);
    writeFileSync(local, generateSigningKey().publicPem);
    await expect((await openAuditLog(f.paths, { store: f.store })).append({ action: 'test.four', outcome: 'ok' })).rejects.toMatchObject({
      exitCode: 4,
      message: `the audit signing key in the secret store does not match ${local}`,
      hint: 'Someone replaced one of them; run `credctl audit verify --pubkey <the published key>`.',
    });
  });
});

describe('withAudit checkpoints only what its command appended', () => {
  it('a command that recorded nothing writes nothing, even over entries another process left uncovered', async () => {
    const f = fixture();
    await (await openAuditLog(f.paths, { store: f.store })).append({ action: 'test.uncovered', outcome: 'ok' });
    expect(existsSync(f.paths.auditCheckpoints)).toBe(false);
    await withAudit(async () => undefined, { paths: f.paths, store: f.store });
    expect(existsSync(f.paths.auditCheckpoints)).toBe(false);
    await expect(withAudit(async () => Promise.reject(new Error('boom')), { paths: f.paths, store: f.store })).rejects.toThrow('boom');
    expect(existsSync(f.paths.auditCheckpoints)).toBe(false);
  });
});
