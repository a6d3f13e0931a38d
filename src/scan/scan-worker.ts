import { parentPort, workerData } from 'node:worker_threads';
import { detect } from './detect.js';
import type { ProjectDetection } from './custom-rules.js';
import { compileRules } from './rules-cache.js';
import { setIssuerRules, type IssuerRuleGroup } from './issuer-rules.js';
import { scanFiles, type FileJob } from './scan-file.js';

/**
 * Worker-thread entry. It compiles the rules itself (RegExps do not survive the trip between
 * threads intact, and compiling costs a few ms), then answers batches of file paths with
 * findings. Only Findings cross back to the main thread: never a value, never file text.
 */
export interface WorkerInit {
  rulesDir?: string;
  maxFileSize: number;
  reportAllowed?: boolean;
  /** The project's own rules (credctl.yaml detection), already checked by the main thread. */
  project?: ProjectDetection;
  /** Rules from the manifests of the issuers credctl.yaml names (already checked; set by startPool). */
  issuerRules?: IssuerRuleGroup[];
}
export interface WorkerRequest {
  id: number;
  jobs: FileJob[];
}

const init = workerData as WorkerInit;
setIssuerRules(init.issuerRules ?? []);
const set = compileRules(init.rulesDir, init.project, true);

// Warm up while the main thread is still listing files: build the keyword automaton and run the
// generic rules (the ones real code hits every few lines) over their examples twice, so V8 has
// compiled them to machine code before the first batch arrives. Vendor rules run rarely and are
// left to compile on first use: warming all ~290 cost more than it saved.
set.automaton();
const examples = set.rules
  .filter((r) => r.provider === 'generic')
  .flatMap((r) => r.examples.positive)
  .join('\n');
for (let i = 0; i < 2; i++) detect(set, examples);

parentPort!.on('message', (req: WorkerRequest) => {
  try {
    const result = scanFiles(set, req.jobs, init.maxFileSize, init.reportAllowed);
    parentPort!.postMessage({ id: req.id, ...result });
  } catch (err) {
    // Error text only (no stack with locals): the main thread turns it into a one-line error.
    parentPort!.postMessage({ id: req.id, error: (err as Error)?.message ?? String(err) });
  }
});
