// What the audit log writer promises the people who read it later: who did it (the actor), the
// entry's exact shape, no value in it however a caller nests it, a chain that continues after any
// entry, and a signing key that is made once and never silently swapped.
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { hostname, userInfo } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCheckpoints } from '../../src/audit/checkpoint.js';
import { GENESIS_PREV } from '../../src/audit/entry.js';
import { defaultActor, openAuditLog, withAudit, type AuditEntry } from '../../src/audit/log.js';
import { parsePublicKey } from '../../src/audit/keys.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { redact } from '../../src/core/redact.js';
import { ExitCode } from '../../src/core/exit-codes.js';
import { FileStore } from '../../src/store/file-store.js';
import { auditFixture, type AuditFixture } from './helpers.js';

const fixtures: AuditFixture[] = [];
function fixture(): AuditFixture {
  const f = auditFixture();
  fixtures.push(f);
  return f;
}
afterEach(() => {
  for (const f of fixtures.splice(0)) rmSync(f.dir, { recursive: true, force: true });
});

const entriesOf = (f: AuditFixture): AuditEntry[] =>
  readFileSync(f.paths.audit, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditEntry);
const verifies = (f: AuditFixture, checkpointsText = '') =>
  verifyAudit({ logText: readFileSync(f.paths.audit, 'utf8'), checkpointsText, publicKey: parsePublicKey(readFileSync(f.paths.auditPub, 'utf8')) });

describe('the actor recorded in each entry', () => {
  it('is $CREDCTL_ACTOR (an agent id) when set, trimmed', () => {
    expect(defaultActor({ CREDCTL_ACTOR: '  agent:rotator-7  ' })).toBe('agent:rotator-7');
  });

  it('is user@host otherwise, also when CREDCTL_ACTOR is blank', () => {
    const expected = `${userInfo().username}@${hostname()}`;
    expect(defaultActor({})).toBe(expected);
    expect(defaultActor({ CREDCTL_ACTOR: '   ' })).toBe(expected);
  });

  it("is the log's actor option, else the actor from the log's environment, and one entry may name another", async () => {
    const f = fixture();
    const byOption = await openAuditLog(f.paths, { store: f.store, actor: 'alice@laptop', env: { CREDCTL_ACTOR: 'agent:ignored' } });
    expect(byOption.actor).toBe('alice@laptop');
    const byEnv = await openAuditLog(f.paths, { store: f.store, env: { CREDCTL_ACTOR: 'agent:ci-bot' } });
    expect(byEnv.actor).toBe('agent:ci-bot');
    await byEnv.append({ action: 'test.one', outcome: 'ok' });
    await byEnv.append({ action: 'test.two', outcome: 'ok', actor: 'agent:helper for alice' });
    expect(entriesOf(f).map((e) => e.actor)).toEqual(['agent:ci-bot', 'agent:helper for alice']);
  });

  it('is masked like any other field when a value was passed as the actor', async () => {
    const f = fixture();
    const log = await openAuditLog(f.paths, { store: f.store, actor: 'ghp_FAKEactorcanary0000000000000000000' });
    const e = await log.append({ action: 'test.actor', outcome: 'ok' });
    expect(e.actor).not.toContain('FAKEactorcanary');
    expect(e.details).toEqual({ maskedValues: 1 });
  });
});

describe('an entry as written', () => {
  it('has exactly the recorded fields, in a chain that starts at the genesis hash', async () => {
    const f = fixture();
    const log = await openAuditLog(f.paths, { store: f.store, actor: 'tester@test' });
    const before = Date.now();
    const first = await log.append({
      action: 'credential.revoke',
      subject: { fingerprint: 'fp_000000000000000000000001', provider: 'example' },
      outcome: 'ok',
    });
    const second = await log.append({ action: 'credential.create', outcome: 'failed', details: { step: 3, retried: true, note: null } });
    expect(Object.keys(first).sort()).toEqual(['action', 'actor', 'hash', 'outcome', 'prev', 'seq', 'sig', 'subject', 'time', 'v']);
    expect(first).toMatchObject({ v: 1, seq: 1, actor: 'tester@test', action: 'credential.revoke', outcome: 'ok', prev: GENESIS_PREV });
    expect(first.subject).toEqual({ fingerprint: 'fp_000000000000000000000001', provider: 'example' });
    expect(Date.parse(first.time)).toBeGreaterThanOrEqual(before - 1000);
    expect(new Date(first.time).toISOString()).toBe(first.time);
    expect(second).toMatchObject({ seq: 2, prev: first.hash, subject: {}, details: { step: 3, retried: true, note: null } });
    expect(entriesOf(f)).toEqual([first, second]);
    expect(log.appended).toBe(2);
    expect(verifies(f).ok).toBe(true);
  });

  it('the log is owner-only; the public key and checkpoints are readable by others, to be published', async () => {
    const f = fixture();
    await withAudit(async (a) => a.append({ action: 'test.one', outcome: 'ok' }), { paths: f.paths, store: f.store });
    expect(statSync(f.paths.audit).mode & 0o777).toBe(0o600);
    expect(statSync(f.paths.auditPub).mode & 0o777).toBe(0o644);
    expect(statSync(f.paths.auditCheckpoints).mode & 0o777).toBe(0o644);
  });

  it('fails closed (exit 4) when the state directory cannot be made, and writes nothing', async () => {
    const f = fixture();
    mkdirSync(dirname(f.paths.stateDir), { recursive: true });
    writeFileSync(f.paths.stateDir, 'a file where .credctl/ should be');
    const log = await openAuditLog(f.paths, { store: f.store });
    await expect(log.append({ action: 'test.one', outcome: 'ok' })).rejects.toMatchObject({ exitCode: ExitCode.Integrity });
    expect(log.appended).toBe(0);
  });

  it('refuses an entry without an action', async () => {
    const f = fixture();
    const log = await openAuditLog(f.paths, { store: f.store });
    await expect(log.append({ action: '', outcome: 'ok' })).rejects.toThrow(TypeError);
    expect(existsSync(f.paths.audit)).toBe(false);
  });

  it('masks values however deeply they are nested, in keys too, and counts each masked string', async () => {
    const f = fixture();
    const known = 'FAKE-known-store-value-0123456789';
    await f.store.put('DB_PASSWORD', known);
    const log = await openAuditLog(f.paths, { store: f.store });
    const e = await log.append({
      action: 'test.mask',
      subject: { name: 'DB_PASSWORD', target: `postgres://app:${known}@db/app` },
      outcome: 'ok',
      details: {
        list: ['plain', `sk_live_FAKEnestedcanary0001`, 7],
        nested: { deeper: { token: 'xoxb-FAKE-0123456789-slack' }, fine: 'ok' },
        [`key ${known}`]: 'value under a secret-looking key',
        dropped: undefined,
      },
    });
    const text = readFileSync(f.paths.audit, 'utf8');
    for (const canary of [known, 'FAKEnestedcanary', 'FAKE-0123456789-slack']) expect(text).not.toContain(canary);
    expect(e.details!.list).toEqual(['plain', 'sk_live_…0001', 7]);
    expect((e.details!.nested as Record<string, Record<string, string>>).deeper!.token).toBe('xoxb-…lack');
    expect((e.details!.nested as Record<string, string>).fine).toBe('ok');
    expect(e.subject.name).toBe('DB_PASSWORD');
    expect(e.subject.target).toBe(`postgres://app:${'FA…6789'}@db/app`);
    expect('dropped' in e.details!).toBe(false);
    // subject.target, list[1], nested.deeper.token and the key: four strings masked.
    expect(e.details!.maskedValues).toBe(4);
    expect(verifies(f).ok).toBe(true);
  });

  it('masks every well-known key shape the store never saw, whole, from its minimum length on', async () => {
    const f = fixture();
    const log = await openAuditLog(f.paths, { store: f.store });
    const alnum = (n: number) => 'FAKE0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'.repeat(3).slice(0, n);
    const upper = (n: number) => 'FAKE0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'.slice(0, n);
    const pem = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIFAKE0123456789\nabcdefFAKE\n-----END EC PRIVATE KEY-----';
    // [shape at its minimum length, the same one character short (not a key), a longer one]
    const shapes: Array<[string, string, string]> = [
      ['sk_live_' + alnum(10), 'sk_live_' + alnum(9), 'sk_live_' + alnum(40)],
      ['rk_test_' + alnum(10), 'rk_test_' + alnum(9), 'pk_test_' + alnum(30)],
      ['whsec_' + alnum(10), 'whsec_' + alnum(9), 'whsec_' + alnum(32)],
      ['sk-' + alnum(20), 'sk-' + alnum(19), 'sk-proj-' + alnum(19) + '_-' + alnum(20)],
      ['sk-ant-' + alnum(20), 'sk-ant-' + alnum(12), 'sk-svcacct-' + alnum(30)],
      ['sk-admin-' + alnum(20), 'sk-admin-' + alnum(11), 'sk-admin-' + alnum(40)],
      ['ghp_' + alnum(20), 'ghp_' + alnum(19), 'ghs_' + alnum(36)],
      ['gho_' + alnum(20), 'ghx_' + alnum(30), 'ghr_' + alnum(36)],
      ['github_pat_' + alnum(20), 'github_pat_' + alnum(19), 'github_pat_' + alnum(22) + '_' + alnum(59)],
      ['glpat-' + alnum(20), 'glpat-' + alnum(19), 'glpat-' + alnum(10) + '_-' + alnum(10)],
      ['xoxb-' + alnum(10), 'xoxb-' + alnum(9), 'xoxp-' + alnum(12) + '-' + alnum(12)],
      ['AKIA' + upper(16), 'AKIA' + upper(15), 'ASIA' + upper(16)],
      ['AIza' + alnum(30), 'AIza' + alnum(29), 'AIza' + alnum(20) + '_-' + alnum(13)],
      ['npm_' + alnum(30), 'npm_' + alnum(29), 'npm_' + alnum(36)],
      [pem, '-----BEGIN PUBLIC KEY-----\nMFkwFAKE0123456789\n-----END PUBLIC KEY-----', '-----BEGIN PRIVATE KEY-----\nMIIEFAKE0123456789 cut off here'],
    ];
    const details: Record<string, string> = {};
    shapes.forEach(([min, short, long], i) => {
      details[`min${i}`] = `before ${min} after`;
      details[`short${i}`] = `before ${short} after`;
      details[`long${i}`] = long;
    });
    const e = await log.append({ action: 'test.shapes', outcome: 'ok', details });
    shapes.forEach(([min, short, long], i) => {
      expect(e.details![`min${i}`], min).toBe(`before ${redact(min)} after`);
      expect(e.details![`short${i}`], short).toBe(`before ${short} after`);
      expect(e.details![`long${i}`], long).toBe(redact(long));
    });
    expect(e.details!.maskedValues).toBe(shapes.length * 2);
    // AKIA keys are upper case: the same length in lower case is not one.
    const lower = await log.append({ action: 'test.shapes', outcome: 'ok', details: { s: 'AKIA' + upper(16).toLowerCase() } });
    expect(lower.details).toEqual({ s: 'AKIA' + upper(16).toLowerCase() });
  });

  it('has no details at all when none were given and nothing was masked', async () => {
    const f = fixture();
    const log = await openAuditLog(f.paths, { store: f.store });
    const e = await log.append({ action: 'test.plain', subject: { name: 'X' }, outcome: 'ok' });
    expect('details' in e).toBe(false);
    const withDetails = await log.append({ action: 'test.plain', outcome: 'ok', details: { n: 1 } });
    expect(withDetails.details).toEqual({ n: 1 });
  });
});

describe('continuing the chain', () => {
  it('after an entry larger than the tail window (64 KiB), and across processes (a new log handle)', async () => {
    const f = fixture();
    const a = await openAuditLog(f.paths, { store: f.store });
    await a.append({ action: 'test.small', outcome: 'ok' });
    const big = await a.append({ action: 'test.big', outcome: 'ok', details: { blob: 'x'.repeat(300 * 1024) } });
    const b = await openAuditLog(f.paths, { store: f.store });
    const next = await b.append({ action: 'test.after', outcome: 'ok' });
    expect(next).toMatchObject({ seq: 3, prev: big.hash });
    expect(verifies(f).ok).toBe(true);
  });

  it('refuses to append after a last line that is not an entry (exit 4), and leaves the log as it was', async () => {
    const f = fixture();
    const a = await openAuditLog(f.paths, { store: f.store });
    const first = await a.append({ action: 'test.one', outcome: 'ok' });
    const good = readFileSync(f.paths.audit, 'utf8');
    const lastLines = [
      'not json',
      JSON.stringify({ ...first, hash: 'ABC' }),
      JSON.stringify({ ...first, seq: '2' }),
      JSON.stringify({ ...first, hash: first.hash + '0' }),
    ];
    for (const last of lastLines) {
      writeFileSync(f.paths.audit, good + last + '\n');
      await expect(a.append({ action: 'test.two', outcome: 'ok' }), last).rejects.toMatchObject({ exitCode: ExitCode.Integrity });
      expect(readFileSync(f.paths.audit, 'utf8')).toBe(good + last + '\n');
    }
    writeFileSync(f.paths.audit, good + '{"seq":2');
    await expect(a.append({ action: 'test.two', outcome: 'ok' })).rejects.toMatchObject({ exitCode: ExitCode.Integrity });
  });

  it('an empty log file starts the chain at seq 1', async () => {
    const f = fixture();
    const a = await openAuditLog(f.paths, { store: f.store });
    await a.append({ action: 'test.one', outcome: 'ok' });
    writeFileSync(f.paths.audit, '');
    const e = await a.append({ action: 'test.again', outcome: 'ok' });
    expect(e).toMatchObject({ seq: 1, prev: GENESIS_PREV });
  });
});

describe('the signing key', () => {
  it('is made on first append, once, with one note; the public key is written beside the log', async () => {
    const f = fixture();
    const notes: string[] = [];
    let opened = 0;
    const a = await openAuditLog(f.paths, {
      store: async () => {
        opened++;
        return f.store;
      },
      note: (m) => notes.push(m),
    });
    expect(opened).toBe(0);
    await a.append({ action: 'test.one', outcome: 'ok' });
    await a.append({ action: 'test.two', outcome: 'ok' });
    expect(opened).toBe(1);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain(f.paths.auditPub);
    expect(await f.store.get('credctl/audit-signing-key', { label: 'current' })).toContain('PRIVATE KEY');
    const b = await openAuditLog(f.paths, { store: f.store, note: (m) => notes.push(m) });
    await b.append({ action: 'test.three', outcome: 'ok' });
    expect(notes).toHaveLength(1);
    expect(verifies(f).ok).toBe(true);
  });

  it('a deleted public key is written again from the key in the store', async () => {
    const f = fixture();
    const a = await openAuditLog(f.paths, { store: f.store });
    await a.append({ action: 'test.one', outcome: 'ok' });
    const pub = readFileSync(f.paths.auditPub, 'utf8');
    rmSync(f.paths.auditPub);
    await (await openAuditLog(f.paths, { store: f.store })).append({ action: 'test.two', outcome: 'ok' });
    expect(readFileSync(f.paths.auditPub, 'utf8')).toBe(pub);
  });

  it('is never silently replaced: a store without the key that signed the log is refused (exit 8)', async () => {
    const f = fixture();
    await (await openAuditLog(f.paths, { store: f.store })).append({ action: 'test.one', outcome: 'ok' });
    const log = readFileSync(f.paths.audit, 'utf8');
    const emptyStore = new FileStore({ path: f.paths.store + '.other', env: f.env });
    await expect((await openAuditLog(f.paths, { store: emptyStore })).append({ action: 'test.two', outcome: 'ok' })).rejects.toMatchObject({
      exitCode: ExitCode.Store,
    });
    expect(readFileSync(f.paths.audit, 'utf8')).toBe(log);
    expect(await emptyStore.get('credctl/audit-signing-key')).toBeNull();
  });

  it('a store without a key may start a log whose file is empty', async () => {
    const f = fixture();
    await (await openAuditLog(f.paths, { store: f.store })).append({ action: 'test.one', outcome: 'ok' });
    writeFileSync(f.paths.audit, '');
    const fresh = new FileStore({ path: f.paths.store + '.fresh', env: f.env });
    const e = await (await openAuditLog(f.paths, { store: fresh })).append({ action: 'test.new-log', outcome: 'ok' });
    expect(e.seq).toBe(1);
    expect(verifies(f).ok).toBe(true);
  });
});

describe('checkpoints', () => {
  it('one per command that appended, covering the whole log, each signed and one blank line apart', async () => {
    const f = fixture();
    const opts = { paths: f.paths, store: f.store };
    await withAudit(async (a) => {
      await a.append({ action: 'test.one', outcome: 'ok' });
      await a.append({ action: 'test.two', outcome: 'ok' });
    }, opts);
    await withAudit(async () => undefined, opts); // appended nothing: no checkpoint
    await withAudit(async (a) => a.append({ action: 'test.three', outcome: 'ok' }), opts);
    const text = readFileSync(f.paths.auditCheckpoints, 'utf8');
    const parsed = parseCheckpoints(text);
    expect(parsed.errors).toEqual([]);
    expect(parsed.checkpoints.map((c) => c.size)).toEqual([2, 3]);
    expect(text.startsWith('credctl-audit/')).toBe(true);
    expect(text.split('\n\ncredctl-audit/')).toHaveLength(2);
    expect(verifies(f, text)).toMatchObject({ ok: true, checkpoints: 2, latestCheckpoint: { size: 3 } });
  });

  it('is not repeated when the latest one already covers the log, and there is none for an empty or missing log', async () => {
    const f = fixture();
    const a = await openAuditLog(f.paths, { store: f.store });
    expect(await a.checkpoint()).toBeNull();
    writeFileSync(f.paths.audit, '');
    expect(await a.checkpoint()).toBeNull();
    await a.append({ action: 'test.one', outcome: 'ok' });
    expect(await a.checkpoint()).toMatch(/^credctl-audit\/[0-9a-f]{16}\n1\n/);
    expect(await a.checkpoint()).toBeNull();
    expect(parseCheckpoints(readFileSync(f.paths.auditCheckpoints, 'utf8')).checkpoints).toHaveLength(1);
  });

  it('is refused over a log that ends in a partial entry (exit 4)', async () => {
    const f = fixture();
    const a = await openAuditLog(f.paths, { store: f.store });
    await a.append({ action: 'test.one', outcome: 'ok' });
    writeFileSync(f.paths.audit, readFileSync(f.paths.audit, 'utf8') + '{"seq":2');
    await expect(a.checkpoint()).rejects.toMatchObject({ exitCode: ExitCode.Integrity });
    expect(existsSync(f.paths.auditCheckpoints)).toBe(false);
  });

  it("a failed command's entries get a checkpoint too, and its error is what the caller sees", async () => {
    const f = fixture();
    const boom = new Error('the action failed');
    await expect(
      withAudit(
        async (a) => {
          await a.append({ action: 'test.started', outcome: 'started' });
          throw boom;
        },
        { paths: f.paths, store: f.store },
      ),
    ).rejects.toBe(boom);
    expect(parseCheckpoints(readFileSync(f.paths.auditCheckpoints, 'utf8')).checkpoints.map((c) => c.size)).toEqual([1]);
    // A command that failed before appending anything leaves no checkpoint file behind.
    const g = fixture();
    await expect(withAudit(async () => Promise.reject(boom), { paths: g.paths, store: g.store })).rejects.toBe(boom);
    expect(existsSync(g.paths.auditCheckpoints)).toBe(false);
  });

  it("a checkpoint that cannot be written does not hide a failed command's own error", async () => {
    const f = fixture();
    mkdirSync(f.paths.auditCheckpoints, { recursive: true }); // a directory where the file goes
    const boom = new Error('the action failed');
    await expect(
      withAudit(
        async (a) => {
          await a.append({ action: 'test.started', outcome: 'started' });
          throw boom;
        },
        { paths: f.paths, store: f.store },
      ),
    ).rejects.toBe(boom);
    // A command that succeeded but whose checkpoint cannot be written fails closed (exit 4).
    await expect(withAudit(async (a) => a.append({ action: 'test.ok', outcome: 'ok' }), { paths: f.paths, store: f.store })).rejects.toMatchObject({
      exitCode: ExitCode.Integrity,
    });
  });

  it('withAudit returns what the command returned', async () => {
    const f = fixture();
    expect(await withAudit(async () => 42, { paths: f.paths, store: f.store })).toBe(42);
  });
});
