import { parentPort, workerData } from 'node:worker_threads';
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

// Build the keyword automaton before the first batch arrives. (Running the generic rules over
// their examples to warm V8 up, as this once did, cost ~16 ms of a ~110 ms start for no
// measurable gain: the thread is still starting when the main thread has its first batch ready,
// so a warm-up only delays its first batch; the batches warm it up as well.)
set.automaton();

parentPort!.on('message', (req: WorkerRequest) => {
  try {
    const result = scanFiles(set, req.jobs, init.maxFileSize, init.reportAllowed);
    parentPort!.postMessage({ id: req.id, ...result });
  } catch (err) {
    // Error text only (no stack with locals): the main thread turns it into a one-line error.
    parentPort!.postMessage({ id: req.id, error: (err as Error)?.message ?? String(err) });
  }
});
