import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CredctlError } from '../core/errors.js';
import type { FileJob, BatchResult } from './scan-file.js';
import type { WorkerInit, WorkerRequest } from './scan-worker.js';

/**
 * A small pool of scanning threads. Files go out in batches (one round trip per batch, not per
 * file) and each worker asks for more as soon as it is done, so a slow file does not idle a core.
 *
 * The worker must be compiled JavaScript. This path resolves to dist/scan/scan-worker.js both
 * from dist/scan/ (the installed CLI) and from src/scan/ (tests running the TypeScript sources).
 */
export const WORKER_SCRIPT = new URL('../../dist/scan/scan-worker.js', import.meta.url);

export function workerScriptAvailable(): boolean {
  return existsSync(fileURLToPath(WORKER_SCRIPT));
}

export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}

export interface PoolOptions {
  workers: number;
  init: WorkerInit;
  onBatch?: (r: BatchResult) => void;
}

export async function scanInPool(jobs: FileJob[], options: PoolOptions): Promise<BatchResult[]> {
  const workerCount = Math.max(1, Math.min(options.workers, jobs.length));
  // Small batches keep both cores busy to the end; big ones amortise the message round trip.
  const batchSize = Math.max(1, Math.min(64, Math.ceil(jobs.length / (workerCount * 16))));
  let next = 0;
  let nextId = 0;
  const results: BatchResult[] = [];
  const workers: Worker[] = [];

  try {
    await new Promise<void>((resolve, reject) => {
      let running = 0;
      let failed = false;
      const fail = (err: Error) => {
        if (failed) return;
        failed = true;
        reject(err);
      };
      const feed = (w: Worker): boolean => {
        if (next >= jobs.length) return false;
        const req: WorkerRequest = { id: nextId++, jobs: jobs.slice(next, next + batchSize) };
        next += batchSize;
        w.postMessage(req);
        return true;
      };
      for (let i = 0; i < workerCount; i++) {
        const w = new Worker(WORKER_SCRIPT, { workerData: options.init });
        workers.push(w);
        running++;
        w.on('message', (msg: (BatchResult & { id: number }) | { id: number; error: string }) => {
          if ('error' in msg) return fail(new CredctlError(`scan worker failed: ${msg.error}`, 70));
          results.push(msg);
          options.onBatch?.(msg);
          if (!feed(w)) {
            running--;
            if (running === 0) resolve();
          }
        });
        w.on('error', (err) => fail(err instanceof CredctlError ? err : new CredctlError(`scan worker failed: ${err.message}`, 70)));
        w.on('exit', (code) => {
          if (code !== 0) fail(new CredctlError(`scan worker exited with code ${code}`, 70));
        });
        if (!feed(w)) {
          running--;
          if (running === 0) resolve();
        }
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
