import { Ajv } from 'ajv';
import YAML from 'yaml';
import { atomicWriteFileSync } from '../core/atomic-write.js';
import { inputError, parserMessage, readInputText } from '../core/errors.js';
import { planSchema } from './plan-schema.js';
import type { Plan } from './types.js';

// The YAML parser prints warnings (an unknown !tag) with a frame of the line, which may hold a
// value; credctl reports problems itself, so the parser stays quiet.
const QUIET = { logLevel: 'error' } as const;

/** Reading and writing plan files: readable YAML with a header saying what to do with it. */
const ajv = new Ajv({ allErrors: false, strict: false });
const validate = ajv.compile(planSchema);

export function planToYaml(plan: Plan): string {
  const header = [
    `# credctl rotation plan ${plan.id}, made ${plan.createdAt}`,
    '# Review it, then run: credctl apply <this file>',
    '# It holds no secret values. credctl apply refuses it if the project changed since it was made.',
  ].join('\n');
  return `${header}\n${YAML.stringify(plan, { lineWidth: 0 })}`;
}

export function writePlan(plan: Plan, path: string): void {
  atomicWriteFileSync(path, planToYaml(plan), { mode: 0o600 });
}

export function parsePlan(text: string, where: string): Plan {
  let doc: unknown;
  try {
    doc = YAML.parse(text, QUIET);
  } catch (err) {
    throw inputError(`${where}: not valid YAML: ${parserMessage(err)}`);
  }
  if (!validate(doc)) {
    const e = validate.errors?.[0];
    const at = e?.instancePath ? e.instancePath.slice(1).replace(/\//g, '.') : '(top level)';
    throw inputError(`${where}: not a credctl plan: ${at} ${e?.message ?? 'is invalid'}`, 'Make a fresh one with `credctl plan --out plan.yaml`.');
  }
  const plan = doc as Plan;
  const ids = new Set(plan.credentials.map((c) => c.id));
  for (const id of plan.order.batches.flat()) {
    if (!ids.has(id)) throw inputError(`${where}: order names ${id}, which is not a credential in the plan`);
  }
  return plan;
}

export function readPlan(path: string): Plan {
  return parsePlan(readInputText(path, `plan ${path}`), path);
}
