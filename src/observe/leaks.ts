/**
 * `run --leaks`: the pages still allocated when a scenario ends, with
 * where each was allocated (page_owner's record: the step, the call trace,
 * the kernel's /sys/kernel/debug/page_owner entry).
 *
 * page_owner (src/kernel/page_owner.ts) is turned on for the run; this
 * observer reads it when the run is over. Pages allocated while the
 * machine booted are not tracked, so every page listed was allocated by a
 * step. Pages still allocated that were not lost are listed apart, as
 * held, not as leaks:
 * - a slab's pages: its kmem_cache keeps empty slabs as the kernel's SLUB
 *   does (a leaked object is kmemleak's business);
 * - the huge zero folio, which the kernel keeps once an mm has used it;
 * - pages an RCU callback still queued will free when the next grace
 *   period ends: page tables that munmap() handed to tlb_remove_table()
 *   and the mmu_gather batch page listing them (tlb_remove_table_rcu), a
 *   table alone (__tlb_remove_table_one_rcu), a PTE table of
 *   pte_free_defer() (pte_free_now). The queue is read from the machine's
 *   RCU lists, so a scenario that ends without a synchronize_rcu step is
 *   not told it leaked them.
 *
 * Each leak says why the page is still held: its refcount and mapcount as
 * dump_page() reads them, and whether folio_maybe_dma_pinned() (a large
 * folio's _pincount, or a small one's refcount at GUP_PIN_COUNTING_BIAS or
 * more): a lost unpin_user_page() rather than a lost put_page().
 *
 * Plain data (LeakResult); src/format/observe.ts prints it.
 */

import type { Kernel } from '../kernel/kernel.js';
import { KernelBug } from '../report/report.js';
import { pageOwnerOf } from '../kernel/page_owner.js';
import type { RunObserver } from '../engine/run.js';
import { pageState } from './timeline.js';

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
  /** The first page's refcount and mapcount at the end, as dump_page() reads them. */
  readonly refcount: number;
  readonly mapcount: number;
  /** A large folio's _pincount; null for a small one, whose pins are GUP_PIN_COUNTING_BIAS references each. */
  readonly pincount: number | null;
  /** folio_maybe_dma_pinned() of the page's folio: a pin never unpinned holds it. */
  readonly pinned: boolean;
}

/** A page still allocated that the kernel holds by design: who holds it, and, for an RCU callback, which. */
export type Held = Leak & { readonly by: string; readonly callback?: string };

export interface LeakResult {
  readonly variant: string;
  readonly leaks: readonly Leak[];
  /** Pages still allocated that the kernel holds by design (slab pages, the huge zero folio, pages an RCU callback will free), by allocation. */
  readonly held: readonly Held[];
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
    const rcu = rcuDeferred(k);
    const leaks: Leak[] = [];
    const held: Held[] = [];
    for (const pfn of po.allocatedPages()) {
      const r = po.record(pfn)!;
      const state = pageState(k, pfn);
      const folio = k.page_folio(pfn);
      const leak: Leak = {
        pfn,
        order: r.order,
        step: r.step,
        call: r.call,
        stack: r.stack,
        owner: po.print_page_owner(pfn).trimEnd().split('\n'),
        refcount: state.refcount,
        mapcount: state.mapcount,
        pincount: k.folio_has_pincount(folio) ? k.folio_pincount(folio) : null,
        pinned: k.folio_maybe_dma_pinned(folio),
      };
      const callback = rcu.get(pfn);
      if (callback !== undefined) held.push({ ...leak, by: RCU_HOLDER, callback });
      else if (k.PageSlab(pfn)) held.push({ ...leak, by: 'a slab cache' });
      else if (pfn === k.huge_zero_folio) held.push({ ...leak, by: 'the huge zero folio' });
      else leaks.push(leak);
    }
    this.result = { variant: this.variant, leaks, held };
  }

  results(): LeakResult {
    return this.result;
  }
}

/** `by` of the pages a queued RCU callback will free. */
export const RCU_HOLDER = 'RCU until a grace period ends (a synchronize_rcu step ends one)';

/**
 * The pages the RCU callbacks still queued will free, by first pfn, with
 * the callback's name (the kernel says which: rcuCallbackPages()). A
 * callback whose bytes a bug overwrote can make that read oops: the oops
 * is taken back, and the page its callback_head is in counted instead.
 */
export function rcuDeferred(k: Kernel): Map<number, string> {
  const out = new Map<number, string>();
  for (const { head, func } of k.rcuQueued()) {
    const reports = k.reports.length;
    const consoleLines = k.console.length;
    const consoleDropped = k.consoleDropped;
    let pages: number[];
    try {
      pages = k.rcuCallbackPages(head, func);
    } catch (e) {
      if (!(e instanceof KernelBug)) throw e;
      k.reports.length = reports;
      k.console.length = consoleLines;
      k.consoleDropped = consoleDropped;
      pages = head < k.nr_pages * k.PW ? [k.pfnOfWord(head)] : [k.virt_to_pfn(head)];
    }
    for (const pfn of pages) if (!out.has(pfn)) out.set(pfn, func);
  }
  return out;
}
