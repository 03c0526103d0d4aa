/**
 * Exact mode: the kernel's own pfn choices, applied event by event through
 * kernel functions, with every event the machine finds impossible counted
 * by kind. What each tracepoint means (mm/page_alloc.c, linux-mm 7.3.0-rc5 tree / 6.18):
 *
 *   mm_page_alloc_zone_locked  __rmqueue_smallest took the block off the
 *       free list of `migratetype` (splitting a larger one); with
 *       percpu_refill it goes on this CPU's pcp list (rmqueue_bulk), else
 *       straight to the caller (rmqueue_buddy).
 *   mm_page_alloc  the caller got the block: from the pcp list, or the one
 *       zone_locked just took. A pcp hit has no zone_locked line.
 *   mm_page_free  __free_pages_prepare: the block is freed; a pcp order goes
 *       on this CPU's pcp list, others to the buddy lists (free_one_page).
 *   mm_page_free_batched  free_unref_folios committing a page that its
 *       mm_page_free prepared; the page is on the pcp list already here.
 *   mm_page_pcpu_drain  free_pcppages_bulk moved the block from a pcp list
 *       to the buddy lists (__free_one_page, merging); `migratetype` is
 *       its pageblock's type.
 *   mm_page_alloc_extfrag  a fallback: after a zone_locked of the same
 *       page it is the claim of a pageblock (already applied); alone it is
 *       a steal or a whole-block claim, which takes the block off the
 *       fallback list without a zone_locked line.
 *
 * Pages the trace touches for the first time were, at t0: free in the
 * buddy allocator (first touched by zone_locked/extfrag: t0.ts places
 * their block), on a pcp list (first touched by alloc or pcpu_drain), or
 * held (first touched by a free: a "preexisting" page, not an
 * inconsistency).
 */

import type { Kernel } from '../kernel/kernel.js';
import type { Zone } from '../kernel/mmzone.js';
import { MAX_NR_ZONES, pageblock_order } from '../kernel/config.js';
import { FPI_NONE } from '../kernel/internal.js';
import { pcp_allowed_order } from '../kernel/page_alloc.js';
import { KernelBug } from '../report/report.js';
import {
  EV_ALLOC, EV_EXTFRAG, EV_FREE, EV_FREE_BATCHED, EV_PCPU_DRAIN, EV_ZONE_LOCKED, FLAG_FAILED, FLAG_OWNERSHIP, FLAG_REFILL,
  SAME_TAKE, evCpu, evKind, evMt, evOrder, extfragFallbackMt, extfragFallbackOrder, type EventLog,
} from './events.js';
import { find_buddy_head, free_frozen_page_commit_untrimmed, pcp_list_del, pcp_migratetype, rmqueue_bulk_add, take_page_off_buddy } from './kernel-ext.js';
import type { ReplayMachine, ZoneRuntime } from './machine.js';
import {
  ExactCounters, Inconsistencies, K_ALLOC, K_FREE, K_FREE0, K_LEAKED, K_PCP, K_PRE, K_RSV, K_TAKEN,
  PB_OBSERVED, type PageStates, T0Layout,
} from './state.js';
import { placeT0Block, typePageblock } from './t0.js';

export class ExactReplayer {
  readonly incons = new Inconsistencies();
  readonly counters = new ExactCounters();
  readonly t0 = new T0Layout();
  private readonly k: Kernel;
  private readonly st: PageStates;
  private readonly nrPages: number;
  /** Line of the current event. */
  private line = 0;
  /** A zone_locked whose list type contradicted an observed pageblock type: a claim if the next event is its extfrag. */
  private pendingClaimPfn = -1;
  private pendingClaimLine = 0;
  /** pfn of the previous event when it was a zone_locked, else -1: an extfrag right after it of the same page is its claim. */
  private prevZoneLocked = -1;
  private readonly reportsBefore: number;
  /** The log and index of the event being applied (for lookahead). */
  private log: EventLog | null = null;
  private index = 0;

  constructor(private readonly rm: ReplayMachine) {
    this.k = rm.k;
    this.st = rm.st;
    this.nrPages = rm.k.nr_pages;
    this.reportsBefore = rm.k.reports.length;
  }

  /** Applies events [from, to) of the log. */
  apply(log: EventLog, from: number, to: number): void {
    const pfns = log.pfn;
    const infos = log.info;
    const lines = log.line;
    const auxs = log.aux;
    const gfps = log.gfps;
    this.log = log;
    for (let i = from; i < to; i++) {
      this.index = i;
      const info = infos[i]!;
      const kind = evKind(info);
      const pfn = pfns[i]!;
      this.line = lines[i]!;
      if (this.pendingClaimPfn >= 0 && (kind !== EV_EXTFRAG || pfn !== this.pendingClaimPfn)) this.flushClaim();
      const order = evOrder(info);
      const mt = evMt(info);
      const cpu = evCpu(info);
      const prevZoneLocked = this.prevZoneLocked;
      this.prevZoneLocked = kind === EV_ZONE_LOCKED ? pfn : -1;
      try {
        switch (kind) {
          case EV_ALLOC:
            if (info & FLAG_FAILED) this.counters.failedAllocs++;
            else this.alloc(pfn, order, mt, this.cpuOf(cpu), gfps[auxs[i]!]!);
            break;
          case EV_FREE:
            this.free(pfn, order, this.cpuOf(cpu));
            break;
          case EV_FREE_BATCHED:
            this.freeBatched(pfn, this.cpuOf(cpu));
            break;
          case EV_ZONE_LOCKED:
            this.zoneLocked(pfn, order, mt, this.cpuOf(cpu), (info & FLAG_REFILL) !== 0);
            break;
          case EV_PCPU_DRAIN:
            this.drain(pfn, order, mt, this.cpuOf(cpu));
            break;
          case EV_EXTFRAG:
            if (pfn === prevZoneLocked) this.claimed(pfn);
            else this.extfrag(pfn, order, mt, this.cpuOf(cpu), extfragFallbackOrder(auxs[i]!), extfragFallbackMt(auxs[i]!), (info & FLAG_OWNERSHIP) !== 0);
            break;
          default:
            break;
        }
      } catch (e) {
        if (!(e instanceof KernelBug)) throw e;
        this.incons.add('kernel_bug', this.line);
      }
    }
  }

  /** After the last event: settle a pending claim, count the kernel reports (completeT0 then completes the t0 state). */
  finishEvents(): void {
    this.flushClaim();
    const reports = this.k.reports.length - this.reportsBefore;
    if (reports > 0) this.kernelReports = reports;
  }

  /** Kernel reports (bad_page, WARN, BUG) printed during the replay. */
  kernelReports = 0;

  private flushClaim(): void {
    if (this.pendingClaimPfn < 0) return;
    this.incons.add('freelist_type_mismatch', this.pendingClaimLine);
    this.pendingClaimPfn = -1;
  }

  private cpuOf(cpu: number): number {
    if (cpu < this.k.cpus) return cpu;
    this.incons.add('unknown_cpu', this.line);
    return cpu % this.k.cpus;
  }

  /** The runtime of the zone holding [pfn, pfn + 2^order), or undefined after counting why the event cannot apply. */
  private zoneFor(pfn: number, order: number): ZoneRuntime | undefined {
    const nr = 1 << order;
    if (pfn < 0 || pfn + nr > this.nrPages) {
      this.incons.add('outside_zone', this.line);
      return undefined;
    }
    if ((pfn & (nr - 1)) !== 0) {
      this.incons.add('unaligned', this.line);
      return undefined;
    }
    const kind = this.st.kind;
    if (kind[pfn] === K_RSV || kind[pfn + nr - 1] === K_RSV) {
      this.incons.add('reserved_page', this.line);
      return undefined;
    }
    const rt = this.rm.zones[this.k.page_zone_id(pfn)];
    if (rt === undefined || this.k.page_zone_id(pfn + nr - 1) !== rt.zone.nid * MAX_NR_ZONES + rt.zone.idx) {
      this.incons.add('outside_zone', this.line);
      return undefined;
    }
    return rt;
  }

  // ---- mm_page_alloc_zone_locked / mm_page_alloc_extfrag ----------------

  private zoneLocked(pfn: number, order: number, mt: number, cpu: number, refill: boolean): void {
    const rt = this.zoneFor(pfn, order);
    if (rt === undefined) return;
    if (!this.takeFromBuddy(rt, pfn, order, mt, -1, true)) return;
    this.toPcpOrTaken(rt.zone, pfn, order, mt, cpu, refill && pcp_allowed_order(order));
  }

  /** The claim path: try_to_claim_block moved the pageblock and __rmqueue_smallest traced the take just before. */
  private claimed(pfn: number): void {
    if (pfn === this.pendingClaimPfn) this.pendingClaimPfn = -1;
    this.counters.claims++;
  }

  private extfrag(pfn: number, order: number, mt: number, cpu: number, fallbackOrder: number, fallbackMt: number, ownership: boolean): void {
    const rt = this.zoneFor(pfn, order);
    if (rt === undefined) return;
    const fbMt = fallbackMt >= 0 ? fallbackMt : mt;
    if (!this.takeFromBuddy(rt, pfn, order, fbMt, fallbackOrder, false)) return;
    if (ownership || fallbackOrder >= pageblock_order) {
      this.counters.claims++;
      const last = (pfn + (1 << order) - 1) >>> pageblock_order;
      for (let pb = pfn >>> pageblock_order; pb <= last; pb++) typePageblock(this.rm, rt.zone, pb, mt, PB_OBSERVED);
    }
    this.toPcpOrTaken(rt.zone, pfn, order, mt, cpu, pcp_allowed_order(order));
  }

  /**
   * Takes [pfn, pfn + 2^order) off the free lists of `mt` (placing its t0
   * block first when the pages are untouched). Returns false when the event
   * cannot apply at all; an inconsistent state is counted and forced.
   */
  private takeFromBuddy(rt: ZoneRuntime, pfn: number, order: number, mt: number, orderHint: number, mayBeClaim: boolean): boolean {
    const st = this.st;
    const k = this.k;
    const zone = rt.zone;
    let kind = st.kind[pfn]!;
    if (kind === K_PRE) {
      this.observe(zone, pfn, mt, mayBeClaim);
      if (placeT0Block(this.rm, rt, this.t0, pfn, order, mt, orderHint, this.takeRun(pfn, order))) {
        this.counters.t0BlocksTraced++;
        kind = K_FREE;
      }
    }
    if (kind === K_FREE || kind === K_FREE0) {
      const head = find_buddy_head(k, pfn);
      if (head >= 0 && head + (1 << k.buddy_order(head)) >= pfn + (1 << order)) {
        if (k.get_pfnblock_migratetype(head, head) !== mt) this.observe(zone, pfn, mt, mayBeClaim);
        else this.markObserved(zone, pfn, mt);
        take_page_off_buddy(k, zone, pfn, order);
        return true;
      }
    }
    this.inconsistentTake(kind);
    this.detach(zone, pfn, order);
    return true;
  }

  /**
   * How many blocks the refill under way takes in a row from pfn upwards:
   * the events after this one (of this CPU; other CPUs' lines interleave)
   * that are zone_locked of the same order and type at pfn + 2^order, +2...
   * Looks no further than the events parsed so far.
   */
  private takeRun(pfn: number, order: number): number {
    const log = this.log!;
    const info0 = log.info[this.index]!;
    const cpu = evCpu(info0);
    const same = info0 & SAME_TAKE; // kind, order, migratetype, refill
    let run = 1;
    let next = pfn + (1 << order);
    for (let i = this.index + 1, seen = 0; i < log.length && seen < 256; i++, seen++) {
      const info = log.info[i]!;
      if (evCpu(info) !== cpu) continue;
      if ((info & SAME_TAKE) !== same || log.pfn[i] !== next) break;
      run++;
      next += 1 << order;
    }
    return run;
  }

  private inconsistentTake(kind: number): void {
    if (kind === K_PCP) this.incons.add('buddy_take_of_pcp_page', this.line);
    else if (kind === K_ALLOC || kind === K_TAKEN) this.incons.add('alloc_of_allocated', this.line);
    else this.incons.add('not_in_buddy', this.line);
  }

  /** The taken block goes on this CPU's pcp list (a refill) or to the allocation under way. */
  private toPcpOrTaken(zone: Zone, pfn: number, order: number, mt: number, cpu: number, refill: boolean): void {
    const st = this.st;
    const nr = 1 << order;
    if (refill) {
      rmqueue_bulk_add(zone.pcp[cpu]!, this.k, pfn, mt, order);
      st.setKind(pfn, nr, K_PCP);
      st.pcpCpu[pfn] = cpu;
    } else {
      st.setKind(pfn, nr, K_TAKEN);
    }
    st.headOrd[pfn] = order + 1;
  }

  // ---- mm_page_alloc ------------------------------------------------------

  private alloc(pfn: number, order: number, mt: number, cpu: number, gfp: number): void {
    const rt = this.zoneFor(pfn, order);
    if (rt === undefined) return;
    const st = this.st;
    const k = this.k;
    const nr = 1 << order;
    const kind = st.kind[pfn]!;
    const head = st.headOrd[pfn] === order + 1;
    if (kind === K_PCP && head) {
      const owner = st.pcpCpu[pfn]!;
      if (owner !== cpu) this.incons.add('pcp_wrong_cpu', this.line);
      pcp_list_del(rt.zone.pcp[owner]!, k, pfn, order);
    } else if (kind === K_TAKEN && head) {
      // zone_locked took it for this allocation.
    } else if ((kind === K_PRE || kind === K_FREE0) && st.allKind(pfn, nr, kind)) {
      if (!pcp_allowed_order(order)) this.incons.add('alloc_without_buddy_take', this.line);
      this.t0Pcp(rt, pfn, order, mt < 0 ? 0 : mt, cpu, kind);
    } else {
      if (kind === K_FREE) this.incons.add('alloc_from_buddy_untraced', this.line);
      else if (kind === K_ALLOC) this.incons.add('alloc_of_allocated', this.line);
      else this.incons.add('order_mismatch', this.line);
      this.detach(rt.zone, pfn, order);
    }
    if (k.check_new_pages(pfn, order)) this.incons.add('bad_page', this.line);
    k.prep_new_page(pfn, order, gfp, 0);
    k.set_page_refcounted(pfn);
    st.setKind(pfn, nr, K_ALLOC);
    st.headOrd[pfn] = order + 1;
  }

  /** An untouched page an event takes from a pcp list: it sat there since t0. Leaves it frozen and on no list. */
  private t0Pcp(rt: ZoneRuntime, pfn: number, order: number, mt: number, cpu: number, kind: number): void {
    const k = this.k;
    const nr = 1 << order;
    // Untouched held pages are still frozen (see machine.ts seedBase): nothing to drop.
    if (kind === K_FREE0) take_page_off_buddy(k, rt.zone, pfn, order);
    this.t0.addPcp(pfn, order, mt, cpu);
    this.counters.t0PcpPages += nr;
  }

  // ---- mm_page_free / mm_page_free_batched ------------------------------

  private free(pfn: number, order: number, cpu: number): void {
    const rt = this.zoneFor(pfn, order);
    if (rt === undefined) return;
    const st = this.st;
    const k = this.k;
    const nr = 1 << order;
    const kind = st.kind[pfn]!;
    if (kind === K_ALLOC && st.headOrd[pfn] === order + 1 && (order === 0 || k.PageHead(pfn) || !k.PageCompound(pfn))) {
      k.put_page_testzero(pfn);
    } else {
      this.freeRange(rt, pfn, order);
    }
    st.headOrd[pfn] = 0;
    if (!k.__free_pages_prepare(pfn, order, FPI_NONE)) {
      this.incons.add('bad_page', this.line);
      st.setKind(pfn, nr, K_LEAKED);
      return;
    }
    if (pcp_allowed_order(order)) {
      const pmt = pcp_migratetype(k, pfn);
      if (pmt >= 0) {
        free_frozen_page_commit_untrimmed(rt.zone.pcp[cpu]!, k, pfn, pmt, order);
        st.setKind(pfn, nr, K_PCP);
        st.headOrd[pfn] = order + 1;
        st.pcpCpu[pfn] = cpu;
        return;
      }
    }
    k.free_one_page(rt.zone, pfn, pfn, order, FPI_NONE);
    st.setKind(pfn, nr, K_FREE);
  }

  /**
   * A free that is not simply an allocation's own block: pages held since
   * before the trace (preexisting), a part of a larger allocation (split
   * pages), or pages the model has free. The last is inconsistent, but the
   * usual cause is an allocation the kernel does not trace
   * (alloc_pages_bulk takes pages off the pcp lists without mm_page_alloc),
   * so the free is applied all the same: the pages are taken from where
   * the model has them. Leaves the range as one frozen block ready for
   * __free_pages_prepare.
   */
  private freeRange(rt: ZoneRuntime, pfn: number, order: number): void {
    const st = this.st;
    const k = this.k;
    const nr = 1 << order;
    let preexisting = false;
    let free = false;
    for (let p = pfn; p < pfn + nr; p++) {
      const kind = st.kind[p]!;
      if (kind === K_PRE || kind === K_FREE0) preexisting = true;
      else if (kind !== K_ALLOC) free = true;
    }
    if (free) {
      this.incons.add('free_of_free_page', this.line);
      this.detach(rt.zone, pfn, order);
      return;
    }
    if (preexisting) this.counters.preexisting++;
    for (let p = pfn; p < pfn + nr; p++) {
      const kind = st.kind[p]!;
      if (kind === K_ALLOC) this.splitAllocation(st.blockHead(p));
      else if (kind === K_FREE0) {
        take_page_off_buddy(k, rt.zone, p, 0);
        k.set_page_refcounted(p);
        this.t0.held.push(p, 0);
      }
    }
    // Now every page holds its own reference (untouched ones are still frozen): drop them all, leaving one frozen block.
    for (let p = pfn; p < pfn + nr; p++) if (k.page_ref_count(p) > 0) k.put_page_testzero(p);
  }

  /**
   * Turns an allocation into independent order-0 pages, each with a
   * reference: split_page() for a plain high-order page (the kernel's own
   * way to free parts of one); a compound page cannot be freed in parts, so
   * that is an order mismatch, and its compound state is taken down the way
   * the free path does (__free_pages_prepare) before its pages are held again.
   */
  private splitAllocation(head: number): void {
    const st = this.st;
    const k = this.k;
    if (head < 0) return;
    const order = st.headOrd[head]! - 1;
    if (order <= 0) return;
    const nr = 1 << order;
    if (k.PageCompound(head)) {
      this.incons.add('order_mismatch', this.line);
      k.put_page_testzero(head);
      k.__free_pages_prepare(head, order, FPI_NONE);
      for (let p = head; p < head + nr; p++) k.set_page_refcounted(p);
    } else {
      k.split_page(head, order);
    }
    for (let p = head; p < head + nr; p++) st.headOrd[p] = 1;
  }

  private freeBatched(pfn: number, cpu: number): void {
    const rt = this.zoneFor(pfn, 0);
    if (rt === undefined) return;
    const st = this.st;
    const kind = st.kind[pfn]!;
    if (kind === K_PCP && st.headOrd[pfn]! > 0) return; // committed when mm_page_free prepared it
    if (kind === K_ALLOC || kind === K_PRE || kind === K_FREE0) {
      this.incons.add('batched_without_free', this.line);
      const order = kind === K_ALLOC && st.headOrd[pfn]! > 0 ? st.headOrd[pfn]! - 1 : 0;
      this.free(pfn, order, cpu);
      return;
    }
    this.incons.add('free_of_free_page', this.line);
  }

  // ---- mm_page_pcpu_drain -------------------------------------------------

  private drain(pfn: number, order: number, mt: number, cpu: number): void {
    const rt = this.zoneFor(pfn, order);
    if (rt === undefined) return;
    const st = this.st;
    const k = this.k;
    const nr = 1 << order;
    const kind = st.kind[pfn]!;
    if (kind === K_PCP && st.headOrd[pfn] === order + 1) {
      pcp_list_del(rt.zone.pcp[st.pcpCpu[pfn]!]!, k, pfn, order);
    } else if ((kind === K_PRE || kind === K_FREE0) && st.allKind(pfn, nr, kind)) {
      this.t0Pcp(rt, pfn, order, mt < 0 ? 0 : mt, cpu, kind);
    } else if (kind === K_FREE) {
      this.incons.add('drain_of_free_page', this.line);
      return;
    } else {
      this.incons.add(kind === K_PCP ? 'order_mismatch' : 'drain_of_allocated', this.line);
      this.detach(rt.zone, pfn, order);
    }
    if (mt >= 0) {
      if (k.get_pfnblock_migratetype(pfn, pfn) !== mt) this.observe(rt.zone, pfn, mt, false);
      else this.markObserved(rt.zone, pfn, mt);
    }
    st.headOrd[pfn] = 0;
    k.__free_one_page(pfn, pfn, rt.zone, order, mt >= 0 ? mt : k.get_pfnblock_migratetype(pfn, pfn), FPI_NONE);
    st.setKind(pfn, nr, K_FREE);
  }

  // ---- pageblock types --------------------------------------------------

  /**
   * The event shows pfn's pageblock is of type mt. A first sighting types
   * it; contradicting an earlier sighting is an inconsistency, unless this
   * is a zone_locked whose extfrag (next event) reports a claim.
   */
  private observe(zone: Zone, pfn: number, mt: number, mayBeClaim: boolean): void {
    const pb = pfn >>> pageblock_order;
    const st = this.st;
    if (st.pbState[pb]! >= PB_OBSERVED && this.k.get_pfnblock_migratetype(pfn, pfn) !== mt) {
      if (mayBeClaim) {
        this.pendingClaimPfn = pfn;
        this.pendingClaimLine = this.line;
      } else {
        this.incons.add('pageblock_type_mismatch', this.line);
      }
    }
    if (st.pbState[pb]! < PB_OBSERVED) this.counters.typesObserved++;
    typePageblock(this.rm, zone, pb, mt, PB_OBSERVED);
  }

  private markObserved(zone: Zone, pfn: number, mt: number): void {
    const pb = pfn >>> pageblock_order;
    if (this.st.pbState[pb]! < PB_OBSERVED) {
      this.counters.typesObserved++;
      typePageblock(this.rm, zone, pb, mt, PB_OBSERVED);
    }
  }

  // ---- forcing a range free of whatever holds it -----------------------------

  /**
   * After an inconsistency: takes every page of [pfn, pfn + 2^order) out of
   * whatever holds it (buddy, pcp, an allocation), leaving the range frozen
   * and on no list, so the event can still be applied and the machine stays
   * sound. Parts of a pcp or taken block outside the range stay held.
   */
  private detach(zone: Zone, pfn: number, order: number): void {
    const st = this.st;
    const k = this.k;
    const end = pfn + (1 << order);
    for (let p = pfn; p < end; p++) {
      const kind = st.kind[p]!;
      if (kind === K_FREE || kind === K_FREE0) {
        if (take_page_off_buddy(k, zone, p, 0) < 0) continue;
      } else if (kind === K_PCP || kind === K_TAKEN) {
        const head = st.blockHead(p);
        if (head >= 0) {
          const nr = 1 << (st.headOrd[head]! - 1);
          if (kind === K_PCP) pcp_list_del(zone.pcp[st.pcpCpu[head]!]!, k, head, st.headOrd[head]! - 1);
          st.headOrd[head] = 0;
          for (let q = head; q < head + nr; q++) {
            if (q >= pfn && q < end) continue;
            k.set_page_refcounted(q);
            st.kind[q] = K_ALLOC;
            st.headOrd[q] = 1;
          }
        }
      } else if (kind === K_ALLOC) {
        this.splitAllocation(st.blockHead(p));
        if (k.page_ref_count(p) > 0) k.put_page_testzero(p);
      }
      st.kind[p] = K_TAKEN;
      st.headOrd[p] = 0;
    }
  }
}
