/**
 * The kernel as `pagesim explore` runs it: the variant's class with the
 * atomic_t operations of atomic.ts and the free path's lock sections made
 * into scheduling points. Nothing here is used by an ordinary run, whose
 * class is the variant's own: the sequential path is the same code at the
 * same speed.
 *
 * JavaScript cannot suspend a function in the middle, so a CPU's operation
 * is suspended by re-execution. The operation is called again from its
 * start each time its CPU is scheduled; the atomics it already performed
 * are answered from its log (no memory is touched), the next one is
 * performed for real and logged, and at the one after it the call is
 * abandoned with PREEMPT. An action is therefore one atomic access and the
 * CPU-local code after it, up to the next atomic access or the operation's
 * end. This is sound because the code between atomics in the interleavable
 * operations computes only on what its atomics returned: it has no plain
 * stores to shared memory (a function that has them is a lock section, run
 * as one action) and its reports are made once (re-executions are silent).
 */

import { ATOMIC_PRIMITIVES, type AtomicPrimitive } from '../kernel/atomic.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Report } from '../report/report.js';
import type { KernelCtor } from '../variants/variant.js';

/** Thrown to abandon an operation at its next scheduling point. Not an error. */
export const PREEMPT: unique symbol = Symbol('PREEMPT');

/** What one performed action did, as the log keeps it. */
export interface LogEntry {
  /** The atomic operation (`atomic_try_cmpxchg`) or lock section (`__folio_put`). */
  readonly prim: string;
  /** The word it accessed; -1 for a lock section (it may touch anything). */
  readonly word: number;
  readonly old: number;
  readonly value: number;
  readonly ret: unknown;
  /** The operation's first argument after the word (the expected value of a cmpxchg, the addend of an add). */
  readonly arg: number;
  /** The innermost kernel function that made the access (trace mode only). */
  fn: string | null;
  /**
   * A read of memory the operation's own code depends on (a pte, a page's
   * flags), logged so that running the operation again takes the same path
   * after its own sections changed what it read: not a scheduling point.
   */
  readonly local?: true;
  /**
   * A lock section that touches only one place (a pte, one mm's counters):
   * a word, or a negative id below -2 for memory outside the buffer, so that
   * it commutes with actions elsewhere. Absent: it may touch anything.
   */
  readonly scope?: number;
  /** A section whose every store went through ExploreHooks.onWrite (a pte): undone word by word, not by a restore. */
  readonly undoable?: true;
}

/** The id of a node's vmstat counters as a section's scope (see LogEntry.scope). */
export function vmstatScope(nid: number): number {
  return -2000 - nid;
}

/** Ids of places outside the simulated memory a lock section may be confined to (see LogEntry.scope). */
export function mmCountersScope(mmId: number): number {
  return -1000 - mmId;
}

/**
 * The kernel functions whose bodies are one action: lock sections (the
 * free path holds the zone lock or the pcp lock throughout) and functions
 * with plain stores to shared memory. Inside them no atomic is a
 * scheduling point.
 */
export const LOCK_SECTIONS = ['__folio_put', '__free_frozen_pages', '__free_pages_ok', 'get_locked_pte', 'setEntry', 'clearEntry', 'ptep_set_access_flags', 'free_pgtables', 'add_mm_counter', '__folio_mod_stat', 'folio_add_large_mapcount', 'folio_sub_large_mapcount'] as const;

/**
 * More functions whose bodies are one action: the plain stores of faulting
 * a page in and of unmapping it, each under the lock that makes it one step
 * for the other CPUs (the mmap lock for the VMAs, the PTE lock for a pte,
 * the zone or LRU lock for allocating and queueing a folio). The refcount
 * and mapcount atomics between them are actions of their own. The number is
 * the argument holding the one word the section touches (a pte), so that it
 * commutes with actions elsewhere; -1: it may touch anything.
 */
export const PLAIN_SECTIONS: readonly (readonly [string, number])[] = [
  // munmap(): the VMAs (mmap lock), each pte cleared, the page tables freed, the tables' RCU batch.
  ['remove_vma', -1],
  ['zap_deposited_table', -1], ['__split_huge_pmd', -1],
  // Faults: the walk and the tables it allocates, the new folio and its flags, the LRU, the pte or PMD.
  ['count_vm_events', -1], ['pud_alloc', -1], ['pmd_alloc', -1], ['pte_alloc', -1], ['walk_to_pmd', -1],
  ['huge_pmd_set_accessed', -1], ['anon_vma_prepare', -1],
  ['vma_alloc_zeroed_movable_folio', -1], ['vma_alloc_anon_folio_pmd', -1], ['__folio_mark_uptodate', -1],
  ['__folio_set_swapbacked', -1], ['__folio_set_anon', -1], ['SetPageAnonExclusive', -1], ['folio_set_large_mapcount', -1],
  ['folio_add_lru_vma', -1], ['pte_alloc_one', -1], ['pte_free', -1], ['pgtable_trans_huge_deposit', -1], ['setHugePmd', -1],
  ['mm_inc_nr_ptes', -1], ['mm_get_huge_zero_folio', -1], ['set_huge_zero_folio', -1], ['wp_huge_pmd', -1],
];

/**
 * Reads the code between actions branches on (page-table entries, a page's
 * folio and flags, its mapcount): logged the first time, answered from the
 * log when the operation runs again (see LogEntry.local). An operation that
 * clears a pte and later runs again must find the pte as it was.
 */
export const LOCAL_READS: readonly string[] = [
  'entryPresent', 'entryNone', 'entryLeaf', 'entryPfn', 'pte_write', 'pmd_write', 'pte_special', 'vm_normal_page',
  'page_folio', 'compound_head', 'folio_test_flag', 'folio_test_large', 'folio_test_anon', 'folio_nr_pages', 'page_has_type',
];

/** A CPU's state inside the operation it is running, as the explore kernel sees it. */
export class CpuExec {
  log: LogEntry[] = [];
  cursor = 0;
  /** Whether this execution has performed its new action. */
  performed = false;
  /** Log length when this execution started: accesses before it are replays. */
  replayLen = 0;
  /** Nesting depth of lock sections being run. */
  inSection = 0;
  /** Where the execution stopped: the next access's word (-1: a lock section, anything) and whether it writes. */
  pendingWord = -2;
  pendingWrite = true;
  /** Record the innermost kernel function of each access (for printing a schedule). */
  trace = false;
}

/** Whether an atomic only reads its word. */
function readsOnly(prim: string): boolean {
  return prim === 'atomic_read';
}

export interface ExploreHooks {
  /** A lock section is about to free pages [pfn, pfn + 2^order) (the ownership oracle looks). */
  onFree(pfn: number, order: number): void;
  /** The running operation is about to drop `refs` references to `folio` inside the kernel (an unmap's TLB-gather puts). */
  onDrop(folio: number, refs: number): void;
  /** Undoes what a section changed outside the memory (an mm's rss counters, a node's vmstat). */
  onUndo(fn: () => void): void;
  /** A word changed by an atomic action (for undoing it). */
  onWrite(word: number, old: number): void;
}

/** The methods the explore kernel adds. */
export interface ExploreKernel extends Kernel {
  xcpu: CpuExec | null;
  xhooks: ExploreHooks | null;
  /** Whether reports and console output are being dropped (a re-execution replaying what it did before). */
  xsilent(): boolean;
}

const cache = new WeakMap<KernelCtor, KernelCtor>();

/** The explore class on top of a variant's kernel class. */
export function exploreClass(Base: KernelCtor): new (...args: ConstructorParameters<typeof Kernel>) => ExploreKernel {
  const hit = cache.get(Base);
  if (hit !== undefined) return hit as unknown as new (...args: ConstructorParameters<typeof Kernel>) => ExploreKernel;
  abstract class Explore extends Base {
    xcpu: CpuExec | null = null;
    xhooks: ExploreHooks | null = null;

    xsilent(): boolean {
      const x = this.xcpu;
      return x !== null && !x.performed && x.replayLen > 0 && x.inSection === 0;
    }

    protected override record(r: Report): void {
      if (this.xsilent()) return;
      super.record(r);
    }

    override printk(lines: readonly string[]): void {
      if (this.xsilent()) return;
      super.printk(lines);
    }

    /** Depth of freeing sections being run (a high-order free calls __free_pages_ok from __free_frozen_pages). */
    private xfreeing = 0;

    /** Runs a lock section as one action (see LOCK_SECTIONS); `freeing` names the pages it frees, for the ownership oracle. */
    xsection<T>(name: string, freeing: { pfn: number; order: number } | null, body: () => T, scope?: number, words: readonly number[] | null = null, undo: (() => void) | null = null): T {
      const x = this.xcpu;
      if (x !== null && x.inSection === 0) {
        if (x.cursor < x.log.length) {
          const e = x.log[x.cursor++]!;
          if (e.prim !== name) throw new Error(`pagesim explore: replay diverged: expected ${e.prim}, reached ${name}`);
          return e.ret as T;
        }
        if (x.performed) {
          x.pendingWord = scope ?? -1;
          x.pendingWrite = true;
          throw PREEMPT;
        }
      }
      const top = x !== null && x.inSection === 0;
      // A section confined to the words it lists reports them as an atomic would, and one that changes
      // JavaScript state (an mm's rss counters, a node's vmstat) says how to undo it: it is undone without a restore.
      const undoable = top && this.xhooks !== null && (words !== null || undo !== null);
      if (undoable && words !== null) for (const w of words) this.xhooks!.onWrite(w, this.i32[w]!);
      if (undoable && undo !== null) this.xhooks!.onUndo(undo);
      if (x !== null) x.inSection++;
      let ret: T;
      try {
        if (freeing !== null && this.xfreeing === 0 && this.xhooks !== null) this.xhooks.onFree(freeing.pfn, freeing.order);
        if (freeing !== null) this.xfreeing++;
        try {
          ret = body();
        } finally {
          if (freeing !== null) this.xfreeing--;
        }
      } finally {
        if (x !== null) x.inSection--;
      }
      if (top) {
        x.log.push({ prim: name, word: -1, old: 0, value: 0, ret, arg: 0, fn: x.trace ? name : null, ...(scope !== undefined ? { scope } : {}), ...(undoable ? { undoable: true as const } : {}) });
        x.cursor++;
        x.performed = true;
      }
      return ret;
    }

    // The references an unmap drops after its TLB flush (the ownership oracle counts them as
    // dropped by the running operation from here on; the puts themselves are interleavable).
    override tlb_batch_pages_flush(tlb: Parameters<Kernel['tlb_batch_pages_flush']>[0]): void {
      const h = this.xhooks;
      if (h !== null) for (let i = 0; i < tlb.nr_pages; i += 2) h.onDrop(this.page_folio(tlb.pages[i]!), tlb.pages[i + 1]!);
      super.tlb_batch_pages_flush(tlb);
    }

    // Gathering the VMAs to unmap reads the mm's own list; splitting one allocates a vm_area_struct (slab: anything).
    override vms_gather_munmap_vmas(mm: Parameters<Kernel['vms_gather_munmap_vmas']>[0], start: number, end: number): ReturnType<Kernel['vms_gather_munmap_vmas']> {
      const splits = mm.vmas.some((v) => (v.vm_start < start && start < v.vm_end) || (v.vm_start < end && end < v.vm_end));
      return this.xsection('vms_gather_munmap_vmas', null, () => super.vms_gather_munmap_vmas(mm, start, end), splits ? undefined : mmCountersScope(mm.id), splits ? null : [], null);
    }

    override __folio_put(folio: number): void {
      this.xsection('__folio_put', null, () => super.__folio_put(folio));
    }

    override __free_frozen_pages(page: number, order: number, fpi: number): void {
      this.xsection('__free_frozen_pages', { pfn: page, order }, () => super.__free_frozen_pages(page, order, fpi));
    }

    override __free_pages_ok(page: number, order: number, fpi: number): void {
      this.xsection('__free_pages_ok', { pfn: page, order }, () => super.__free_pages_ok(page, order, fpi));
    }

    // The plain stores of mapping a page (vm_insert_page): walking to the pte and allocating the
    // tables under the mm's and the PTE lock, the pte itself, the mm's rss counter and the node's
    // vmstat. Each is one action; the refcount and mapcount atomics between them are actions of
    // their own. The PTE lock is not held across them: two CPUs mapping into one page table at
    // once are not modelled (each CPU of a scenario maps into its own mm).
    override get_locked_pte(mm: Parameters<Kernel['get_locked_pte']>[0], addr: number): number {
      return this.xsection('get_locked_pte', null, () => super.get_locked_pte(mm, addr));
    }

    override setEntry(w: number, pfn: number, flagsLo: number, flagsHi: number): void {
      this.xsection('setEntry', null, () => super.setEntry(w, pfn, flagsLo, flagsHi), w, [w, w + 1]);
    }

    override clearEntry(w: number): void {
      this.xsection('clearEntry', null, () => super.clearEntry(w), w, [w, w + 1]);
    }

    override ptep_set_access_flags(w: number, dirty: boolean): void {
      this.xsection('ptep_set_access_flags', null, () => super.ptep_set_access_flags(w, dirty), w, [w]);
    }

    // free_pgtables() queues the tables in the gather's batch page, which tlb_finish_mmu() hands to RCU
    // first thing: one section for both, as nothing runs between them and the batch is the gather's.
    override free_pgtables(tlb: Parameters<Kernel['free_pgtables']>[0], vmas: Parameters<Kernel['free_pgtables']>[1], floor: number, ceiling: number): void {
      this.xsection('free_pgtables', null, () => {
        super.free_pgtables(tlb, vmas, floor, ceiling);
        this.tlb_table_flush(tlb);
      });
    }

    override add_mm_counter(mm: Parameters<Kernel['add_mm_counter']>[0], member: number, value: number): void {
      this.xsection('add_mm_counter', null, () => super.add_mm_counter(mm, member, value), mmCountersScope(mm.id), null, () => {
        mm.rss_stat[member] = mm.rss_stat[member]! - value;
      });
    }

    override __folio_mod_stat(folio: number, nr: number, nr_pmdmapped: number): void {
      const nid = this.page_to_nid(folio);
      const before = this.nodes[nid]!.vm_stat.slice();
      this.xsection('__folio_mod_stat', null, () => super.__folio_mod_stat(folio, nr, nr_pmdmapped), vmstatScope(nid), null, () => {
        this.nodes[nid]!.vm_stat.set(before);
      });
    }

    // folio_add/sub_return_large_mapcount() run under folio_lock_large_mapcount() (a bit spinlock).
    override folio_add_large_mapcount(folio: number, diff: number, vma: Parameters<Kernel['folio_add_large_mapcount']>[2]): number {
      return this.xsection('folio_add_large_mapcount', null, () => super.folio_add_large_mapcount(folio, diff, vma), this.largeMapcountScope(folio), this.largeMapcountWords(folio));
    }

    override folio_sub_large_mapcount(folio: number, diff: number, vma: Parameters<Kernel['folio_sub_large_mapcount']>[2]): number {
      return this.xsection('folio_sub_large_mapcount', null, () => super.folio_sub_large_mapcount(folio, diff, vma), this.largeMapcountScope(folio), this.largeMapcountWords(folio));
    }

    /** The folio's _large_mapcount word stands for what its bit lock guards (the mapcount and the mm ids beside it). */
    private largeMapcountScope(folio: number): number {
      return folio * this.PW + this.FF['_large_mapcount']!;
    }

    /** The words folio_add/sub_return_large_mapcount() may store: _large_mapcount, and with CONFIG_MM_ID _mm_id_mapcount[2] and _mm_ids[2]. */
    private largeMapcountWords(folio: number): number[] {
      const base = folio * this.PW;
      const out = [base + this.FF['_large_mapcount']!];
      const ids = this.FF['_mm_ids'];
      const counts = this.FF['_mm_id_mapcount'];
      if (ids !== undefined && counts !== undefined) out.push(base + counts, base + counts + 1, base + ids, base + ids + 1);
      return out;
    }
  }
  const proto = Explore.prototype as unknown as Record<string, unknown>;
  const baseProto = Base.prototype as unknown as Record<string, (...a: number[]) => unknown>;
  for (const prim of ATOMIC_PRIMITIVES) proto[prim] = atomicAction(prim, baseProto[prim]!);
  for (const [name, scopeArg] of PLAIN_SECTIONS) {
    const base = baseProto[name];
    if (base === undefined) throw new Error(`pagesim explore: no kernel function ${name} to run as a section`);
    proto[name] = plainSection(name, base, scopeArg);
  }
  for (const name of LOCAL_READS) {
    const base = baseProto[name];
    if (base === undefined) throw new Error(`pagesim explore: no kernel function ${name} to log`);
    proto[name] = localRead(name, base);
  }
  cache.set(Base, Explore as unknown as KernelCtor);
  return Explore as unknown as new (...args: ConstructorParameters<typeof Kernel>) => ExploreKernel;
}

/** A kernel function run as a lock section (see PLAIN_SECTIONS). */
function plainSection(name: string, base: (...a: number[]) => unknown, scopeArg: number) {
  return function (this: ExploreKernel & { xsection<T>(n: string, f: null, body: () => T, scope?: number): T }, ...args: number[]): unknown {
    if (this.xcpu === null) return base.apply(this, args);
    return this.xsection(name, null, () => base.apply(this, args), scopeArg >= 0 ? args[scopeArg] : undefined);
  };
}

/** A read logged for running the operation again (see LOCAL_READS). */
function localRead(name: string, base: (...a: number[]) => unknown) {
  return function (this: ExploreKernel, a: number, b: number, c: number): unknown {
    const x = this.xcpu;
    if (x === null || x.inSection > 0) return base.call(this, a, b, c);
    if (x.cursor < x.log.length) {
      const e = x.log[x.cursor++]!;
      if (e.prim !== name || (typeof a === 'number' && e.arg !== a)) throw new Error(`pagesim explore: replay diverged: expected ${e.prim}(${e.arg}), reached ${name}(${String(a)})`);
      return e.ret;
    }
    // Reads it makes itself are part of it, not logged on their own.
    x.inSection++;
    let ret: unknown;
    try {
      ret = base.call(this, a, b, c);
    } finally {
      x.inSection--;
    }
    x.log.push({ prim: name, word: -2, old: 0, value: 0, ret, arg: typeof a === 'number' ? a : 0, fn: null, local: true });
    x.cursor++;
    return ret;
  };
}

/** An atomic_t operation as a scheduling point (see the file comment). */
function atomicAction(prim: AtomicPrimitive, base: (...a: number[]) => unknown) {
  const write = !readsOnly(prim);
  return function (this: ExploreKernel, w: number, a: number, b: number): unknown {
    const x = this.xcpu;
    if (x === null || x.inSection > 0) {
      if (x !== null && this.xhooks !== null && write) this.xhooks.onWrite(w, this.i32[w]!);
      return base.call(this, w, a, b);
    }
    if (x.cursor < x.log.length) {
      const e = x.log[x.cursor++]!;
      if (e.prim !== prim || e.word !== w) throw new Error(`pagesim explore: replay diverged: expected ${e.prim} on word ${e.word}, reached ${prim} on word ${w}`);
      return e.ret;
    }
    if (x.performed) {
      x.pendingWord = w;
      x.pendingWrite = write;
      throw PREEMPT;
    }
    const old = this.i32[w]!;
    const ret = base.call(this, w, a, b);
    const value = this.i32[w]!;
    if (value !== old && this.xhooks !== null) this.xhooks.onWrite(w, old);
    x.log.push({ prim, word: w, old, value, ret, arg: a, fn: x.trace ? innermostFunction(this) : null });
    x.cursor++;
    x.performed = true;
    return ret;
  };
}

/** The innermost kernel function on the stack that is not an atomic_t operation itself. */
function innermostFunction(k: ExploreKernel): string | null {
  const stack = (k as unknown as { kernelStack(): string[] }).kernelStack();
  for (const name of stack) if (!name.startsWith('atomic_') && !name.startsWith('raw_atomic')) return name;
  return null;
}
