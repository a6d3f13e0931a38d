import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rotatedAt } from '../../src/report/facts.js';

// `inventory` and `status` say when credctl last rotated a credential. A replacement pasted at a
// manual step is as much a rotation by credctl as one made through the provider's API; a failed
// step is not one at all.
describe('rotatedAt', () => {
  it('counts replacements made by API, pasted at a manual step or generated, and only when the step succeeded', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'credctl-rotated-')), 'audit.jsonl');
    const entry = (seq: number, action: string, outcome: string, fp: string) =>
      JSON.stringify({ v: 1, seq, time: `2026-03-0${seq}T00:00:00.000Z`, actor: 't', action, subject: {}, outcome, details: { newFingerprint: fp } });
    writeFileSync(
      file,
      [
        entry(1, 'rotate.create', 'ok', 'fp_api'),
        entry(2, 'rotate.manual-create', 'ok', 'fp_manual'),
        entry(3, 'rotate.generate', 'ok', 'fp_generated'),
        entry(4, 'rotate.manual-create', 'failed', 'fp_failed'),
        entry(5, 'store.put', 'ok', 'fp_stored'),
      ].join('\n') + '\n',
    );
    expect(Object.fromEntries(rotatedAt(file))).toEqual({
      fp_api: '2026-03-01T00:00:00.000Z',
      fp_manual: '2026-03-02T00:00:00.000Z',
      fp_generated: '2026-03-03T00:00:00.000Z',
    });
  });
});
