import type { Plan, PlanCredential } from './types.js';

/**
 * A plan file is checked, never obeyed: `credctl apply` rebuilds the plan for the same
 * credentials from the project as it is now (graph, trusted credctl.yaml, providers) and refuses
 * any difference in what would run: providers, issuers, scopes, targets and their paths, env
 * names, health checks, manual steps, guards and order. An edited plan could otherwise send a
 * token elsewhere, run a command, write outside the project, or drop the inject steps of a
 * target and have the old key revoked while that target still holds it.
 *
 * Scopes must match too (a wider list would mint a more powerful key): narrow them in
 * credctl.yaml (credentials.<NAME>.scopes), which is where the plan takes them from.
 */
export function planDifferences(given: Plan, expected: Plan): string[] {
  const out: string[] = [];
  const exp = new Map(expected.credentials.map((c) => [c.id, c]));
  for (const c of given.credentials) {
    const e = exp.get(c.id);
    if (!e) {
      out.push(`credential ${c.names[0] ?? c.id} is not one credctl would rotate now`);
      continue;
    }
    out.push(...credentialDifferences(c, e));
  }
  const givenIds = new Set(given.credentials.map((c) => c.id));
  for (const e of expected.credentials) if (!givenIds.has(e.id)) out.push(`credential ${e.names[0] ?? e.id} is missing from the plan`);
  if (canonical(given.order.batches) !== canonical(expected.order.batches)) out.push('the rotation order differs from the safe order');
  if (canonical(given.order.cycles) !== canonical(expected.order.cycles)) out.push('the guard cycles differ');
  return out;
}

const FIELDS: (keyof PlanCredential)[] = [
  'names',
  'provider',
  'kind',
  'environment',
  'redacted',
  'issuer',
  'scopes',
  'storeName',
  'strategy',
  'guards',
  'manualTargets',
];

function credentialDifferences(c: PlanCredential, e: PlanCredential): string[] {
  const who = e.names[0] ?? e.id;
  const out: string[] = [];
  for (const f of FIELDS) if (canonical(c[f]) !== canonical(e[f])) out.push(`${who}: ${f} differs`);
  const expSteps = new Map(e.steps.map((s) => [s.id, s]));
  for (const s of c.steps) {
    const x = expSteps.get(s.id);
    if (!x) out.push(`${who}: step ${s.action} (${s.id}) is not one credctl would run`);
    else if (canonical(s) !== canonical(x)) {
      const keys = [...new Set([...Object.keys(s), ...Object.keys(x)])].filter((k) => canonical((s as never)[k]) !== canonical((x as never)[k]));
      out.push(`${who}: step ${s.id} differs in ${keys.join(', ')}`);
    }
  }
  const given = new Set(c.steps.map((s) => s.id));
  for (const x of e.steps) if (!given.has(x.id)) out.push(`${who}: step ${x.action} (${x.id}) is missing`);
  if (
    c.steps.map((s) => s.id).join('\n') !==
    e.steps
      .filter((x) => given.has(x.id))
      .map((x) => x.id)
      .join('\n')
  )
    out.push(`${who}: the steps are out of order`);
  return out;
}

/** JSON with object keys sorted, so equal data compares equal whatever the key order. */
function canonical(v: unknown): string {
  return (
    JSON.stringify(v, (_k, val: unknown) =>
      val && typeof val === 'object' && !Array.isArray(val)
        ? Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
        : val,
    ) ?? 'undefined'
  );
}

/**
 * For a stored run's plan (`apply --resume`), which cannot be rebuilt once targets hold the new
 * value: its health checks must each be one that trusted credctl.yaml declares for that
 * credential (a run directory is a file tree a repository could plant). Issuers, paths and API
 * addresses are checked where they are used.
 */
export function undeclaredHealthChecks(plan: Plan, declared: (names: string[]) => unknown[]): string[] {
  const out: string[] = [];
  for (const c of plan.credentials) {
    const allowed = declared(c.names).map(canonical);
    for (const s of c.steps)
      if (s.action === 'health' && !allowed.includes(canonical(s.check)))
        out.push(`${c.names[0] ?? c.id}: health step ${s.id} is not declared in credctl.yaml`);
  }
  return out;
}
