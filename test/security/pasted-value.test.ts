import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkPastedValue } from '../../src/apply/context.js';
import type { PlanCredential } from '../../src/plan/types.js';

// A replacement pasted at the hidden prompt is checked before it is sealed and written anywhere:
// a mistyped or wrong value (`not-a-webhook-secret`) is refused unless --force.

const cred = (provider: string, kind: string, name: string) =>
  ({
    id: 'fp_000000000000000000000000',
    names: [name],
    provider,
    kind,
    redacted: '…',
    storeName: name,
    strategy: 'manual',
    guards: [],
    steps: [],
  }) as PlanCredential;

describe('a pasted replacement', () => {
  it("must look like the provider's credential of that kind", () => {
    expect(checkPastedValue(cred('stripe', 'webhook_secret', 'STRIPE_WEBHOOK_SECRET'), 'not-a-webhook-secret')).toMatch(
      /does not look like a Stripe webhook secret/,
    );
    expect(checkPastedValue(cred('stripe', 'webhook_secret', 'STRIPE_WEBHOOK_SECRET'), 'whsec_FAKEq8Zr2Lm4Vx7Tn1Wp9Ks3Hd6Jc5')).toBeUndefined();
    expect(checkPastedValue(cred('stripe', 'api_key', 'STRIPE_SECRET_KEY'), 'whsec_FAKEq8Zr2Lm4Vx7Tn1Wp9Ks3Hd6Jc5')).toMatch(/does not look like/);
    expect(checkPastedValue(cred('stripe', 'api_key', 'STRIPE_SECRET_KEY'), 'sk_live_FAKEq8Zr2Lm4Vx7Tn1Wp9Ks3Hd6Jc5')).toBeUndefined();
  });

  it('falls back to the detection rules where no pattern is published, and accepts anything for a generic secret', () => {
    expect(checkPastedValue(cred('aws', 'secret_access_key', 'AWS_SECRET_ACCESS_KEY'), 'hunter2')).toMatch(/does not look like/);
    // A real-looking secret (random, made here: the rules drop obvious stand-ins like FAKE...).
    const random40 = randomBytes(30).toString('base64').replace(/[+/=]/g, 'A').slice(0, 40);
    expect(checkPastedValue(cred('aws', 'secret_access_key', 'AWS_SECRET_ACCESS_KEY'), random40)).toBeUndefined();
    expect(checkPastedValue(cred('generic', 'password', 'SESSION_SECRET'), 'anything at all')).toBeUndefined();
  });
});
