/**
 * A fuzz worker thread: runs the tasks the campaign posts (exec.ts) and
 * posts each result back.
 */

import { parentPort, workerData } from 'node:worker_threads';
import { loadVariantFiles } from '../variants/load-file.js';
import { runTask, shrinkTask, type RunTask, type ShrinkTask } from './exec.js';

type Msg = { readonly id: number; readonly run: RunTask } | { readonly id: number; readonly shrink: ShrinkTask };

/** A thread has its own variant registry: the campaign's --variant-file variants are loaded here again first. */
const ready = loadVariantFiles((workerData as { variantFiles?: string[] } | null)?.variantFiles ?? []);

parentPort!.on('message', (m: Msg) => {
  ready.then(
    () => {
      try {
        const result = 'run' in m ? runTask(m.run) : shrinkTask(m.shrink);
        parentPort!.postMessage({ id: m.id, result });
      } catch (e) {
        parentPort!.postMessage({ id: m.id, error: (e as Error)?.stack ?? String(e) });
      }
    },
    (e: unknown) => parentPort!.postMessage({ id: m.id, error: (e as Error)?.message ?? String(e) }),
  );
});
