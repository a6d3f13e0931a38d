import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeRotationProject, startTestIssuer, valueIn, type Issuer } from '../helpers/rotation-project.js';
import { trustProject } from '../helpers/trust.js';

// Promises 1 and 5 for generated replacements and manual places, end to end through the CLI: a
// self-issued SESSION_SECRET is replaced by a random value credctl makes (sealed before any
// write), an API key kept in GitHub Actions (no token) waits for --confirm-manual; neither the
// planted values nor the generated one appear in any output, the plan, the journal or the audit log.
let issuer: Issuer;
beforeAll(async () => {
  issuer = await startTestIssuer();
});
afterAll(async () => issuer?.close());

const SESSION_OLD = 'FAKEs3ss10nK9xWq2Lm7Zp4Rt8Vb1Nc6Hd5Jy0Tg';
const KEY = 'github-actions:acme/api:EVENTS_API_KEY';

/** Every file under a directory, as text. */
function allText(dir: string): string {
  if (!existsSync(dir)) return '';
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile())
    .map((f) => readFileSync(f, 'latin1'))
    .join('\n');
}

describe('self-issued secrets and manual places, end to end', () => {
  it('generates, seals and writes the session secret, waits for the Actions secret, and never shows a value', async () => {
    const p = await makeRotationProject(issuer, { names: ['EVENTS_API_KEY'], health: 'none' });
    writeFileSync(join(p.root, '.env'), `${p.read('.env')}SESSION_SECRET=${SESSION_OLD}\n`);
    writeFileSync(join(p.root, 'deploy', 'app.env'), `${p.read('deploy/app.env')}export SESSION_SECRET="${SESSION_OLD}"\n`);
    mkdirSync(join(p.root, '.github', 'workflows'), { recursive: true });
    writeFileSync(
      join(p.root, '.github', 'workflows', 'ci.yml'),
      'on: push\njobs:\n  smoke:\n    runs-on: ubuntu-latest\n    steps:\n      - run: node check.mjs\n        env:\n          EVENTS_API_KEY: ${{ secrets.EVENTS_API_KEY }}\n',
    );
    writeFileSync(join(p.root, 'credctl.yaml'), `project:\n  github: acme/api\n${p.read('credctl.yaml')}`);
    trustProject(p.root, p.env);
    const cli = (args: string[]) => runCli([...args, '--root', p.root], { cwd: p.root, env: p.env });
    const outputs: string[] = [];

    const planned = await runCli(['plan', '--project', '--out', join(p.root, 'plan.yaml'), '--root', p.root], { cwd: p.root, env: p.env });
    outputs.push(planned.stdout, planned.stderr);
    expect(planned.code).toBe(0);
    const planText = p.read('plan.yaml');
    expect(planText).toMatch(/strategy: generate/);
    expect(planText).toMatch(/action: manual-inject/);
    expect(planText).toContain('https://github.com/acme/api/settings/secrets/actions');
    expect(planned.stderr).toContain(`confirm key ${KEY}`);

    const first = await runCli(['apply', join(p.root, 'plan.yaml'), '--yes', '--no-input', '--json', '--root', p.root], { cwd: p.root, env: p.env });
    outputs.push(first.stdout, first.stderr);
    expect(first.code).toBe(6);
    const summary = JSON.parse(first.stdout) as { runId: string; rotated: string[]; awaitingManual: { keys: string[] }[] };
    expect(summary.awaitingManual.flatMap((a) => a.keys)).toEqual([KEY]);
    expect(summary.rotated).toHaveLength(1); // the session secret: nothing manual about it

    const generated = valueIn(p.read('.env'), 'SESSION_SECRET')!;
    expect(generated).not.toBe(SESSION_OLD);
    // Letters and digits stay letters and digits, at least as long as the old value.
    expect(generated).toMatch(new RegExp(`^[A-Za-z0-9]{${SESSION_OLD.length}}$`));
    expect(valueIn(p.read('deploy/app.env'), 'SESSION_SECRET')).toBe(generated);
    // Sealed in the store (promise 1), current now that it is done.
    expect(await p.store.get('SESSION_SECRET', { label: 'current' })).toBe(generated);

    const resumed = await cli(['apply', '--resume', summary.runId, '--confirm-manual', KEY, '--yes', '--no-input']);
    outputs.push(resumed.stdout, resumed.stderr);
    expect(resumed.code).toBe(0);
    const newKey = valueIn(p.read('.env'), 'EVENTS_API_KEY')!;
    expect(await p.whoami(p.values.EVENTS_API_KEY!)).toBe(401);

    const runsDir = join(p.root, '.credctl');
    const journals = allText(join(runsDir, 'runs'));
    expect(journals).toContain('"manual":true');
    expect(journals).toContain('"confirmedAt"');
    const audit = readFileSync(join(runsDir, 'audit.jsonl'), 'utf8');
    expect(audit).toContain('rotate.generate');
    expect(audit).toContain('rotate.manual-inject');
    expect((await p.audit()).ok).toBe(true);
    for (const secret of [SESSION_OLD, generated, p.values.EVENTS_API_KEY!, newKey]) {
      for (const text of [...outputs, planText, journals, audit]) expect(text.includes(secret)).toBe(false);
    }
  }, 60_000);
});
