import { basename, dirname, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { inputError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import { findProjectRoot } from '../core/paths.js';
import { note, paint, printJson } from '../core/output.js';
import { runExamples } from './rule-examples.js';
import { compileRuleSet } from './detect.js';
import { compileProjectDetection, loadProjectDetection, readRulesFile, type ProjectDetection } from './custom-rules.js';
import { loadRulesCached } from './rules-cache.js';
import * as io from '../core/io.js';

/** What `credctl rules test` does once its arguments are parsed (see src/cli/commands/rules.ts). */
export async function runRulesTest(file: string | undefined, opts: { json?: boolean }): Promise<void> {
  const det = loadTarget(file);
  const shipped = loadRulesCached();
  const custom = compileProjectDetection(det, new Set(shipped.map((r) => r.id)));
  const set = compileRuleSet([...shipped, ...custom.rules], custom.allowlist ? { allowlist: custom.allowlist } : {});
  const results = runExamples(custom.rules, set);
  const failed = results.filter((r) => !r.passed);
  const untested = custom.rules.filter((r) => r.examples.positive.length === 0).map((r) => r.id);
  if (opts.json) {
    // Example texts stay out: they may hold a real value pasted by mistake.
    printJson({
      source: det.where,
      rules: custom.rules.length,
      examples: results.length,
      failed: failed.map((r) => ({ ruleId: r.ruleId, expect: r.expect, example: exampleNumber(results, r) })),
      withoutPositiveExamples: untested,
    });
  } else {
    const c = paint();
    for (const rule of custom.rules) {
      const mine = results.filter((r) => r.ruleId === rule.id);
      const bad = mine.filter((r) => !r.passed);
      const mark = bad.length ? c.red('FAIL') : mine.length ? c.green('ok  ') : c.yellow('none');
      io.out().write(`${mark}  ${rule.id}  ${mine.length - bad.length}/${mine.length} examples\n`);
      for (const b of bad) {
        const n = exampleNumber(results, b);
        io.out().write(`        ${b.expect === 'finding' ? `positive example ${n} produced no finding` : `negative example ${n} produced a finding`}\n`);
      }
    }
    note(
      `${custom.rules.length} rule${custom.rules.length === 1 ? '' : 's'} from ${det.where}: ${results.length - failed.length} of ${results.length} examples pass`,
    );
    if (untested.length) note(`without a positive example: ${untested.join(', ')}`);
  }
  process.exitCode = failed.length ? ExitCode.Findings : ExitCode.Ok;
}

/** The example's number among its rule's positive (or negative) examples, counting from 1. */
function exampleNumber(all: ReturnType<typeof runExamples>, r: ReturnType<typeof runExamples>[number]): number {
  return all.filter((x) => x.ruleId === r.ruleId && x.expect === r.expect).indexOf(r) + 1;
}

function loadTarget(file: string | undefined): ProjectDetection {
  if (file === undefined || basename(file) === 'credctl.yaml') {
    const root = file === undefined ? findProjectRoot() : dirname(resolve(file));
    if (file !== undefined && !existsSync(resolve(file))) throw inputError(`cannot read ${file}: no such file`);
    const det = loadProjectDetection(root);
    if (!det) throw inputError('credctl.yaml has no detection section to test', 'Add detection: { rules: [...] } or detection: { rules: path/to/rules.yaml }.');
    return det;
  }
  const path = resolve(file);
  if (!existsSync(path)) throw inputError(`cannot read ${file}: no such file`);
  return readRulesFile(path, file);
}
