/**
 * Model mode: pagesim's allocator chooses. The machine starts from the t0
 * state the exact replay reconstructed (seedModel), then each traced
 * allocation becomes alloc_pages() with the traced gfp mask and order on
 * the traced CPU, and each traced free frees the page pagesim gave for that
 * allocation, through __free_pages(): pagesim's own pcp lists, trimming,
 * merging and fallbacks decide the rest. Pages freed without a traced
 * allocation (held since before the trace) are the same pfns as in the
 * trace, held at t0 in the seeded machine. The zone_locked, pcpu_drain,
 * free_batched and extfrag events describe the kernel's internal moves; in
 * this mode pagesim makes its own, so they are counted and not applied.
 */

import type { Kernel } from '../kernel/kernel.js';
import { FPI_TO_TAIL } from '../kernel/internal.js';
import { KernelBug } from '../report/report.js';
import { EV_ALLOC, EV_FREE, FLAG_FAILED, type EventLog } from './events.js';
import { rmqueue_bulk_add, set_pageblock_type, take_page_off_buddy } from './kernel-ext.js';
import type { ReplayMachine } from './machine.js';
import { Inconsistencies, K_FREE, K_FREE0, K_PCP, K_PRE, type T0Layout } from './state.js';
import { holdUntouched } from './t0.js';

/** Builds the reconstructed t0 state on a freshly booted machine (bootReplayMachine's base state). */
export function seedModel(rm: ReplayMachine, t0: T0Layout, t0Type: Int8Array): Uint8Array {
  const { k, st } = rm;
  for (let pb = 0; pb < t0Type.length; pb++) {
    const mt = t0Type[pb]!;
    if (mt < 0) continue;
    const pfn = pb << 9;
    const rt = rm.zones[k.page_zone_id(pfn)];
    if (rt === undefined || rt.mode === 'full') continue;
    const start = Math.max(pfn, rt.zone.zone_start_pfn);
    if (start < rt.zone.zone_end_pfn() && k.get_pfnblock_migratetype(start, start) !== mt) set_pageblock_type(k, rt.zone, start, mt);
  }
  const b = t0.blocks;
  for (let i = 0; i < b.length; i += 4) {
    const pfn = b[i]!;
    const order = b[i + 1]!;
    const mt = b[i + 2]!;
    const rt = rm.zones[k.page_zone_id(pfn)]!;
    if (k.get_pfnblock_migratetype(pfn, pfn) !== mt) set_pageblock_type(k, rt.zone, pfn, mt);
    const nr = 1 << order;
    k.__free_one_page(pfn, pfn, rt.zone, order, mt, FPI_TO_TAIL);
    st.setKind(pfn, nr, K_FREE);
  }
  const h = t0.held;
  for (let i = 0; i < h.length; i += 2) {
    const pfn = h[i]!;
    const order = h[i + 1]!;
    const rt = rm.zones[k.page_zone_id(pfn)]!;
    if (take_page_off_buddy(k, rt.zone, pfn, order) < 0) continue;
    for (let p = pfn; p < pfn + (1 << order); p++) k.set_page_refcounted(p);
    st.setKind(pfn, 1 << order, K_PRE);
  }
  const c = t0.pcp;
  for (let i = 0; i < c.length; i += 4) {
    const pfn = c[i]!;
    const order = c[i + 1]!;
    const rt = rm.zones[k.page_zone_id(pfn)]!;
    const nr = 1 << order;
    if (st.kind[pfn] === K_FREE0) take_page_off_buddy(k, rt.zone, pfn, order);
    rmqueue_bulk_add(rt.zone.pcp[c[i + 3]!]!, k, pfn, c[i + 2]!, order);
    st.setKind(pfn, nr, K_PCP);
  }
  // Held at t0: every page the reconstruction left held (the trace may free them as preexisting).
  const held = new Uint8Array(k.nr_pages);
  for (const rt of rm.zones) if (rt !== undefined && rt.mode === 'lazy') holdUntouched(rm, rt);
  for (let p = 0; p < k.nr_pages; p++) if (st.kind[p] === K_PRE) held[p] = 1;
  return held;
}

export class ModelReplayer {
  readonly incons = new Inconsistencies();
  preexisting = 0;
  failedAllocs = 0;
  /** Events describing the kernel's internal moves, not applied in model mode. */
  notApplied = 0;
  private readonly k: Kernel;
  /** Traced pfn -> the pagesim pfn that backs it (-1: none). */
  private readonly map: Int32Array;
  /** order + 1 at the head of each block pagesim allocated for the trace. */
  private readonly head: Uint8Array;
  private line = 0;
  private readonly reportsBefore: number;
  kernelReports = 0;

  constructor(
    rm: ReplayMachine,
    /** Pages held at t0 (seedModel's result): the trace may free them as preexisting. */
    private readonly held: Uint8Array,
  ) {
    this.k = rm.k;
    this.map = new Int32Array(rm.k.nr_pages).fill(-1);
    this.head = new Uint8Array(rm.k.nr_pages);
    this.reportsBefore = rm.k.reports.length;
  }

  apply(log: EventLog, from: number, to: number): void {
    const k = this.k;
    for (let i = from; i < to; i++) {
      const info = log.info[i]!;
      const kind = info & 7;
      this.line = log.line[i]!;
      try {
        if (kind === EV_ALLOC) {
          if (info & FLAG_FAILED) this.failedAllocs++;
          else this.alloc(log.pfn[i]!, (info >>> 3) & 15, info >>> 16, log.gfps[log.aux[i]!]!);
        } else if (kind === EV_FREE) {
          k.current.cpu = (info >>> 16) % k.cpus;
          this.free(log.pfn[i]!, (info >>> 3) & 15);
        } else {
          this.notApplied++;
        }
      } catch (e) {
        if (!(e instanceof KernelBug)) throw e;
        this.incons.add('kernel_bug', this.line);
      }
    }
  }

  finishEvents(): void {
    this.kernelReports = this.k.reports.length - this.reportsBefore;
  }

  private inRange(pfn: number, order: number): boolean {
    if (pfn >= 0 && pfn + (1 << order) <= this.map.length) return true;
    this.incons.add('outside_zone', this.line);
    return false;
  }

  private alloc(pfn: number, order: number, cpu: number, gfp: number): void {
    const k = this.k;
    if (!this.inRange(pfn, order)) return;
    k.current.cpu = cpu % k.cpus;
    const page = k.alloc_pages(gfp, order);
    if (page < 0) {
      this.incons.add('model_alloc_failed', this.line);
      return;
    }
    if (this.map[pfn]! >= 0) this.incons.add('alloc_of_allocated', this.line);
    const nr = 1 << order;
    for (let i = 0; i < nr; i++) this.map[pfn + i] = page + i;
    this.head[page] = order + 1;
  }

  private free(pfn: number, order: number): void {
    const k = this.k;
    if (!this.inRange(pfn, order)) return;
    const nr = 1 << order;
    const page = this.map[pfn]!;
    if (page >= 0) {
      for (let i = 0; i < nr; i++) this.map[pfn + i] = -1;
      if (this.head[page] === order + 1) {
        this.head[page] = 0;
        k.__free_pages(page, order);
        return;
      }
      this.freeParts(page, order);
      return;
    }
    let held = true;
    for (let p = pfn; p < pfn + nr && held; p++) held = this.held[p] === 1;
    if (!held) {
      this.incons.add('free_of_unallocated', this.line);
      return;
    }
    this.preexisting++;
    for (let p = pfn; p < pfn + nr; p++) this.held[p] = 0;
    // Held pages each have their own reference: the tails drop theirs, the head's goes with the free.
    for (let p = pfn + 1; p < pfn + nr; p++) k.put_page_testzero(p);
    k.__free_pages(pfn, order);
  }

  /** Part of a larger pagesim allocation: split it (split_page) and free the pages one by one. */
  private freeParts(page: number, order: number): void {
    const k = this.k;
    let head = -1;
    for (let o = 0; o <= 10 && head < 0; o++) {
      const h = page & ~((1 << o) - 1);
      if (this.head[h]! > o) head = h;
    }
    if (head >= 0) {
      const ho = this.head[head]! - 1;
      if (k.PageCompound(head)) {
        this.incons.add('order_mismatch', this.line);
        return;
      }
      k.split_page(head, ho);
      for (let p = head; p < head + (1 << ho); p++) this.head[p] = 1;
    }
    for (let p = page; p < page + (1 << order); p++) {
      if (this.head[p] !== 1) continue;
      this.head[p] = 0;
      k.__free_pages(p, 0);
    }
  }
}
