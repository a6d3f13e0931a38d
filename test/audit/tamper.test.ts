import { readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointSignedBy, noteText, parseCheckpoints } from '../../src/audit/checkpoint.js';
import { entryHash } from '../../src/audit/entry.js';
import { generateSigningKey, parsePublicKey, privateKeyFromPem, signEntryHash } from '../../src/audit/keys.js';
import { openAuditLog, withAudit } from '../../src/audit/log.js';
import { merkleRoot } from '../../src/audit/merkle.js';
import { verifyAudit, type VerifyResult } from '../../src/audit/verify.js';
import { auditFixture, type AuditFixture } from './helpers.js';

let fx: AuditFixture;
let log: string;
let checkpoints: string;

beforeAll(async () => {
  fx = auditFixture();
  // Ten entries over two "commands", so there are two checkpoints (sizes 6 and 10).
  await withAudit(
    async (a) => {
      for (let i = 1; i <= 6; i++)
        await a.append({ action: 'test.step', subject: { name: `N${i}`, fingerprint: `fp_${String(i).padStart(24, '0')}` }, outcome: 'ok', details: { i } });
    },
    { paths: fx.paths, store: fx.store, actor: 'tester@test' },
  );
  await withAudit(
    async (a) => {
      for (let i = 7; i <= 10; i++) await a.append({ action: 'test.step', subject: { name: `N${i}` }, outcome: i === 9 ? 'failed' : 'ok' });
    },
    { paths: fx.paths, store: fx.store, actor: 'agent:rotator' },
  );
  log = readFileSync(fx.paths.audit, 'utf8');
  checkpoints = readFileSync(fx.paths.auditCheckpoints, 'utf8');
});
afterAll(() => rmSync(fx.dir, { recursive: true, force: true }));

const pub = () => parsePublicKey(readFileSync(fx.paths.auditPub, 'utf8'));
const lines = () => log.slice(0, -1).split('\n');
const join = (ls: string[]) => ls.join('\n') + '\n';
const verify = (logText: string, cps = checkpoints, key = pub()): VerifyResult => verifyAudit({ logText, checkpointsText: cps, publicKey: key });

describe('the log as written', () => {
  it('is a valid chain of 10 signed entries with two signed checkpoints', () => {
    const r = verify(log);
    expect(r).toMatchObject({ ok: true, entries: 10, checkpoints: 2, latestCheckpoint: { size: 10 } });
    const entries = lines().map((l) => JSON.parse(l));
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(entries[0].actor).toBe('tester@test');
    expect(entries[9].actor).toBe('agent:rotator');
    for (let i = 1; i < 10; i++) expect(entries[i].prev).toBe(entries[i - 1].hash);
  });

  it('a parsed checkpoint is written back byte for byte (what `credctl audit checkpoint` prints)', () => {
    const cps = parseCheckpoints(checkpoints).checkpoints;
    expect(cps.map(noteText).join('\n')).toBe(checkpoints);
  });

  it('checkpoints are C2SP-style notes whose root is the RFC 6962 root of the lines', () => {
    const cps = parseCheckpoints(checkpoints).checkpoints;
    expect(cps.map((c) => c.size)).toEqual([6, 10]);
    expect(cps[1]!.rootHash).toBe(merkleRoot(lines()).toString('base64'));
    expect(checkpointSignedBy(cps[1]!, pub())).toBe(true);
    expect(checkpoints.split('\n')[0]).toMatch(/^credctl-audit\/[0-9a-f]{16}$/);
    expect(checkpoints).toMatch(/\n\n\u2014 credctl-audit\/[0-9a-f]{16} [A-Za-z0-9+/]{91}=\n/);
  });
});

describe('every kind of tampering is detected and located', () => {
  it('an edited entry: named by seq and line', () => {
    const ls = lines();
    ls[3] = ls[3]!.replace('"outcome":"ok"', '"outcome":"denied"');
    const r = verify(join(ls));
    expect(r.ok).toBe(false);
    expect(r.firstProblem).toMatchObject({ kind: 'edited', line: 4, seq: 4 });
  });

  it('an edited entry with its hash recomputed: the signature fails there', () => {
    const ls = lines();
    const e = JSON.parse(ls[3]!);
    e.outcome = 'denied';
    e.hash = entryHash(e);
    ls[3] = JSON.stringify(e);
    const r = verify(join(ls));
    expect(r.firstProblem).toMatchObject({ kind: 'signature', line: 4, seq: 4 });
  });

  it('a deleted entry: the gap is named', () => {
    const ls = lines();
    ls.splice(4, 1);
    const r = verify(join(ls));
    expect(r.firstProblem).toMatchObject({ kind: 'missing', line: 5, seq: 6 });
    expect(r.firstProblem!.message).toContain('seq 5 is missing');
  });

  it('an inserted (duplicated) entry', () => {
    const ls = lines();
    ls.splice(3, 0, ls[2]!);
    const r = verify(join(ls));
    expect(r.firstProblem).toMatchObject({ kind: 'out-of-order', line: 4, seq: 3 });
  });

  it('an inserted forged entry that continues the chain but is signed by another key', () => {
    const ls = lines();
    const prev = JSON.parse(ls[4]!);
    const other = privateKeyFromPem(generateSigningKey().privatePem);
    const forged: Record<string, unknown> = {
      v: 1,
      seq: 6,
      time: prev.time,
      actor: 'mallory@x',
      action: 'store.get',
      subject: {},
      outcome: 'ok',
      prev: prev.hash,
    };
    forged.hash = entryHash(forged as never);
    forged.sig = signEntryHash(other, forged.hash as string);
    ls.splice(5, 0, JSON.stringify(forged));
    const r = verify(join(ls));
    expect(r.firstProblem).toMatchObject({ kind: 'signature', line: 6, seq: 6 });
  });

  it('reordered entries', () => {
    const ls = lines();
    [ls[5], ls[6]] = [ls[6]!, ls[5]!];
    const r = verify(join(ls));
    expect(r.firstProblem).toMatchObject({ kind: 'out-of-order', line: 6, seq: 7 });
  });

  it('truncation after a checkpoint (the chain alone looks fine)', () => {
    const ls = lines().slice(0, 7);
    const noCheckpoints = verify(join(ls), '');
    expect(noCheckpoints.ok).toBe(true); // why checkpoints exist
    const r = verify(join(ls));
    expect(r.ok).toBe(false);
    expect(r.firstProblem).toMatchObject({ kind: 'truncated', line: 8, seq: 8 });
    expect(r.firstProblem!.message).toContain('entries 8..10 are missing');
  });

  it('truncation of the log AND its local checkpoints is caught by a checkpoint kept elsewhere', () => {
    const cps = parseCheckpoints(checkpoints).checkpoints;
    const published = [{ label: 'published cp.txt', text: noteText(cps[1]!) }];
    // What an attacker leaves: the first 6 entries and the first checkpoint, all consistent.
    const cutLog = join(lines().slice(0, 6));
    const cutCheckpoints = noteText(cps[0]!);
    expect(verify(cutLog, cutCheckpoints).ok).toBe(true);
    const r = verifyAudit({ logText: cutLog, checkpointsText: cutCheckpoints, publicKey: pub(), published });
    expect(r.ok).toBe(false);
    expect(r.firstProblem).toMatchObject({ kind: 'truncated', seq: 7 });
    expect(r.firstProblem!.message).toContain('published cp.txt: checkpoint 1 covers 10 entries but the log has 6');
    // The untouched log passes with it; a published note from another key, or no note at all, does not.
    expect(verifyAudit({ logText: log, checkpointsText: checkpoints, publicKey: pub(), published }).ok).toBe(true);
    expect(
      verifyAudit({ logText: log, checkpointsText: checkpoints, publicKey: pub(), published: [{ label: 'p', text: 'hello\n' }] }).problems.map(
        (p) => p.message,
      ),
    ).toEqual(['p: checkpoint 1 is malformed', 'p: holds no checkpoint']);
    // An edit inside what the published checkpoint covers is named against it.
    const edited = lines();
    edited[8] = edited[8]!.replace('"outcome":"failed"', '"outcome":"ok"');
    const e = verifyAudit({ logText: join(edited), checkpointsText: '', publicKey: pub(), published });
    expect(e.problems.some((p) => p.message.startsWith('published cp.txt: checkpoint 1 (size 10) does not match the log'))).toBe(true);
  });

  it('an emptied log is caught by its checkpoints', () => {
    expect(verify('').firstProblem).toMatchObject({ kind: 'truncated', seq: 1 });
  });

  it('the wrong public key', () => {
    const otherPub = createPublicKey(privateKeyFromPem(generateSigningKey().privatePem));
    const r = verify(log, checkpoints, otherPub);
    expect(r.firstProblem).toMatchObject({ kind: 'signature', line: 1, seq: 1 });
    expect(r.firstProblem!.message).toContain('not signed by this public key');
    expect(r.problems.some((p) => p.kind === 'checkpoint')).toBe(true);
  });

  it('a whole log re-signed with another key, against the pinned key', () => {
    const other = privateKeyFromPem(generateSigningKey().privatePem);
    let prev = '0'.repeat(64);
    const forged = lines().map((l) => {
      const e = JSON.parse(l);
      e.prev = prev;
      e.hash = entryHash(e);
      e.sig = signEntryHash(other, e.hash);
      prev = e.hash;
      return JSON.stringify(e);
    });
    expect(verify(join(forged)).firstProblem).toMatchObject({ kind: 'signature', line: 1 });
  });

  it('an edited checkpoint (size changed) is not accepted', () => {
    const cps = checkpoints.replace(/\n10\n/, '\n7\n');
    const r = verify(log, cps);
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatchObject({ kind: 'checkpoint' });
    expect(r.problems[0]!.message).toContain('not signed');
  });

  it('a partial last line and a garbage line', () => {
    expect(verify(log + '{"seq":11').firstProblem).toMatchObject({ kind: 'partial', line: 11 });
    const ls = lines();
    ls[2] = 'not json';
    expect(verify(join(ls)).firstProblem).toMatchObject({ kind: 'malformed', line: 3 });
  });
});

describe('writing', () => {
  it('fails closed when the log cannot be written, and continues the chain afterwards', async () => {
    const f = auditFixture();
    try {
      const a = await openAuditLog(f.paths, { store: f.store });
      await a.append({ action: 'x', outcome: 'ok' });
      const text = readFileSync(f.paths.audit, 'utf8');
      rmSync(f.paths.audit);
      mkdirSync(f.paths.audit); // a directory where the log should be: the write must fail
      await expect(a.append({ action: 'y', outcome: 'ok' })).rejects.toMatchObject({ exitCode: 4 });
      rmSync(f.paths.audit, { recursive: true });
      writeFileSync(f.paths.audit, text);
      const e = await a.append({ action: 'z', outcome: 'ok' });
      expect(e.seq).toBe(2);
      expect(verify(readFileSync(f.paths.audit, 'utf8'), '', parsePublicKey(readFileSync(f.paths.auditPub, 'utf8'))).ok).toBe(true);
    } finally {
      rmSync(f.dir, { recursive: true, force: true });
    }
  });

  it('refuses to append after a partial line rather than fork the chain', async () => {
    const f = auditFixture();
    try {
      const a = await openAuditLog(f.paths, { store: f.store });
      await a.append({ action: 'x', outcome: 'ok' });
      writeFileSync(f.paths.audit, readFileSync(f.paths.audit, 'utf8') + '{"seq":2,"ha');
      await expect(a.append({ action: 'y', outcome: 'ok' })).rejects.toThrow(/partial entry/);
    } finally {
      rmSync(f.dir, { recursive: true, force: true });
    }
  });

  it('masks secret values that a caller wrongly passes, and well-known key shapes', async () => {
    const f = auditFixture();
    try {
      const canary = 'FAKEcanary-db-password-7f3a9c';
      await f.store.put('DB', canary);
      const a = await openAuditLog(f.paths, { store: f.store });
      const e = await a.append({
        action: 'oops',
        subject: { name: 'DB' },
        outcome: 'ok',
        details: { note: `value was ${canary}`, other: 'ghp_FAKEshapecanary000000000000000000000' },
      });
      const text = readFileSync(f.paths.audit, 'utf8');
      expect(text).not.toContain(canary);
      expect(text).not.toContain('FAKEshapecanary');
      expect(e.details?.maskedValues).toBe(2);
    } finally {
      rmSync(f.dir, { recursive: true, force: true });
    }
  });

  it('the private key lives in the store and the public key on disk; a mismatch is refused', async () => {
    const f = auditFixture();
    try {
      const a = await openAuditLog(f.paths, { store: f.store });
      await a.append({ action: 'x', outcome: 'ok' });
      const pem = await f.store.get('credctl/audit-signing-key', { label: 'current' });
      expect(pem).toContain('PRIVATE KEY');
      expect(readFileSync(f.paths.auditPub, 'utf8')).toContain('BEGIN PUBLIC KEY');
      writeFileSync(f.paths.auditPub, createPublicKey(privateKeyFromPem(generateSigningKey().privatePem)).export({ type: 'spki', format: 'pem' }));
      const b = await openAuditLog(f.paths, { store: f.store });
      await expect(b.append({ action: 'y', outcome: 'ok' })).rejects.toMatchObject({ exitCode: 4 });
    } finally {
      rmSync(f.dir, { recursive: true, force: true });
    }
  });
});

describe('every tamper form is located precisely, and reported once', () => {
  const signingKey = async () => privateKeyFromPem((await fx.store.get('credctl/audit-signing-key', { label: 'current' }))!);
  /** An entry signed with the log's own key (what someone holding the key, or a forked log, produces). */
  const signedEntry = async (fields: Record<string, unknown>): Promise<string> => {
    const e: Record<string, unknown> = { v: 1, time: '2025-01-01T00:00:00.000Z', actor: 'x@y', action: 'test.step', subject: {}, outcome: 'ok', ...fields };
    e.hash = entryHash(e as never);
    e.sig = signEntryHash(await signingKey(), e.hash as string);
    return JSON.stringify(e);
  };

  it('the log as written: ok, its entry count, the log id of its key, and no problem', () => {
    const r = verify(log);
    expect(r.problems).toEqual([]);
    expect(r.firstProblem).toBeUndefined();
    expect(r.logId).toMatch(/^[0-9a-f]{16}$/);
    expect(checkpoints.startsWith(`credctl-audit/${r.logId}\n`)).toBe(true);
    expect(verify('', '')).toMatchObject({ ok: true, entries: 0, checkpoints: 0, problems: [] });
  });

  it('a partial last line: located at its line, and the complete entries before it still verify', () => {
    const r = verify(log + '{"seq":11,"ti');
    expect(r.entries).toBe(10);
    expect(r.problems).toEqual([expect.objectContaining({ kind: 'partial', line: 11 })]);
    const cutMidLine = verify(join(lines().slice(0, 9)) + lines()[9]!.slice(0, 40));
    expect(cutMidLine.entries).toBe(9);
    expect(cutMidLine.problems.map((p) => [p.kind, p.line])).toEqual([
      ['partial', 10],
      ['truncated', 10],
    ]);
    // Nothing but a partial line: no entry at all.
    expect(verify('{"seq":1', '')).toMatchObject({ ok: false, entries: 0, problems: [{ kind: 'partial', line: 1 }] });
  });

  it('a line that is JSON but not an entry is malformed, and the entries after it are not blamed', () => {
    const e3 = JSON.parse(lines()[2]!);
    const notEntries = [
      'null',
      '[]',
      '7',
      JSON.stringify({ ...e3, seq: '3' }),
      JSON.stringify({ ...e3, hash: undefined }),
      JSON.stringify({ ...e3, prev: 1 }),
      JSON.stringify({ ...e3, sig: undefined }),
    ];
    for (const bad of notEntries) {
      const ls = lines();
      ls[2] = bad;
      const r = verify(join(ls), '');
      expect(r.problems, bad).toEqual([expect.objectContaining({ kind: 'malformed', line: 3, seq: 3 })]);
    }
  });

  it('several deleted entries: the whole gap is named', () => {
    const ls = lines();
    ls.splice(4, 2);
    const r = verify(join(ls), '');
    expect(r.problems).toEqual([expect.objectContaining({ kind: 'missing', line: 5, seq: 7 })]);
    expect(r.firstProblem!.message).toContain('5..6');
  });

  it('an entry moved earlier is told apart from deletion by where its seq is, also past seq 9', async () => {
    // A 12-entry log: swap entries 10 and 11.
    const own: string[] = [];
    let prev = '0'.repeat(64);
    for (let seq = 1; seq <= 12; seq++) {
      own.push(await signedEntry({ seq, prev }));
      prev = JSON.parse(own.at(-1)!).hash;
    }
    expect(verify(join(own), '').ok).toBe(true);
    [own[9], own[10]] = [own[10]!, own[9]!];
    const r = verify(join(own), '');
    expect(r.firstProblem).toMatchObject({ kind: 'out-of-order', line: 10, seq: 11 });
    expect(r.firstProblem!.message).toContain('line 11');
  });

  it('a duplicated entry far ahead of its first copy is not taken for the one that is missing', () => {
    const ls = lines();
    ls.splice(7, 0, ls[1]!); // entry 2 again, at line 8
    const r = verify(join(ls), '');
    expect(r.firstProblem).toMatchObject({ kind: 'out-of-order', line: 8, seq: 2 });
  });

  it('an entry replaced by another one signed with the same key (a forked log) breaks the chain there', async () => {
    const ls = lines();
    const e4 = JSON.parse(ls[3]!);
    ls[5] = await signedEntry({ seq: 6, prev: e4.hash, action: 'store.get' });
    const r = verify(join(ls), '');
    expect(r.problems[0]).toMatchObject({ kind: 'chain', line: 6, seq: 6 });
    // Entry 7 still names the original entry 6 as its prev: that is the same fork, reported at entry 7 too.
    expect(r.problems.map((p) => [p.kind, p.line])).toEqual([
      ['chain', 6],
      ['chain', 7],
    ]);
  });

  it('after a malformed line, the chain is picked up again from the next entry', () => {
    const ls = lines();
    ls[2] = 'garbage';
    ls[3] = 'more garbage';
    const r = verify(join(ls), '');
    expect(r.problems.map((p) => [p.kind, p.line, p.seq])).toEqual([
      ['malformed', 3, 3],
      ['malformed', 4, 4],
    ]);
  });

  it('tells a forged entry among valid ones apart from a log checked with the wrong key', () => {
    const ls = lines();
    const e = JSON.parse(ls[3]!);
    e.sig = JSON.parse(ls[2]!).sig;
    ls[3] = JSON.stringify(e);
    const r = verify(join(ls), '');
    expect(r.problems).toEqual([expect.objectContaining({ kind: 'signature', line: 4, seq: 4 })]);
    expect(r.firstProblem!.message).not.toContain('not signed by this public key');
  });

  it('reports problems in log order, entry problems before checkpoint problems, and at most 50', () => {
    const ls = lines();
    ls[6] = 'garbage';
    const r = verify(join(ls) + '{"seq":11', checkpoints.replace(/\n10\n/, '\n9\n'));
    expect(r.problems.map((p) => p.kind)).toEqual(['malformed', 'partial', 'checkpoint']);
    expect(r.firstProblem).toMatchObject({ kind: 'malformed', line: 7 });
    const flood = verify(join(Array.from({ length: 60 }, () => 'garbage')), '');
    expect(flood.problems).toHaveLength(50);
    expect(flood.entries).toBe(60);
  });

  it('checkpoints out of order are caught, and the newest valid one is still the one reported', () => {
    const cps = parseCheckpoints(checkpoints).checkpoints;
    const swapped = noteText(cps[1]!) + '\n' + noteText(cps[0]!);
    const r = verify(log, swapped);
    expect(r.problems).toEqual([expect.objectContaining({ kind: 'checkpoint' })]);
    expect(r.firstProblem!.message).toContain('smaller than an earlier checkpoint (10)');
    expect(r).toMatchObject({ checkpoints: 2, latestCheckpoint: { size: 10, rootHash: cps[1]!.rootHash } });
  });

  it('a checkpoint kept elsewhere counts toward the newest checkpoint but not the local count', () => {
    const cps = parseCheckpoints(checkpoints).checkpoints;
    const r = verifyAudit({ logText: log, checkpointsText: noteText(cps[0]!), publicKey: pub(), published: [{ label: 'kept', text: noteText(cps[1]!) }] });
    expect(r).toMatchObject({ ok: true, checkpoints: 1, latestCheckpoint: { size: 10 } });
    const older = verifyAudit({ logText: log, checkpointsText: noteText(cps[1]!), publicKey: pub(), published: [{ label: 'kept', text: noteText(cps[0]!) }] });
    expect(older).toMatchObject({ ok: true, checkpoints: 1, latestCheckpoint: { size: 10 } });
  });

  it('a malformed checkpoint is named by position, and by the file it came from', () => {
    const r = verifyAudit({
      logText: log,
      checkpointsText: checkpoints + '\nnot a note\n',
      publicKey: pub(),
      published: [{ label: 'ticket 42', text: 'x\n' }],
    });
    expect(r.problems.map((p) => p.kind)).toEqual(['checkpoint', 'checkpoint', 'checkpoint']);
    expect(r.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/^checkpoint 3\b/),
      expect.stringMatching(/^ticket 42: checkpoint 1\b/),
      expect.stringMatching(/^ticket 42: /),
    ]);
  });
});

describe('what each problem says: the line, the seq and what happened', () => {
  // `credctl audit verify` prints these; a person must be able to go to the place they name.
  const signingKey = async () => privateKeyFromPem((await fx.store.get('credctl/audit-signing-key', { label: 'current' }))!);
  const resigned = async (raw: string, change: (e: Record<string, unknown>) => void): Promise<string> => {
    const e = JSON.parse(raw) as Record<string, unknown>;
    change(e);
    const { hash: _h, sig: _s, ...body } = e;
    e.hash = entryHash(body as never);
    e.sig = signEntryHash(await signingKey(), e.hash as string);
    return JSON.stringify(e);
  };

  it('a partial line, a malformed line, an edited entry', () => {
    expect(verify(log + '{"seq":11').firstProblem!.message).toBe('line 11 is a partial entry (no newline): an interrupted write or a cut file');
    const ls = lines();
    ls[2] = 'null';
    expect(verify(join(ls)).firstProblem!.message).toBe('line 3 is not an audit entry (invalid JSON or missing fields)');
    const edited = lines();
    edited[4] = edited[4]!.replace('"N5"', '"N0"');
    expect(verify(join(edited)).firstProblem!.message).toBe('entry seq 5 (line 5) was edited: its content does not match its hash');
  });

  it('a forged signature among valid entries, and a log signed by another key', () => {
    const ls = lines();
    const e = JSON.parse(ls[3]!) as { sig: string };
    ls[3] = JSON.stringify({ ...e, sig: lines()[4]!.match(/"sig":"([^"]+)"/)![1] });
    expect(verify(join(ls)).firstProblem!.message).toBe('entry seq 4 (line 4) has an invalid signature: it was forged or re-hashed after an edit');
    const other = parsePublicKey(generateSigningKey().publicPem);
    expect(verify(log, checkpoints, other).firstProblem!.message).toBe('entry seq 1 (line 1) is not signed by this public key (wrong key, or a forged entry)');
  });

  it('an entry inserted again, reordered, or replaced', async () => {
    const dup = lines();
    dup.splice(4, 0, dup[1]!); // seq 2 again at line 5
    expect(verify(join(dup)).problems[0]!.message).toBe('entry seq 2 (line 5): expected seq 5 here (entries inserted, duplicated or reordered)');
    // A copy of an earlier entry where the next expected seq comes later: still an insertion.
    const ahead = lines();
    ahead.splice(3, 0, ahead[0]!); // seq 1 at line 4, seq 4 at line 5
    expect(verify(join(ahead)).problems[0]!.message).toBe('entry seq 1 (line 4): expected seq 4 here (entries inserted, duplicated or reordered)');
    const replaced = lines();
    replaced[5] = await resigned(replaced[5]!, (e) => {
      e.prev = 'f'.repeat(64);
    });
    expect(verify(join(replaced)).problems[0]!.message).toBe(
      'entry seq 6 (line 6) does not follow the entry before it (its prev hash differs: an entry was replaced, inserted or reordered)',
    );
  });

  it('a seq expected where its only copy came earlier is missing here, not reordered', () => {
    // seq 1, 3, 2, 5: at line 4, seq 3 (expected next) appeared only before, at line 2.
    const ls = lines();
    const r = verify(join([ls[0]!, ls[2]!, ls[1]!, ls[4]!]), '');
    expect(r.problems.map((p) => [p.kind, p.line])).toEqual([
      ['out-of-order', 2],
      ['out-of-order', 3],
      ['missing', 4],
    ]);
    expect(r.problems[2]!.message).toBe('entry seq 5 (line 4): seq 3..4 are missing before it (deleted entries)');
  });

  it('a local checkpoint names itself by position', () => {
    const cps = parseCheckpoints(checkpoints).checkpoints;
    const cut = join(lines().slice(0, 9)) + lines()[9]!.replace('"N10"', '"NX"') + '\n';
    expect(verify(cut).problems.map((p) => p.message)).toContain(
      'checkpoint 2 (size 10) does not match the log: entries 1..10 were changed after it was signed',
    );
    expect(verify(log, noteText(cps[0]!) + '\n' + noteText(cps[0]!)).problems).toEqual([]);
  });
});
