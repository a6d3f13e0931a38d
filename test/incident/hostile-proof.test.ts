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
