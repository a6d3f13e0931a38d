/**
 * What the standard client shows of an issuer's refusal, beyond client.test.ts: an issuer that
 * quotes the value it was sent (to whoami, to revoke) does not get it shown, even a value short
 * and dotted enough that no long-token cut would hide it; its words reach the terminal without
 * control characters (no escape sequence from an issuer paints or moves anything), and at
 * most 300 characters of them; and a Retry-After of exactly the 30 s cap is waited out, not
 * refused.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { IssuerResponseError, MAX_RETRY_AFTER_SECONDS, StandardClient, problemOf } from '../../../src/integrations/standard/client.js';
import { startAcmeIssuer, type AcmeIssuer } from '../../standard/independent-issuer/acme-issuer.js';

const SHORT = 'acme_FAKE.echo.01';
let acme: AcmeIssuer;
beforeAll(async () => {
  acme = await startAcmeIssuer();
});
afterAll(async () => acme?.close());

const client = () => new StandardClient({ providerId: 'acme', issuer: acme.url, adminToken: acme.adminToken });
async function refusal(p: Promise<unknown>): Promise<IssuerResponseError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(IssuerResponseError);
  return err as IssuerResponseError;
}

it('whoami: an issuer that quotes the value in its refusal does not get it shown', async () => {
  acme.answerNext({ status: 400, body: { error: 'invalid_token', error_description: `no such key ${SHORT} here` } }, '/api/me');
  const err = await refusal(client().whoami(SHORT));
  expect(err.status).toBe(400);
  expect(err.message).toContain('no such key');
  expect(err.message).not.toContain(SHORT);
});

it('revoke by value: an issuer that quotes the value in its refusal does not get it shown', async () => {
  acme.answerNext({ status: 400, body: { error: 'invalid_request', error_description: `cannot revoke ${SHORT} now` } }, '/api/revoke');
  const err = await refusal(client().revoke({ value: SHORT }));
  expect(err.status).toBe(400);
  expect(err.message).toContain('cannot revoke');
  expect(err.message).not.toContain(SHORT);
});

it("an issuer's words lose their control characters (an escape sequence paints nothing)", () => {
  const { description } = problemOf({ error: 'invalid_request', error_description: 'bad\u001b[31m red\u0007 \u009b2Jtext' });
  expect(description).toBe('bad [31m red 2Jtext');
  expect(description).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
});

it("an issuer's words are cut to 300 characters, however much it says", () => {
  const { description } = problemOf({ error: 'invalid_request', error_description: `start ${'word '.repeat(400)}` });
  expect(description).toHaveLength(300);
  expect(description!.startsWith('start word word')).toBe(true);
});

it(`a Retry-After of exactly ${MAX_RETRY_AFTER_SECONDS} s is waited out, and the call then succeeds`, async () => {
  const c = client();
  await c.getManifest();
  acme.answerNext({ status: 429, body: { error: 'too_many_requests' }, headers: { 'retry-after': String(MAX_RETRY_AFTER_SECONDS) } }, '/api/keys');
  vi.useFakeTimers({ toFake: ['setTimeout'] });
  try {
    const listed = c.list().then(
      (l) => ({ ok: Array.isArray(l) }),
      (e: Error) => ({ ok: false, message: e.message }),
    );
    // The 429 arrives over the network, then the client sleeps on a (fake) timer: time is moved
    // on in small steps, letting the network answer in between, until the call has settled.
    let settled: unknown;
    void listed.then((r) => {
      settled = r;
    });
    for (let i = 0; i < 400 && settled === undefined; i++) {
      await vi.advanceTimersByTimeAsync(250);
      await new Promise((r) => setImmediate(r));
    }
    vi.useRealTimers();
    expect(await listed).toEqual({ ok: true });
  } finally {
    vi.useRealTimers();
  }
});
