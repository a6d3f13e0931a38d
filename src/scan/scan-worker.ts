import { parentPort, workerData } from 'node:worker_threads';
import type { ProjectDetection } from './custom-rules.js';
import type { CompiledRuleSet } from './detect.js';
import { compileRules } from './rules-cache.js';
import { setIssuerRules, type IssuerRuleGroup } from './issuer-rules.js';
import { scanFiles, type FileJob } from './scan-file.js';

/**
 * Worker-thread entry. It compiles the rules itself (RegExps do not survive the trip between
 * threads intact, and compiling costs a few ms), then answers batches of file paths with
 * findings. Started by the pool with its settings as workerData, or prestarted before the CLI
 * has loaded (src/scan/prestart.ts) and sent them as its first message. Only Findings cross back
 * to the main thread: never a value, never file text.
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

/** Sent first to a prestarted thread (src/scan/prestart.ts): the scan's settings. */
export interface WorkerSettings {
  init: WorkerInit;
}

let init: WorkerInit | undefined;
let set: CompiledRuleSet | undefined;
let setupError: string | undefined;

function configure(next: WorkerInit): void {
  // A prestarted thread has compiled the shipped rules alone: kept when that is what the scan uses.
  const shippedOnly = next.rulesDir === undefined && next.project === undefined && !next.issuerRules?.length;
  if (!(set && init === undefined && shippedOnly)) {
    setIssuerRules(next.issuerRules ?? []);
    set = compileRules(next.rulesDir, next.project, true);
    // Built before the first batch arrives. (Running the generic rules over their examples to
    // warm V8 up, as this once did, cost ~16 ms of a ~110 ms start for no measurable gain: the
    // thread is still starting when the first batch is ready, so it only delayed that batch.)
    set.automaton();
  }
  init = next;
}

const start = workerData as WorkerInit | { prestarted: true };
if ('prestarted' in start) {
  try {
    set = compileRules();
    set.automaton();
  } catch {
    set = undefined; // compiled again, and any problem reported, once the settings arrive
  }
} else configure(start);

parentPort!.on('message', (req: WorkerRequest | WorkerSettings) => {
  if ('init' in req) {
    try {
      configure(req.init);
    } catch (err) {
      setupError = (err as Error)?.message ?? String(err);
    }
    return;
  }
  try {
    if (setupError !== undefined || !set || !init) throw new Error(setupError ?? 'scan worker got files before its settings');
    const result = scanFiles(set, req.jobs, init.maxFileSize, init.reportAllowed);
    parentPort!.postMessage({ id: req.id, ...result });
  } catch (err) {
    // Error text only (no stack with locals): the main thread turns it into a one-line error.
    parentPort!.postMessage({ id: req.id, error: (err as Error)?.message ?? String(err) });
  }
});
