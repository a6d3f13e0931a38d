import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';

/**
 * Runs a composite action's steps the way a GitHub runner does, on this machine: the GitHub
 * environment variables of the event (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_WORKSPACE,
 * GITHUB_OUTPUT per step, GITHUB_STEP_SUMMARY, GITHUB_ACTION_PATH), `${{ }}` expressions for
 * inputs and step outputs, `if:` conditions with always() and the implicit success(), and each
 * `run:` in `bash --noprofile --norc -eo pipefail`. Steps that `uses:` another action (the
 * SARIF upload) are recorded with their resolved inputs instead of run.
 */
export interface ActionRun {
  steps: { name: string; ran: boolean; status?: number | null; stdout: string; stderr: string; uses?: string; with?: Record<string, string> }[];
  outputs: Record<string, string>;
  summary: string;
  /** Every byte the steps printed, for leak checks. */
  log: string;
}

interface Step {
  name?: string;
  id?: string;
  if?: string;
  shell?: string;
  run?: string;
  uses?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}

export function runCompositeAction(opts: {
  actionPath: string;
  workspace: string;
  eventName: string;
  event: object;
  inputs?: Record<string, string>;
  env?: Record<string, string>;
}): ActionRun {
  const action = YAML.parse(readFileSync(join(opts.actionPath, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
    outputs: Record<string, { value: string }>;
    runs: { using: string; steps: Step[] };
  };
  if (action.runs.using !== 'composite') throw new Error('not a composite action');
  const temp = mkdtempSync(join(tmpdir(), 'credctl-runner-'));
  const eventPath = join(temp, 'event.json');
  writeFileSync(eventPath, JSON.stringify(opts.event));
  const summaryPath = join(temp, 'summary.md');
  writeFileSync(summaryPath, '');
  const inputs: Record<string, string> = {};
  for (const [k, v] of Object.entries(action.inputs)) inputs[k] = opts.inputs?.[k] ?? String(v.default ?? '');
  const stepOutputs: Record<string, Record<string, string>> = {};
  const value = (expr: string): string => {
    const e = expr.trim();
    let m: RegExpExecArray | null;
    if ((m = /^inputs\.([\w-]+)$/.exec(e))) return inputs[m[1]!] ?? '';
    if ((m = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(e))) return stepOutputs[m[1]!]?.[m[2]!] ?? '';
    if (e === 'github.action_path') return opts.actionPath;
    throw new Error(`expression not supported by this runner: ${e}`);
  };
  const expand = (text: string) => text.replace(/\$\{\{([^}]*)\}\}/g, (_, e: string) => value(e));
  let failed = false;
  const condition = (cond: string | undefined): boolean => {
    if (!cond) return !failed;
    const always = /always\(\)/.test(cond);
    if (!always && failed) return false;
    return cond.split('&&').every((term) => {
      const t = term.trim();
      if (t === 'always()' || t === 'success()') return t === 'always()' || !failed;
      const m = /^(\S+)\s*(==|!=)\s*'([^']*)'$/.exec(t);
      if (!m) throw new Error(`condition not supported by this runner: ${t}`);
      return (value(m[1]!) === m[3]) === (m[2] === '==');
    });
  };

  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GITHUB_') && !k.startsWith('INPUT_') && !k.startsWith('RUNNER_')));
  const run: ActionRun = { steps: [], outputs: {}, summary: '', log: '' };
  for (const [i, step] of action.runs.steps.entries()) {
    const name = step.name ?? step.id ?? `step ${i + 1}`;
    if (!condition(step.if)) {
      run.steps.push({ name, ran: false, stdout: '', stderr: '' });
      continue;
    }
    if (step.uses) {
      const withs = Object.fromEntries(Object.entries(step.with ?? {}).map(([k, v]) => [k, expand(String(v))]));
      run.steps.push({ name, ran: true, status: 0, stdout: '', stderr: '', uses: step.uses, with: withs });
      continue;
    }
    if (step.shell !== 'bash' || !step.run) throw new Error(`${name}: only bash run steps are supported`);
    const outputFile = join(temp, `output-${i}`);
    writeFileSync(outputFile, '');
    const script = join(temp, `step-${i}.sh`);
    writeFileSync(script, expand(step.run));
    const env = {
      ...base,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: opts.eventName,
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_WORKSPACE: opts.workspace,
      GITHUB_ACTION_PATH: opts.actionPath,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryPath,
      GITHUB_SERVER_URL: 'https://github.example.test',
      GITHUB_REPOSITORY: 'acme/webapp',
      RUNNER_TEMP: temp,
      ...opts.env,
      ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(String(v))])),
    };
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd: opts.workspace, env, encoding: 'utf8', maxBuffer: 64 << 20 });
    run.steps.push({ name, ran: true, status: r.status, stdout: r.stdout, stderr: r.stderr });
    run.log += r.stdout + r.stderr;
    if (r.status !== 0) failed = true;
    if (step.id) {
      stepOutputs[step.id] = Object.fromEntries(
        readFileSync(outputFile, 'utf8')
          .split('\n')
          .filter((l) => l.includes('='))
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
    }
  }
  for (const [k, v] of Object.entries(action.outputs)) run.outputs[k] = expand(v.value);
  run.summary = readFileSync(summaryPath, 'utf8');
  return run;
}
