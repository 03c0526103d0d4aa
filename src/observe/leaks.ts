/**
 * `run --leaks`: the pages still allocated when a scenario ends, with
 * where each was allocated (page_owner's record: the step, the call trace,
 * the kernel's /sys/kernel/debug/page_owner entry).
 *
 * page_owner (src/kernel/page_owner.ts) is turned on for the run; this
 * observer reads it when the run is over. Pages allocated while the
 * machine booted are not tracked, so every page listed was allocated by a
 * step. A slab's pages belong to its kmem_cache, which keeps empty slabs
 * as the kernel's SLUB does: they are listed apart, as held by the cache,
 * not as leaks (a leaked object is kmemleak's business); so is the huge
 * zero folio, which the kernel keeps once an mm has used it.
 *
 * Plain data (LeakResult); src/format/observe.ts prints it.
 */

import type { Kernel } from '../kernel/kernel.js';
import { pageOwnerOf } from '../kernel/page_owner.js';
import type { RunObserver } from '../engine/run.js';

export interface Leak {
  /** The first page of the allocation, its order and how many pages are still allocated. */
  readonly pfn: number;
  readonly order: number;
  /** The step that allocated it (0: before the first step) and that step as a call. */
  readonly step: number;
  readonly call: string;
  /** The allocation's call trace, innermost first. */
  readonly stack: readonly string[];
  /** The page's entry of /sys/kernel/debug/page_owner, as lines. */
  readonly owner: readonly string[];
}

export interface LeakResult {
  readonly variant: string;
  readonly leaks: readonly Leak[];
  /** Pages still allocated that the kernel holds by design (slab pages, the huge zero folio), by allocation. */
  readonly held: readonly (Leak & { readonly by: string })[];
}

export class LeakFinder implements RunObserver {
  private result: LeakResult;

  constructor(private readonly variant: string) {
    this.result = { variant, leaks: [], held: [] };
  }

  start(): void {}
  beforeStep(): void {}
  afterStep(): void {}

  finish(k: Kernel): void {
    const po = pageOwnerOf(k);
    if (po === null) return;
    const leaks: Leak[] = [];
    const held: (Leak & { by: string })[] = [];
    for (const pfn of po.allocatedPages()) {
      const r = po.record(pfn)!;
      const leak: Leak = { pfn, order: r.order, step: r.step, call: r.call, stack: r.stack, owner: po.print_page_owner(pfn).trimEnd().split('\n') };
      const by = k.PageSlab(pfn) ? 'a slab cache' : pfn === k.huge_zero_folio ? 'the huge zero folio' : null;
      if (by !== null) held.push({ ...leak, by });
      else leaks.push(leak);
    }
    this.result = { variant: this.variant, leaks, held };
  }

  results(): LeakResult {
    return this.result;
  }
}
