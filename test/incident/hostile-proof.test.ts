import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROOF_FORMAT, verifyProof } from '../../src/incident/proof.js';

// `credctl incident verify` runs on a file someone handed over: a proof of any shape is "not
// intact" (exit 4), an unreadable path is bad input (exit 3), and nothing is ever a crash.
const dir = mkdtempSync(join(tmpdir(), 'credctl-hostile-proof-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const canonical = (v: unknown) => JSON.stringify(v, null, 1) + '\n';

describe('incident verify on hostile files', () => {
  const shapes: [string, string][] = [
    ['empty', ''],
    ['not json', '{"format": '],
    ['a number', '42\n'],
    ['null', 'null\n'],
    ['another format', canonical({ format: 'credctl-audit-bundle/v1' })],
    ['no parts', canonical({ format: PROOF_FORMAT })],
    ['incident without close', canonical({ format: PROOF_FORMAT, incident: { id: 'x' }, audit: { log: '', checkpoints: '', publicKey: '' } })],
    [
      'credentials not a list',
      canonical({
        format: PROOF_FORMAT,
        incident: { schemaVersion: 1, id: 'x', title: 't', openedAt: 't', sources: [], credentials: 'all', closed: { at: 't', proofDigest: 'd' } },
        credentials: [],
        verification: [],
        coveredBy: [],
        audit: { log: '', checkpoints: '', publicKey: 'k' },
      }),
    ],
    [
      'a key that is not a key',
      canonical({
        format: PROOF_FORMAT,
        incident: { schemaVersion: 1, id: 'x', title: 't', openedAt: 't', sources: [], credentials: [], closed: { at: 't', proofDigest: 'd' } },
        credentials: [],
        verification: [],
        coveredBy: 'all',
        audit: { log: '{}\n', checkpoints: '', publicKey: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' },
      }),
    ],
  ];
  for (const [name, text] of shapes) {
    it(`${name}: exit 4`, () => {
      expect(() => verifyProof(file(`${name}.json`, text))).toThrow(expect.objectContaining({ exitCode: 4 }));
    });
  }
  it('a path that does not exist: exit 3', () => {
    expect(() => verifyProof(join(dir, 'nope.json'))).toThrow(expect.objectContaining({ exitCode: 3 }));
  });
});

describe('a damaged incident record', () => {
  it('is a clear error (exit 3), never a crash, and blast-radius goes on without it', async () => {
    const { projectState } = await import('../../src/state/files.js');
    const { projectPaths } = await import('../../src/core/paths.js');
    const { readIncident } = await import('../../src/incident/record.js');
    const { recoveredCredentials } = await import('../../src/incident/progress.js');
    const root = mkdtempSync(join(tmpdir(), 'credctl-damaged-incident-'));
    const state = projectState(projectPaths(root));
    // Passes a shallow look (ids, names, evidence) but lacks where it was kept.
    state.incidents.write({
      schemaVersion: 1,
      id: 'inc-20260101-000000-abcdef',
      title: 't',
      openedAt: 't',
      sources: [],
      credentials: [{ id: 'fp_1', names: ['A'], evidence: [], provider: 'x', redacted: 'r' }],
    } as never);
    expect(() => readIncident(state.incidents, 'inc-20260101-000000-abcdef')).toThrow(expect.objectContaining({ exitCode: 3 }));
    const warnings: string[] = [];
    expect(recoveredCredentials(state, (m) => warnings.push(m)).size).toBe(0);
    expect(warnings.join(' ')).toMatch(/incident inc-20260101-000000-abcdef skipped/);
  });
});
