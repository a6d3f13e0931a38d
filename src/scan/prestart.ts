import { Worker } from 'node:worker_threads';
import { defaultWorkerCount, WORKER_SCRIPT, workerScriptAvailable } from './pool.js';

/**
 * Scanning threads started before the CLI has loaded. Starting a thread (Node's own start-up,
 * loading the scanner, compiling the rules, building the keyword automaton) takes ~110 ms, and
 * the CLI spends ~250 ms loading its modules before a scan begins; bin/credctl starts the
 * threads first for a command line that will scan a tree, so both happen at once, on two
 * cores, and the threads are ready when the scan starts. The engine hands them to the pool
 * (takePrestarted) and stops the ones it does not need; until then they are unref'd, so they
 * keep nothing alive.
 *
 * Only where the threads would be started anyway: a working-tree `credctl scan` (not
 * --staged, --history or --range, which scan in this thread) on a machine with an idle core
 * (defaultWorkerCount). A prestarted thread compiles the shipped rules; the pool's first
 * message tells it the scan's own settings, and it recompiles only when they differ.
 */
let prestarted: Worker[] = [];
const exited = new WeakSet<Worker>();

const NOT_A_TREE_SCAN = new Set(['--staged', '--history', '--range', '-h', '--help', '-']);

/** Start the scanning threads for `credctl <argv>` when it is a working-tree scan (see above). */
export function prestartFor(argv: string[], count = defaultWorkerCount() - 1): void {
  if (argv[0] !== 'scan' || argv.some((a) => NOT_A_TREE_SCAN.has(a) || a.startsWith('--range='))) return;
  if (count < 1 || !workerScriptAvailable()) return;
  for (let i = 0; i < count; i++) {
    const w = new Worker(WORKER_SCRIPT, { workerData: { prestarted: true } });
    w.unref();
    // Until the pool takes it over: an error here is the pool's to report (it sends the settings
    // and the thread compiles again); a thread that is never taken over dies with the process.
    w.on('error', () => {});
    w.on('exit', () => exited.add(w));
    prestarted.push(w);
  }
}

/** Up to `count` prestarted threads, handed over once (the caller owns them from then on). */
export function takePrestarted(count: number): Worker[] {
  const alive = prestarted.filter((w) => !exited.has(w));
  prestarted = [];
  for (const w of alive.slice(count)) void w.terminate();
  const taken = alive.slice(0, count);
  for (const w of taken) w.ref();
  return taken;
}
