/** Timing helpers shared by `pagesim bench` and its child processes. */

import type { Kernel } from '../kernel/kernel.js';
import { GFP_KERNEL } from '../kernel/gfp.js';

/**
 * CPU time of one call, in nanoseconds: the time this process spent running
 * it, in all its threads (user and system, so first-touch page faults,
 * garbage collection and compilation count), not the wall time.
 * On a machine whose other processes keep every core busy, wall time counts
 * the time this process waited for a core: it varied 5 to 10 times between
 * rounds of the same benchmark, where CPU time varies by a few percent.
 * process.cpuUsage() counts microseconds; every round runs for milliseconds.
 */
export function timeNs(body: () => void): number {
  const c0 = process.cpuUsage();
  body();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) * 1000;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 === 1 ? s[n >> 1]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

/**
 * The alloc-free-order0-pcp pair (a ring of 32 held pages, order 0 through
 * the per-CPU lists): median ns per pair over `rounds` rounds of `ops`.
 */
export function pcpPairs(k: Kernel, ops: number, rounds: number): number {
  const ring = 32;
  const held = new Int32Array(ring).fill(-1);
  let i = 0;
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    times.push(
      timeNs(() => {
        for (let j = 0; j < ops; j++) {
          const slot = i++ % ring;
          if (held[slot]! >= 0) k.__free_pages(held[slot]!, 0);
          held[slot] = k.alloc_pages(GFP_KERNEL, 0);
        }
      }) / ops,
    );
  }
  return median(times);
}

/** What the multi-variant child measures: the pcp pair fresh and after every variant has run, ns per pair. */
export interface MultiVariantResult {
  readonly fresh: number;
  readonly after: number;
  readonly stacks: number;
}
