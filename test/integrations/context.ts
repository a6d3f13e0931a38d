/** An IntegrationContext pointed at a stand-in, for integration tests. */
import { expect } from 'vitest';
import { CredctlError } from '../../src/core/errors.js';
import { integrationContext } from '../../src/integrations/context.js';
import { integrationNamed } from '../../src/integrations/registry.js';
import type { IntegrationContext } from '../../src/integrations/types.js';
import type { StandInAnswer } from './standin.js';

export function contextFor(id: string, api: string, opts: { provider?: string; settings?: Record<string, string>; admin?: string } = {}): IntegrationContext {
  const integration = integrationNamed(id);
  if (!integration) throw new Error(`no integration ${id}`);
  return integrationContext({
    integration,
    provider: opts.provider ?? id,
    api,
    settings: opts.settings,
    ...(opts.admin !== undefined ? { adminSecret: async () => opts.admin! } : {}),
  });
}

/** What a refused call left: its message, hint and exit code. */
export interface Failure {
  message: string;
  hint?: string;
  exitCode: number;
}

/**
 * Everything a test got back, kept (through `keep` and `failure`) so that the file can check at
 * its end that no secret value appears in any result, reason, message or error.
 */
export function keptAnswers() {
  const seen: unknown[] = [];
  const keep = <T>(x: T): T => (seen.push(x), x);
  /** The error a call failed with (undefined when it did not fail), kept. */
  const failure = async (p: Promise<unknown>): Promise<Failure | undefined> =>
    keep(
      await p.then(
        () => undefined,
        (e: any) => ({ message: e.message, hint: e.hint, exitCode: e.exitCode }),
      ),
    );
  return { seen, keep, failure };
}

/** The rejection of a promise, which must be a CredctlError (a one-line error with an exit code, never a crash). */
export async function credctlRejection(p: Promise<unknown>): Promise<CredctlError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CredctlError);
  return err as CredctlError;
}

/**
 * `failure` for a file that ends by checking no value appears in anything it was shown: the
 * rejection must be a CredctlError (never a TypeError), and its message and hint are kept in `shown`.
 */
export function keptRejection(shown: string[]): (p: Promise<unknown>) => Promise<CredctlError> {
  return async (p) => {
    const err = await credctlRejection(p);
    shown.push(err.message, err.hint ?? '');
    return err;
  };
}

/**
 * The next `method path` call to the stand-in is redirected to a same-origin address holding
 * `values`, and from there to another origin, which the safe client refuses in an error that
 * quotes the first hop. Only the call's own list of values to mask keeps them out of that error,
 * so a test of this proves the call masks what it carries.
 */
export function redirectThrough(
  api: { answerNext(method: string, path: string | RegExp, answer: StandInAnswer): void },
  method: string,
  path: string | RegExp,
  ...values: string[]
): void {
  const hop = `/hop/${values.join('/')}`;
  api.answerNext(method, path, { status: 307, headers: { location: hop } });
  api.answerNext(method, hop, { status: 307, headers: { location: 'https://elsewhere.example/' } });
}
