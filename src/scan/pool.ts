import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CredctlError } from '../core/errors.js';
import type { FileJob, BatchResult } from './scan-file.js';
import type { WorkerInit, WorkerRequest, WorkerSettings } from './scan-worker.js';
import { issuerRuleGroups } from './issuer-rules.js';

/**
 * A small pool of scanning threads. Files go out in batches (one round trip per batch, not per
 * file) and each worker asks for more as soon as it is done, so a slow file does not idle a core.
 *
 * Starting a thread (loading modules, compiling ~100 rules) takes ~70 ms, so the engine starts
 * the pool before it lists the files and hands it the jobs once they are known: the threads boot
 * while the main thread walks the tree. A pool that turns out not to be needed is closed unused.
 *
 * The worker must be compiled JavaScript. This path resolves to dist/scan/scan-worker.js both
 * from dist/scan/ (the installed CLI) and from src/scan/ (tests running the TypeScript sources).
 */
export const WORKER_SCRIPT = new URL('../../dist/scan/scan-worker.js', import.meta.url);

export function workerScriptAvailable(): boolean {
  return existsSync(fileURLToPath(WORKER_SCRIPT));
}

/**
 * Threads for a scan, this one included: one per core that is idle, up to 8. A core counts as
 * busy when the machine's 1-minute load average says so (rounded: a core more than half busy is
 * busy), as `make -l` decides whether to start another job. A scanning thread costs ~250 ms of
 * CPU of its own (start-up, compiling the rules, V8 warming up its code again); on an idle core
 * that is repaid several times over on a big tree, but on a busy one it only time-shares with
 * the work already there and the scan gets slower: measured on 2 cores at a load of 3, an
 * 8,000-file scan took 700-900 ms with two threads and 470-530 ms with one.
 */
export function defaultWorkerCount(): number {
  const cores = Math.max(1, Math.min(availableParallelism(), 8));
  const idle = Math.round(availableParallelism() - loadavg()[0]!);
  return Math.max(1, Math.min(cores, idle));
}

export interface ScanPool {
  readonly size: number;
  /**
   * Scan `jobs` on the pool's threads, and with `local` on the calling thread too (it takes
   * batches like a worker does); resolves when every batch is back. Call once.
   */
  run(jobs: FileJob[], onBatch?: (r: BatchResult) => void, local?: (jobs: FileJob[]) => BatchResult): Promise<BatchResult[]>;
  /** Stop the threads (after run, or instead of it). */
  close(): Promise<void>;
}

/**
 * Start `workerCount` scanning threads, taking over `prestarted` ones first (src/scan/prestart.ts:
 * already running, they are sent the settings as their first message).
 */
export function startPool(workerCount: number, init: WorkerInit, prestarted: Worker[] = []): ScanPool {
  const workers: Worker[] = [];
  // An error before run() is called (a thread that fails to start) is kept for run() to report.
  let early: Error | undefined;
  let onError: (err: Error) => void = (err) => (early ??= err);
  const settings = { ...init, issuerRules: issuerRuleGroups() } satisfies WorkerInit;
  for (let i = 0; i < workerCount; i++) {
    const taken = prestarted[i];
    if (taken) taken.postMessage({ init: settings } satisfies WorkerSettings);
    const w = taken ?? new Worker(WORKER_SCRIPT, { workerData: settings });
    w.on('error', (err) => onError(err instanceof CredctlError ? err : new CredctlError(`scan worker failed: ${err.message}`, 70)));
    w.on('exit', (code) => {
      if (code !== 0) onError(new CredctlError(`scan worker exited with code ${code}`, 70));
    });
    workers.push(w);
  }
  let closed = false;
  return {
    size: workers.length,
    run(jobs, onBatch, local) {
      return new Promise<BatchResult[]>((resolve, reject) => {
        if (early) return reject(early);
        const threads = workers.length + (local ? 1 : 0);
        // Small batches keep every core busy to the end; big ones amortise the message round trip.
        const batchSize = Math.max(1, Math.min(64, Math.ceil(jobs.length / (threads * 16))));
        const results: BatchResult[] = [];
        let next = 0;
        let nextId = 0;
        let inFlight = 0;
        let localBusy = false;
        let failed = false;
        onError = (err) => {
          if (failed || closed) return;
          failed = true;
          reject(err);
        };
        const take = (): FileJob[] | undefined => {
          if (next >= jobs.length) return undefined;
          const batch = jobs.slice(next, next + batchSize);
          next += batchSize;
          return batch;
        };
        const feed = (w: Worker) => {
          const batch = take();
          if (!batch) return;
          inFlight++;
          w.postMessage({ id: nextId++, jobs: batch } satisfies WorkerRequest);
        };
        const maybeDone = () => {
          if (!failed && inFlight === 0 && !localBusy && next >= jobs.length) resolve(results);
        };
        const accept = (r: BatchResult) => {
          results.push(r);
          onBatch?.(r);
        };
        for (const w of workers) {
          w.on('message', (msg: (BatchResult & { id: number }) | { id: number; error: string }) => {
            inFlight--;
            if ('error' in msg) return onError(new CredctlError(`scan worker failed: ${msg.error}`, 70));
            accept(msg);
            feed(w);
            maybeDone();
          });
          // Three batches queued per thread, so a thread never waits for the main thread to
          // notice it is done (the main thread may be busy with a batch of its own, and is
          // slower per batch than a worker: with two, a CPU profile showed the worker idle for
          // 10-20% of an 8,000-file scan).
          feed(w);
          feed(w);
          feed(w);
        }
        // The main thread scans too, one batch at a time, yielding between batches so replies
        // from the threads are handled (and they are fed) without delay.
        const localTurn = () => {
          if (failed) return;
          const batch = take();
          if (!batch) {
            localBusy = false;
            return maybeDone();
          }
          try {
            accept(local!(batch));
          } catch (err) {
            return onError(err as Error);
          }
          setImmediate(localTurn);
        };
        if (local) {
          localBusy = true;
          setImmediate(localTurn);
        }
        maybeDone();
      });
    },
    async close() {
      closed = true;
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
