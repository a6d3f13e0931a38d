import { expect } from 'vitest';
import { CredctlError } from '../../src/core/errors.js';
import { ExitCode } from '../../src/core/exit-codes.js';
import { parseTargetRef } from '../../src/integrations/targets.js';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A fresh project directory per test, removed afterwards. */
export function tempProject(): {
  root: string;
  file(rel: string, text?: string, mode?: number): string;
  read(rel: string): string;
  mode(rel: string): number;
  cleanup(): void;
} {
  const root = mkdtempSync(join(tmpdir(), 'credctl-targets-'));
  return {
    root,
    file(rel, text, mode = 0o644) {
      const p = join(root, rel);
      if (text !== undefined) {
        mkdirSync(dirname(p), { recursive: true });
        writeFileSync(p, text, { mode });
      }
      return p;
    },
    read: (rel) => readFileSync(join(root, rel), 'utf8'),
    mode: (rel) => statSync(join(root, rel)).mode & 0o777,
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Everything a result or error could show, as one string, for canary checks. */
export function everything(x: unknown): string {
  if (x instanceof Error) return `${x.message}\n${(x as { hint?: string }).hint ?? ''}\n${x.stack ?? ''}`;
  return JSON.stringify(x);
}

/** The CredctlError a promise rejects with (the test fails if it resolves or throws something else). */
export async function failure(p: Promise<unknown>): Promise<CredctlError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CredctlError);
  return e as CredctlError;
}

/** The one-line message with which a target ref of `type` is refused as bad input (exit 3). */
export function refusedRef(type: string): (raw: Record<string, unknown>) => string {
  return (raw) => {
    try {
      parseTargetRef({ type, ...raw });
    } catch (e) {
      expect((e as CredctlError).exitCode).toBe(ExitCode.BadInput);
      return (e as CredctlError).message;
    }
    throw new Error('accepted');
  };
}
