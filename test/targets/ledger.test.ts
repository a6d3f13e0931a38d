import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fingerprint } from '../../src/core/fingerprint.js';
import { fileLedger } from '../../src/state/files.js';
import { tempProject } from './helpers.js';

describe('fileLedger', () => {
  let p: ReturnType<typeof tempProject>;
  afterEach(() => p?.cleanup());

  it('keeps fingerprints and server times across instances, in a 0600 file, without values', async () => {
    p = tempProject();
    const path = join(p.root, '.credctl', 'target-ledger.json');
    const value = 'ghp_FAKEledgervalue000000000000000001';
    const a = fileLedger(path);
    await Promise.all([
      a.set('k1', { fingerprint: fingerprint(value), remoteUpdatedAt: '2026-01-01T00:00:00Z' }),
      a.set('k2', { fingerprint: fingerprint('x'), remoteUpdatedAt: '2026-01-01T00:00:01Z' }),
    ]);
    const b = fileLedger(path);
    expect(await b.get('k1')).toEqual({ fingerprint: fingerprint(value), remoteUpdatedAt: '2026-01-01T00:00:00Z' });
    expect(await b.get('k2')).toBeDefined();
    expect(await b.get('nope')).toBeUndefined();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).not.toContain(value);
  });
});
