/**
 * The pre-commit hook's command line, `credctl scan --staged` exactly (what `credctl hook install`
 * and .pre-commit-hooks.yaml run). bin/credctl and main.ts send it down the short path in
 * staged-hook.ts; any other argument list goes through the full CLI. Kept in its own tiny module
 * so checking it costs nothing.
 */
export const STAGED_HOOK_ARGS = ['scan', '--staged'] as const;

export function isStagedHookCommand(argv: string[]): boolean {
  return argv.length === 2 + STAGED_HOOK_ARGS.length && STAGED_HOOK_ARGS.every((a, i) => argv[2 + i] === a);
}
