/**
 * Every exit code credctl can return. Documented in README.md and in `credctl --help`;
 * scripts and CI gates depend on these numbers, so never renumber one.
 */
export const ExitCode = {
  /** Success; for scan/status/blast-radius: nothing found, nothing due. */
  Ok: 0,
  /** The command worked and found something: secrets (scan), items due (status), exposure (blast-radius). */
  Findings: 1,
  /** Bad usage: unknown flag, missing argument, conflicting options. */
  Usage: 2,
  /** Bad input: a malformed file, manifest, plan, YAML, .env or report that credctl was asked to read. */
  BadInput: 3,
  /** Integrity failure: audit log or bundle does not verify, a signature or hash is wrong. */
  Integrity: 4,
  /** A provider, issuer or target could not be reached or answered badly. */
  Remote: 5,
  /** Refused for safety: stale plan, input needed under --no-input, unsafe write, not confirmed. */
  Refused: 6,
  /** A rotation run failed; what it did was rolled back and recorded in its journal. */
  RunFailed: 7,
  /** The secret store is unavailable or locked. */
  Store: 8,
  /** Cancelled by the person (Ctrl-C) at a prompt or during a rotation run: 128 + SIGINT, the shell's convention. */
  Cancelled: 130,
  /** A bug in credctl (an unexpected exception). Please report it. */
  Internal: 70,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODE_HELP = `Exit codes:
  0   success; nothing found or due
  1   findings: secrets found, items due, exposure found (change with --exit-code N where offered)
  2   bad usage (unknown flag, missing argument)
  3   bad input (malformed file, manifest, plan, YAML, .env, report)
  4   integrity failure (audit log or bundle does not verify)
  5   provider, issuer or target unreachable or answered badly
  6   refused for safety (stale plan, input needed with --no-input, not confirmed)
  7   rotation run failed and was rolled back
  8   secret store unavailable or locked
  70  internal error (a bug: please report it)
  130 cancelled with Ctrl-C (at a prompt, or during a run: resume it with apply --resume)`;
