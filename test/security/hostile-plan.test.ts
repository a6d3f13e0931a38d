import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Journal } from '../../src/apply/journal.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/plan/types.js';
import { parseTargetRef } from '../../src/integrations/targets.js';
import { makeRotationProject, startTestIssuer, type Issuer, type RotationProject } from '../helpers/rotation-project.js';
import { cli, oneClearLine, startAttacker, type Attacker } from './helpers.js';

// Promise 8: a plan file is checked against what credctl would plan now, never obeyed.

let issuer: Issuer;
let attacker: Attacker;
let p: RotationProject;
let original: Plan;
const outside = join(mkdtempSync(join(tmpdir(), 'credctl-outside-')), 'victim.env');

beforeAll(async () => {
  issuer = await startTestIssuer();
  attacker = await startAttacker();
  p = await makeRotationProject(issuer, { names: ['EVENTS_API_KEY'] });
  writeFileSync(outside, 'EVENTS_API_KEY=untouched\n');
  const r = await cli(['plan', '--name', 'EVENTS_API_KEY', '--out', 'plan.yaml'], { cwd: p.root, env: p.env });
  expect(r.status).toBe(0);
  original = YAML.parse(readFileSync(join(p.root, 'plan.yaml'), 'utf8')) as Plan;
});
afterAll(async () => {
  await issuer.close();
  await attacker.close();
});

const EDITS: [string, (plan: Plan, marker: string) => void, number, RegExp][] = [
  [
    'an issuer pointing elsewhere',
    (plan) => {
      plan.credentials[0]!.issuer = attacker.url;
    },
    6,
    /issuer differs/,
  ],
  [
    'a health step running any command',
    (plan, marker) => {
      plan.credentials[0]!.steps.splice(4, 0, {
        id: `${plan.credentials[0]!.id}/health/9`,
        action: 'health',
        description: 'Health check',
        check: { command: `touch ${marker}` },
      });
    },
    6,
    /step health .* is not one credctl would run/,
  ],
  [
    'an inject into a file outside the project',
    (plan) => {
      const inject = plan.credentials[0]!.steps.find((s) => s.action === 'inject')!;
      inject.target = { type: 'dotenv', file: '../' + outside.split('/').slice(-2).join('/') };
    },
    6,
    /differs in target/,
  ],
  [
    'a GitHub Actions target with its own API address',
    (plan) => {
      const inject = plan.credentials[0]!.steps.find((s) => s.action === 'inject')!;
      inject.target = { type: 'github-actions', repo: 'acme/app', apiUrl: attacker.url };
    },
    6,
    /differs in target/,
  ],
  [
    'its inject steps deleted (the old key would be revoked while targets still hold it)',
    (plan) => {
      plan.credentials[0]!.steps = plan.credentials[0]!.steps.filter((s) => s.action !== 'inject');
    },
    6,
    /step inject .* is missing/,
  ],
  [
    'wider scopes than the old key',
    (plan) => {
      plan.credentials[0]!.scopes = ['events:read', 'events:write', 'keys:admin'];
    },
    6,
    /scopes differs/,
  ],
  [
    'another project root',
    (plan) => {
      plan.root = mkdtempSync(join(tmpdir(), 'credctl-other-'));
    },
    6,
    /was made for/,
  ],
];

describe('a hand-edited plan file', () => {
  it.each(EDITS)('with %s is refused, and nothing happens', async (_what, edit, code, message) => {
    const plan = structuredClone(original);
    const marker = join(p.root, 'pwned.txt');
    edit(plan, marker);
    writeFileSync(join(p.root, 'edited.yaml'), YAML.stringify(plan));
    const envBefore = p.read('.env');
    const before = attacker.requests.length;
    const r = await cli(['apply', 'edited.yaml', '--yes', '--no-input'], { cwd: p.root, env: p.env });
    expect(r.status).toBe(code);
    oneClearLine(r);
    expect(r.stderr).toMatch(message);
    expect(attacker.requests.length).toBe(before);
    expect(existsSync(marker)).toBe(false);
    expect(readFileSync(outside, 'utf8')).toBe('EVENTS_API_KEY=untouched\n');
    expect(p.read('.env')).toBe(envBefore);
    expect(await p.whoami(p.values.EVENTS_API_KEY!)).toBe(200);
  });

  it('the plan as made applies', async () => {
    const r = await cli(['apply', 'plan.yaml', '--yes', '--no-input'], { cwd: p.root, env: p.env });
    expect(r.stderr).not.toMatch(/differs/);
    expect(r.status).toBe(0);
    expect(await p.whoami(p.values.EVENTS_API_KEY!)).toBe(401);
  });
});

describe('a planted run directory', () => {
  it('apply --resume refuses a stored plan whose health checks credctl.yaml does not declare, running nothing', async () => {
    const plan = structuredClone(original);
    const marker = join(p.root, 'pwned-resume.txt');
    plan.credentials[0]!.steps.splice(4, 0, {
      id: `${plan.credentials[0]!.id}/health/9`,
      action: 'health',
      description: 'Health check',
      check: { command: `touch ${marker}` },
    });
    const runDir = join(p.root, '.credctl', 'runs', '20260101-000000-abcdef');
    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(runDir, 'plan.yaml'), YAML.stringify(plan));
    const journal = Journal.create(runDir);
    journal.append('run-start', undefined, { planId: plan.id, credentials: 1 });
    journal.close();
    const r = await cli(['apply', '--resume', '20260101-000000-abcdef', '--yes', '--no-input'], { cwd: p.root, env: p.env });
    expect(r.status).toBe(6);
    oneClearLine(r);
    expect(r.stderr).toMatch(/is not declared in credctl\.yaml/);
    expect(existsSync(marker)).toBe(false);
  });
});

describe('target refs', () => {
  it('never carry an API address (a guard token would follow it): exit 3', () => {
    expect(() => parseTargetRef({ type: 'github-actions', repo: 'acme/app', apiUrl: 'http://127.0.0.1:9' })).toThrow(
      expect.objectContaining({ exitCode: 3, message: expect.stringMatching(/"apiUrl" is not accepted/) }),
    );
    expect(() => parseTargetRef({ type: 'vercel-env', projectId: 'prj_1', apiUrl: 'https://evil.example' })).toThrow(expect.objectContaining({ exitCode: 3 }));
  });
});
