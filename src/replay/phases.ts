/**
 * Phase times of `pagesim replay` for measuring where its wall time goes:
 * with PAGESIM_PHASES set in the environment, each phase() call writes one
 * line to stderr, `phase THREAD MS WHAT (process CPU N ms, thread M ms)`,
 * MS being milliseconds of the wall clock since the first process of the
 * command started (the parent of a relaunch passes its start on in
 * PAGESIM_PHASES), N the process's CPU time and M the printing thread's
 * own (where /proc shows it). Without it phase() does nothing, and the
 * output is as it always is.
 */

import { readFileSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

const env = process.env['PAGESIM_PHASES'];
/** The first process's start, ms since the epoch (a relaunched child inherits its parent's). */
const origin = env === undefined ? 0 : Number(env) > 1e12 ? Number(env) : performance.timeOrigin;
if (env !== undefined && !(Number(env) > 1e12)) process.env['PAGESIM_PHASES'] = String(origin);

/** Writes the phase line when PAGESIM_PHASES is set. */
export function phase(what: string): void {
  if (env === undefined) return;
  const ms = performance.timeOrigin + performance.now() - origin;
  const cpu = process.cpuUsage();
  writeSync(2, `phase ${isMainThread ? `main:${process.pid}` : 'worker'} ${ms.toFixed(1)} ${what} (process CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms${threadCpu()})\n`);
}

/** This thread's own CPU time where Linux shows it (/proc/thread-self/schedstat, in ns), as `, thread N ms`. */
function threadCpu(): string {
  try {
    return `, thread ${(Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6).toFixed(0)} ms`;
  } catch {
    return '';
  }
}
