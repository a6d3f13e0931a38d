import { describe, expect, it } from 'vitest';
import type { Plan, PlanCredential, PlanStep } from '../../src/plan/types.js';
import { planDifferences, undeclaredHealthChecks } from '../../src/plan/verify.js';

// `credctl apply PLAN` never obeys a plan file: it rebuilds the plan from the project and refuses
// every difference in what would run. Each edit an attacker could make to a committed plan must
// come back as a named difference; a plan equal in substance (keys in another order) must not.

function step(id: string, action: PlanStep['action'], extra: Partial<PlanStep> = {}): PlanStep {
  return { id, action, description: `${action} ${id}`, ...extra };
}

function credential(id: string, name: string, extra: Partial<PlanCredential> = {}): PlanCredential {
  return {
    id,
    names: [name],
    provider: 'openai',
    kind: 'api_key',
    environment: 'production',
    redacted: 'sk-...FAKE',
    storeName: `credctl/${name}`,
    strategy: 'api',
    guards: [],
    steps: [
      step(`${id}-1`, 'snapshot'),
      step(`${id}-2`, 'create'),
      step(`${id}-3`, 'inject', { target: { type: 'dotenv', file: '.env' }, envName: name }),
      step(`${id}-4`, 'health', { check: { http: { url: 'https://api.example.test/health' } } as never }),
      step(`${id}-5`, 'revoke', { mode: 'revoke' }),
    ],
    ...extra,
  } as PlanCredential;
}

function plan(credentials: PlanCredential[], order: Plan['order'] = { batches: [credentials.map((c) => c.id)], cycles: [], rule: 'consumers first' }): Plan {
  return {
    apiVersion: 'credctl/v1',
    kind: 'RotationPlan',
    id: 'plan-1',
    createdAt: '2026-12-07T00:00:00Z',
    root: '/project',
    inputs: { graph: 'g', files: {}, manifests: {}, tool: 'credctl' },
    order,
    credentials,
  };
}

const expected = () => plan([credential('c1', 'OPENAI_API_KEY'), credential('c2', 'STRIPE_SECRET_KEY', { provider: 'stripe' })]);

describe('planDifferences', () => {
  it('an unchanged plan has no differences, whatever the key order in the file', () => {
    const given = expected();
    const reordered = JSON.parse(JSON.stringify(given), (_k, v) =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
    ) as Plan;
    expect(planDifferences(given, expected())).toEqual([]);
    expect(planDifferences(reordered, expected())).toEqual([]);
  });

  it.each([
    ['names', { names: ['OTHER_NAME'] }],
    ['provider', { provider: 'attacker' }],
    ['kind', { kind: 'admin_key' }],
    ['environment', { environment: 'staging' }],
    ['redacted', { redacted: 'sk-...0000' }],
    ['issuer', { issuer: 'https://evil.example.test' }],
    ['scopes', { scopes: ['admin'] }],
    ['storeName', { storeName: 'credctl/elsewhere' }],
    ['strategy', { strategy: 'manual' }],
    ['guards', { guards: ['c2'] }],
    ['manualTargets', { manualTargets: [{ place: 'x', envName: 'Y', key: 'k' }] }],
  ] as const)('an edited %s is named', (field, change) => {
    const given = expected();
    Object.assign(given.credentials[0]!, change);
    // Named by the expected credential's name, even when the plan renamed it.
    expect(planDifferences(given, expected())).toEqual([`OPENAI_API_KEY: ${field} differs`]);
  });

  it('a credential credctl would not rotate, and one dropped from the plan, are each named', () => {
    const given = expected();
    given.credentials[1] = credential('c9', 'PLANTED_KEY');
    expect(planDifferences(given, expected())).toEqual([
      'credential PLANTED_KEY is not one credctl would rotate now',
      'credential STRIPE_SECRET_KEY is missing from the plan',
    ]);
  });

  it('a credential with no name is named by its id', () => {
    const given = expected();
    given.credentials[1] = { ...credential('c9', 'X'), names: [] };
    const exp = expected();
    exp.credentials[1]!.names = [];
    expect(planDifferences(given, exp)).toEqual(['credential c9 is not one credctl would rotate now', 'credential c2 is missing from the plan']);
  });

  it('an edited step names the fields that differ', () => {
    const given = expected();
    given.credentials[0]!.steps[2] = step('c1-3', 'inject', { target: { type: 'dotenv', file: '../outside.env' }, envName: 'OPENAI_API_KEY' });
    expect(planDifferences(given, expected())).toEqual(['OPENAI_API_KEY: step c1-3 differs in target']);
    given.credentials[0]!.steps[3] = step('c1-4', 'health', { check: { command: ['curl', 'evil'] } as never, description: 'edited' });
    expect(planDifferences(given, expected())).toContain('OPENAI_API_KEY: step c1-4 differs in description, check');
  });

  it('an added step, a dropped step and reordered steps are each named', () => {
    const added = expected();
    added.credentials[0]!.steps.push(step('c1-x', 'inject', { target: { type: 'dotenv', file: 'leak.env' } }));
    expect(planDifferences(added, expected())).toEqual([
      'OPENAI_API_KEY: step inject (c1-x) is not one credctl would run',
      // The step sequence itself no longer matches either.
      'OPENAI_API_KEY: the steps are out of order',
    ]);

    // Dropping an inject step would revoke the old key while that target still holds it.
    const dropped = expected();
    dropped.credentials[0]!.steps.splice(2, 1);
    expect(planDifferences(dropped, expected())).toEqual(['OPENAI_API_KEY: step inject (c1-3) is missing']);

    // Revoking before the new value is written anywhere.
    const reordered = expected();
    const steps = reordered.credentials[0]!.steps;
    [steps[2], steps[4]] = [steps[4]!, steps[2]!];
    expect(planDifferences(reordered, expected())).toEqual(['OPENAI_API_KEY: the steps are out of order']);
  });

  it('a changed rotation order or guard cycle is named', () => {
    const exp = expected();
    const swapped = plan(expected().credentials, { batches: [['c2'], ['c1']], cycles: [], rule: 'consumers first' });
    const merged = plan(expected().credentials, { batches: [['c1', 'c2']], cycles: [['c1', 'c2']], rule: 'consumers first' });
    const order = plan(exp.credentials, { batches: [['c1'], ['c2']], cycles: [], rule: 'consumers first' });
    expect(planDifferences(swapped, order)).toEqual(['the rotation order differs from the safe order']);
    expect(planDifferences(merged, exp)).toEqual(['the guard cycles differ']);
  });
});

describe('undeclaredHealthChecks (a stored run being resumed)', () => {
  const check = { http: { url: 'https://api.example.test/health' } };
  it('a health check credctl.yaml declares for that credential passes, in any key order', () => {
    const p = plan([credential('c1', 'OPENAI_API_KEY')]);
    expect(undeclaredHealthChecks(p, (names) => (names[0] === 'OPENAI_API_KEY' ? [{ other: 1 }, JSON.parse(JSON.stringify(check))] : []))).toEqual([]);
  });

  it('a planted or edited health check is named; other steps are not health checks', () => {
    const p = plan([credential('c1', 'OPENAI_API_KEY'), credential('c2', 'STRIPE_SECRET_KEY')]);
    expect(undeclaredHealthChecks(p, (names) => (names[0] === 'OPENAI_API_KEY' ? [check] : []))).toEqual([
      'STRIPE_SECRET_KEY: health step c2-4 is not declared in credctl.yaml',
    ]);
    const unnamed = plan([{ ...credential('c3', 'X'), names: [] }]);
    expect(undeclaredHealthChecks(unnamed, () => [])).toEqual(['c3: health step c3-4 is not declared in credctl.yaml']);
  });
});
