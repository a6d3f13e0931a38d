import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../src/audit/keys.js';
import { openAuditLog } from '../../src/audit/log.js';
import {
  coveringEntries,
  type IncidentProof,
  incidentLogMismatch,
  PROOF_FORMAT,
  type ProofCredential,
  proofCredentials,
  proofDigest,
  proofText,
  verifyProof,
} from '../../src/incident/proof.js';
import type { CredentialProgress } from '../../src/incident/progress.js';
import type { IncidentRecord } from '../../src/incident/record.js';
import { auditFixture } from '../audit/helpers.js';

// `credctl incident verify` tells an auditor why a proof is not intact: each way a proof can be
// broken gets its own reason, and an intact one reports what the signed log says (not what the
// record's copy says). Proofs are built here the way `incident close` builds them: a real signed
// audit log with checkpoints, and the proof's digest recorded in its close entry.

const fixtures: string[] = [];
afterAll(() => {
  for (const dir of fixtures) rmSync(dir, { recursive: true, force: true });
});

interface Options {
  /** Credential ids the incident.open entry lists (default: the record's). */
  openedWith?: string[];
  /** Leave out the incident.open entry. */
  noOpen?: boolean;
  /** The reason the incident.accept entry records (default: the record's). */
  acceptedInLog?: string;
  /** Checkpoint before the close entry only. */
  noCheckpointAfterClose?: boolean;
  /** Record a close entry with another digest (a close retried after a failed write). */
  earlierClose?: boolean;
  /** The close entry records a failure (with the right digest). */
  failedClose?: boolean;
}

interface Built {
  dir: string;
  file: string;
  proof: IncidentProof;
  pubkey: string;
  closeTime: string;
  write: (p: IncidentProof | string, name?: string) => string;
}

async function build(opts: Options = {}): Promise<Built> {
  const fx = auditFixture();
  fixtures.push(fx.dir);
  const audit = await openAuditLog(fx.paths, { store: fx.store, actor: 'tester@test' });
  const id = 'inc-20261207-101500-abcdef';
  const incident: IncidentRecord = {
    schemaVersion: 1,
    id,
    title: 'CI log printed two keys',
    openedAt: '2026-12-07T10:15:00.000Z',
    openedBy: 'tester@test',
    sources: ['--leaked ci.log'],
    credentials: [
      { id: 'cred-a', names: ['STRIPE_SECRET_KEY'], provider: 'stripe', redacted: 'sk_live_…FAKE', evidence: [], places: [], keptIn: [] },
      {
        id: 'cred-b',
        names: ['COMPOSE_DB_PASSWORD'],
        provider: 'postgres',
        redacted: '********',
        evidence: [],
        places: [],
        keptIn: [],
        accepted: { reason: 'set by hand in the compose file' },
      },
    ] as unknown as IncidentRecord['credentials'],
  };
  if (!opts.noOpen)
    await audit.append({ action: 'incident.open', outcome: 'ok', details: { incident: id, credentials: opts.openedWith ?? ['cred-a', 'cred-b'] } });
  await audit.append({ action: 'credential.rotate', subject: { credential: 'cred-a' }, outcome: 'ok' });
  await audit.append({ action: 'credential.rotate', subject: { fingerprint: 'cred-b' }, outcome: 'ok' });
  await audit.append({ action: 'credential.rotate', subject: { credential: 'someone-else' }, outcome: 'ok' });
  await audit.append({
    action: 'incident.accept',
    subject: { credential: 'cred-b' },
    outcome: 'ok',
    details: { incident: id, reason: opts.acceptedInLog ?? 'set by hand in the compose file' },
  });
  if (opts.noCheckpointAfterClose) await audit.checkpoint();
  const credentials: ProofCredential[] = [
    { id: 'cred-a', names: ['STRIPE_SECRET_KEY'], provider: 'stripe', redacted: 'sk_live_…FAKE', state: 'old-revoked', runId: 'run-1', targets: [] },
    {
      id: 'cred-b',
      names: ['COMPOSE_DB_PASSWORD'],
      provider: 'postgres',
      redacted: '********',
      state: 'accepted',
      targets: [],
      accepted: { reason: 'set by hand in the compose file' },
    },
  ];
  const verification = [{ id: 'cred-a', name: 'STRIPE_SECRET_KEY', old: 'refused' as const, new: 'live' as const, targets: [], problems: [] }];
  const closed = { at: '2026-12-07T11:00:00.000Z', by: 'tester@test', proofDigest: '' };
  const digest = proofDigest({ incident: { ...incident, closed }, credentials, verification });
  closed.proofDigest = digest;
  if (opts.earlierClose) await audit.append({ action: 'incident.close', outcome: 'ok', details: { incident: id, proofDigest: 'f'.repeat(64) } });
  const close = await audit.append({ action: 'incident.close', outcome: opts.failedClose ? 'failed' : 'ok', details: { incident: id, proofDigest: digest } });
  if (!opts.noCheckpointAfterClose) await audit.checkpoint();
  const log = readFileSync(fx.paths.audit, 'utf8');
  const pubkey = readFileSync(fx.paths.auditPub, 'utf8');
  const record = { ...incident, closed };
  const proof: IncidentProof = {
    format: PROOF_FORMAT,
    incident: record,
    credentials,
    verification,
    coveredBy: coveringEntries(log, record),
    audit: { publicKey: pubkey, log, checkpoints: readFileSync(fx.paths.auditCheckpoints, 'utf8') },
  };
  const write = (p: IncidentProof | string, name = 'proof.json') => {
    const file = join(fx.dir, name);
    writeFileSync(file, typeof p === 'string' ? p : proofText(p));
    return file;
  };
  return { dir: fx.dir, file: write(proof), proof, pubkey, closeTime: close.time, write };
}

const copy = (p: IncidentProof): IncidentProof => JSON.parse(JSON.stringify(p)) as IncidentProof;
const notIntact = (why: string | RegExp) =>
  expect.objectContaining({
    exitCode: 4,
    message: expect.stringMatching(
      typeof why === 'string' ? new RegExp(`is not an intact credctl incident proof: ${why.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : why,
    ),
    hint: 'Ask for the proof again from whoever closed the incident; do not trust this copy.',
  });

describe('an intact proof', () => {
  it('verifies with the pinned key and reports what the signed log says', async () => {
    const b = await build();
    expect(verifyProof(b.file, b.pubkey)).toEqual({
      incident: 'inc-20261207-101500-abcdef',
      title: 'CI log printed two keys',
      closedAt: b.closeTime, // the signed entry's time, not the record's copy
      credentials: 2,
      // open, cred-a's rotation, cred-b's (by fingerprint), the acceptance and the close; not someone-else's
      auditEntries: 5,
      pinnedKey: true,
    });
    expect(b.proof.coveredBy).toEqual([1, 2, 3, 5, 6]);
    expect(verifyProof(b.file).pinnedKey).toBe(false);
  });

  it('a close written again after a failed first try: the close that records this digest counts', async () => {
    const b = await build({ earlierClose: true });
    expect(verifyProof(b.file, b.pubkey).closedAt).toBe(b.closeTime);
  });

  it('the pinned key may differ from the proof copy in surrounding whitespace only', async () => {
    const b = await build();
    expect(verifyProof(b.file, `\n${b.pubkey}\n\n`).pinnedKey).toBe(true);
    // The proof's copy may carry the whitespace instead, when it is otherwise the pinned text.
    const spaced = copy(b.proof);
    spaced.audit.publicKey = `${b.pubkey}\n`;
    expect(verifyProof(b.write(spaced, 'spaced.json'), b.pubkey).pinnedKey).toBe(true);
  });

  it('a pinned key written in another PEM layout is still the key, when the proof holds the key as credctl writes it', async () => {
    const b = await build();
    expect(verifyProof(b.file, b.pubkey.replace(/\n/g, '\r\n')).pinnedKey).toBe(true);
  });
});

describe('a proof that is not intact says why (exit 4)', () => {
  it('not a file, not JSON, another format, or not byte for byte what credctl wrote', async () => {
    const b = await build();
    const dir = join(b.dir, 'a-directory');
    mkdirSync(dir);
    expect(() => verifyProof(dir)).toThrow(notIntact('not a regular file'));
    expect(() => verifyProof(b.write('{"format":', 'x.json'))).toThrow(notIntact('not valid JSON'));
    expect(() => verifyProof(b.write(proofText({ ...b.proof, format: 'other/v1' as never }), 'y.json'))).toThrow(notIntact(`not ${PROOF_FORMAT}`));
    expect(() => verifyProof(b.write(JSON.stringify(b.proof), 'z.json'))).toThrow(notIntact('it is not byte for byte what credctl wrote (edited?)'));
    // The format name is what tells any reader what the file is: an empty one is not this format.
    expect(() => verifyProof(b.write(proofText({ ...b.proof, format: '' as never }), 'e.json'))).toThrow(notIntact(`not ${PROOF_FORMAT}`));
    expect(JSON.parse(readFileSync(b.file, 'utf8')).format).toBe('credctl-incident-proof/v1');
    expect(() => verifyProof(b.write('null\n', 'n.json'))).toThrow(notIntact(`not ${PROOF_FORMAT}`));
  });

  it('a file larger than any proof is refused without being read', async () => {
    const b = await build();
    const big = join(b.dir, 'big.json');
    closeSync(openSync(big, 'w'));
    // Sparse: the size is what is checked.
    writeFileSync(big, '', { flag: 'w' });
    const fd = openSync(big, 'r+');
    const { ftruncateSync } = await import('node:fs');
    ftruncateSync(fd, 257 * 1024 * 1024);
    closeSync(fd);
    expect(() => verifyProof(big)).toThrow(notIntact('larger than 256 MiB'));
  });

  it('a missing part, a malformed record or close, an unreadable key', async () => {
    const b = await build();
    const noLog = copy(b.proof);
    noLog.audit.log = 7 as never;
    expect(() => verifyProof(b.write(noLog))).toThrow(notIntact('a part is missing'));
    for (const key of ['checkpoints', 'publicKey'] as const) {
      const p = copy(b.proof);
      delete (p.audit as Partial<IncidentProof['audit']>)[key];
      expect(() => verifyProof(b.write(p))).toThrow(notIntact('a part is missing'));
    }
    for (const part of ['incident', 'audit'] as const) {
      const p = copy(b.proof);
      (p as unknown as Record<string, unknown>)[part] = null;
      expect(() => verifyProof(b.write(p))).toThrow(notIntact('a part is missing'));
    }
    const open = copy(b.proof);
    delete open.incident.closed;
    expect(() => verifyProof(b.write(open))).toThrow(notIntact('a part is missing'));
    const record = copy(b.proof);
    record.incident.title = 5 as never;
    expect(() => verifyProof(b.write(record))).toThrow(notIntact('its incident record is malformed'));
    for (const change of [{ proofDigest: 5 }, { at: null }]) {
      const p = copy(b.proof);
      Object.assign(p.incident.closed!, change);
      expect(() => verifyProof(b.write(p))).toThrow(notIntact('its close is malformed'));
    }
    const key = copy(b.proof);
    key.audit.publicKey = 'not a key';
    expect(() => verifyProof(b.write(key))).toThrow(notIntact(/is not an intact credctl incident proof: .*public key in /));
  });

  it('another key than the one pinned, or a copy of the pinned key that is not byte for byte the same', async () => {
    const b = await build();
    expect(() => verifyProof(b.file, generateSigningKey().publicPem)).toThrow(notIntact('its public key is not the one given with --pubkey'));
    const crlf = copy(b.proof);
    crlf.audit.publicKey = b.pubkey.replace(/\n/g, '\r\n');
    expect(() => verifyProof(b.write(crlf), b.pubkey)).toThrow(notIntact('its copy of the public key is not byte for byte the key given with --pubkey'));
  });

  it('a --pubkey that is not a key is bad input (exit 3), named as the --pubkey file', async () => {
    const b = await build();
    expect(() => verifyProof(b.file, 'not a key')).toThrow(
      expect.objectContaining({ exitCode: 3, message: expect.stringMatching(/^the --pubkey file is not an Ed25519 public key/) }),
    );
  });

  it('an audit log that does not verify names its first problem', async () => {
    const b = await build();
    const p = copy(b.proof);
    p.audit.log = p.audit.log.replace('{"credential":"cred-a"}', '{"credential":"cred-x"}');
    expect(() => verifyProof(b.write(p), b.pubkey)).toThrow(notIntact(/its audit log does not verify: entry seq 2 \(line 2\) was edited/));
  });

  it('contents other than the signed close recorded, or a record whose digest was edited', async () => {
    const b = await build();
    const p = copy(b.proof);
    p.credentials[0]!.state = 'exposed';
    expect(() => verifyProof(b.write(p), b.pubkey)).toThrow(notIntact('its contents differ from what the signed close entry recorded'));
    const d = copy(b.proof);
    d.incident.closed!.proofDigest = 'e'.repeat(64);
    expect(() => verifyProof(b.write(d), b.pubkey)).toThrow(notIntact('its contents differ from what the signed close entry recorded'));
  });

  it('a close entry that records a failure is no close', async () => {
    const b = await build({ failedClose: true });
    expect(() => verifyProof(b.file, b.pubkey)).toThrow(notIntact('its contents differ from what the signed close entry recorded'));
  });

  it('a record that disagrees with the signed log, whatever the digest says', async () => {
    const cases: [Options, string][] = [
      [{ noOpen: true }, 'the audit log has no opening of it'],
      [{ openedWith: ['cred-a'] }, 'its credentials differ from those the audit log says it opened with'],
      [{ acceptedInLog: 'another reason' }, 'the acceptance of cred-b is not in the audit log'],
    ];
    for (const [opts, why] of cases) {
      const b = await build(opts);
      expect(() => verifyProof(b.file, b.pubkey)).toThrow(notIntact(`its incident record disagrees with its audit log: ${why}`));
    }
  });

  it('a close that no signed checkpoint covers', async () => {
    const b = await build({ noCheckpointAfterClose: true });
    expect(() => verifyProof(b.file, b.pubkey)).toThrow(notIntact('no signed checkpoint covers the close entry'));
  });

  it('cited entries that are not exactly those that concern the incident', async () => {
    const b = await build();
    for (const coveredBy of [[1, 2, 3, 5], [1, 2, 3, 4, 5, 6], 'all']) {
      const p = copy(b.proof);
      p.coveredBy = coveredBy as never;
      expect(() => verifyProof(b.write(p), b.pubkey)).toThrow(notIntact('the audit entries it cites are not exactly those that concern the incident'));
    }
  });

  it('a path that cannot be read is bad input (exit 3) and says so', async () => {
    const b = await build();
    expect(() => verifyProof(join(b.dir, 'nope.json'))).toThrow(
      expect.objectContaining({ exitCode: 3, message: `cannot read ${join(b.dir, 'nope.json')}: ENOENT` }),
    );
  });
});

describe('which entries concern an incident, and what the record must agree with', () => {
  // These read entries without checking signatures (verify does that first), so plain lines do.
  const log = (...entries: object[]) => `${entries.map((e, i) => JSON.stringify({ seq: i + 1, ...e })).join('\n')}\n`;
  const record = (accepted?: string) =>
    ({
      id: 'inc-1',
      credentials: [{ id: 'a', ...(accepted ? { accepted: { reason: accepted } } : {}) }, { id: 'b' }],
    }) as unknown as IncidentRecord;
  const open = { action: 'incident.open', details: { incident: 'inc-1', credentials: ['b', 'a'] } };

  it('the entries of the incident and of rotations of its credentials, by credential or fingerprint', () => {
    const text = log(
      { action: 'credential.rotate', subject: { credential: 'x' } },
      open,
      { action: 'credential.rotate', subject: { credential: 'a' } },
      { action: 'credential.rotate', subject: { fingerprint: 'b' } },
      { action: 'credential.rotate', subject: { fingerprint: 'x', credential: 7 } },
      { action: 'incident.note', details: { incident: 'inc-2' } },
      { action: 'store.read', subject: {} },
      { action: 'store.read' },
    );
    expect(coveringEntries(text, record())).toEqual([2, 3, 4]);
  });

  it('opened with the same credentials in any order, and each acceptance said in the log', () => {
    expect(incidentLogMismatch(record(), log(open))).toBeUndefined();
    const accept = { action: 'incident.accept', subject: { credential: 'a' }, details: { incident: 'inc-1', reason: 'by hand' } };
    expect(incidentLogMismatch(record('by hand'), log(open, accept))).toBeUndefined();
    for (const wrong of [
      { ...accept, action: 'incident.note' },
      { ...accept, details: { ...accept.details, incident: 'inc-2' } },
      { ...accept, subject: { credential: 'b' } },
      { ...accept, subject: undefined },
      { ...accept, details: { incident: 'inc-1', reason: 'another' } },
      { ...accept, details: undefined },
    ]) {
      expect(incidentLogMismatch(record('by hand'), log(open, wrong))).toBe('the acceptance of a is not in the audit log');
    }
  });

  it('the opening is the incident.open entry of this incident', () => {
    expect(incidentLogMismatch(record(), log({ ...open, action: 'incident.note' }))).toBe('the audit log has no opening of it');
    expect(incidentLogMismatch(record(), log({ ...open, details: { ...open.details, incident: 'inc-2' } }))).toBe('the audit log has no opening of it');
    expect(incidentLogMismatch(record(), log({ ...open, details: { incident: 'inc-1' } }))).toBe(
      'its credentials differ from those the audit log says it opened with',
    );
    // An opening that lists no credentials matches only an incident with none.
    const none = { id: 'inc-1', credentials: [] } as unknown as IncidentRecord;
    expect(incidentLogMismatch(none, log({ ...open, details: { incident: 'inc-1' } }))).toBeUndefined();
    expect(incidentLogMismatch(record(), log({ ...open, details: { incident: 'inc-1', credentials: ['a', 'b', 'c'] } }))).toBe(
      'its credentials differ from those the audit log says it opened with',
    );
  });
});

describe('the parts a proof is made of', () => {
  it('incidentLogMismatch reads acceptances by incident, credential and reason', async () => {
    const b = await build();
    const record = b.proof.incident;
    expect(incidentLogMismatch(record, b.proof.audit.log)).toBeUndefined();
    const otherIncident = { ...record, id: 'inc-other' };
    expect(incidentLogMismatch(otherIncident, b.proof.audit.log)).toBe('the audit log has no opening of it');
    // A record with no acceptance needs none in the log.
    const none = copy(b.proof).incident;
    delete none.credentials[1]!.accepted;
    expect(incidentLogMismatch(none, b.proof.audit.log)).toBeUndefined();
  });

  it('proofCredentials keeps ids, names, state and targets, and the acceptance only when there is one', () => {
    const progress = [
      {
        credential: { id: 'a', names: ['A'], provider: 'p', redacted: 'r', accepted: { reason: 'why', verified: 'refused at opening' } },
        state: 'accepted',
        targets: [
          { label: '.env', envName: 'A', state: 'written' },
          { label: 'vault', state: 'pending' },
        ],
      },
      { credential: { id: 'b', names: ['B'], provider: 'p', redacted: 'r' }, state: 'old-revoked', runId: 'run-9', targets: [] },
      { credential: { id: 'c', names: ['C'], provider: 'p', redacted: 'r', accepted: { reason: 'by hand' } }, state: 'accepted', targets: [] },
    ] as unknown as CredentialProgress[];
    expect(proofCredentials(progress)).toEqual([
      {
        id: 'a',
        names: ['A'],
        provider: 'p',
        redacted: 'r',
        state: 'accepted',
        targets: [
          { label: '.env', envName: 'A', state: 'written' },
          { label: 'vault', state: 'pending' },
        ],
        accepted: { reason: 'why', verified: 'refused at opening' },
      },
      { id: 'b', names: ['B'], provider: 'p', redacted: 'r', state: 'old-revoked', runId: 'run-9', targets: [] },
      { id: 'c', names: ['C'], provider: 'p', redacted: 'r', state: 'accepted', targets: [], accepted: { reason: 'by hand' } },
    ]);
  });

  it('the digest covers the close time and author but not the digest itself', async () => {
    const b = await build();
    const base = { incident: b.proof.incident, credentials: b.proof.credentials, verification: b.proof.verification };
    const d = proofDigest(base);
    expect(d).toMatch(/^[0-9a-f]{64}$/);
    expect(proofDigest({ ...base, incident: { ...base.incident, closed: { ...base.incident.closed!, proofDigest: 'x' } } })).toBe(d);
    expect(proofDigest({ ...base, incident: { ...base.incident, closed: { ...base.incident.closed!, at: '2030-01-01T00:00:00.000Z' } } })).not.toBe(d);
    expect(proofDigest({ ...base, incident: { ...base.incident, closed: { ...base.incident.closed!, by: 'mallory@x' } } })).not.toBe(d);
    const { closed: _c, ...open } = base.incident;
    expect(proofDigest({ ...base, incident: open })).not.toBe(d);
    expect(proofDigest({ ...base, verification: [] })).not.toBe(d);
  });

  it('the text form is the JSON with one-space indentation and a final newline', async () => {
    const b = await build();
    expect(proofText(b.proof)).toBe(`${JSON.stringify(b.proof, null, 1)}\n`);
  });
});
