/**
 * A fuzz worker thread: runs the tasks the campaign posts (exec.ts) and
 * posts each result back.
 */

import { parentPort } from 'node:worker_threads';
import { runTask, shrinkTask, type RunTask, type ShrinkTask } from './exec.js';

type Msg = { readonly id: number; readonly run: RunTask } | { readonly id: number; readonly shrink: ShrinkTask };

parentPort!.on('message', (m: Msg) => {
  try {
    const result = 'run' in m ? runTask(m.run) : shrinkTask(m.shrink);
    parentPort!.postMessage({ id: m.id, result });
  } catch (e) {
    parentPort!.postMessage({ id: m.id, error: (e as Error)?.stack ?? String(e) });
  }
});
