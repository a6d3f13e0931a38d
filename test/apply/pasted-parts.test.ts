import { describe, expect, it } from 'vitest';
import { checkPastedValue } from '../../src/apply/context.js';
import type { PlanCredential } from '../../src/plan/types.js';

// A replacement made by hand comes with its parts pasted too (the AWS key id beside the secret):
// each is checked against the pattern its integration declares, as the secret itself is (left
// from the last review: a key id pasted into the wrong prompt was stored as it was).
const cred = { id: 'fp_1', names: ['AWS_SECRET_ACCESS_KEY'], provider: 'aws', kind: 'secret_access_key', redacted: 'r' } as PlanCredential;

describe('pasted parts', () => {
  it('accepts an access key id and refuses what is not one, naming the part', () => {
    expect(checkPastedValue(cred, 'AKIAFAKE0123456789AB', 'access-key-id')).toBeUndefined();
    expect(checkPastedValue(cred, 'ASIAFAKE0123456789AB', 'access-key-id')).toBeUndefined();
    expect(checkPastedValue(cred, 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKEKEY0123', 'access-key-id')).toMatch(
      /^that does not look like its access key id \(Amazon Web Services/,
    );
    expect(checkPastedValue(cred, 'AKIAFAKE0123456789AB extra', 'access-key-id')).toMatch(/does not look like/);
  });
});
