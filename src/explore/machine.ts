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
   * A lock section that touches only one place (a pte, one mm's counters):
   * a word, or a negative id below -2 for memory outside the buffer, so that
   * it commutes with actions elsewhere. Absent: it may touch anything.
   */
  readonly scope?: number;
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
export const LOCK_SECTIONS = ['__folio_put', '__free_frozen_pages', '__free_pages_ok', 'get_locked_pte', 'setEntry', 'add_mm_counter', '__folio_mod_stat', 'folio_add_large_mapcount', 'folio_sub_large_mapcount'] as const;

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
    xsection<T>(name: string, freeing: { pfn: number; order: number } | null, body: () => T, scope?: number): T {
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
        x.log.push({ prim: name, word: -1, old: 0, value: 0, ret, arg: 0, fn: x.trace ? name : null, ...(scope !== undefined ? { scope } : {}) });
        x.cursor++;
        x.performed = true;
      }
      return ret;
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
      this.xsection('setEntry', null, () => super.setEntry(w, pfn, flagsLo, flagsHi), w);
    }

    override add_mm_counter(mm: Parameters<Kernel['add_mm_counter']>[0], member: number, value: number): void {
      this.xsection('add_mm_counter', null, () => super.add_mm_counter(mm, member, value), mmCountersScope(mm.id));
    }

    override __folio_mod_stat(folio: number, nr: number, nr_pmdmapped: number): void {
      this.xsection('__folio_mod_stat', null, () => super.__folio_mod_stat(folio, nr, nr_pmdmapped));
    }

    // folio_add/sub_return_large_mapcount() run under folio_lock_large_mapcount() (a bit spinlock).
    override folio_add_large_mapcount(folio: number, diff: number, vma: Parameters<Kernel['folio_add_large_mapcount']>[2]): number {
      return this.xsection('folio_add_large_mapcount', null, () => super.folio_add_large_mapcount(folio, diff, vma));
    }

    override folio_sub_large_mapcount(folio: number, diff: number, vma: Parameters<Kernel['folio_sub_large_mapcount']>[2]): number {
      return this.xsection('folio_sub_large_mapcount', null, () => super.folio_sub_large_mapcount(folio, diff, vma));
    }
  }
  const proto = Explore.prototype as unknown as Record<string, unknown>;
  const baseProto = Base.prototype as unknown as Record<string, (...a: number[]) => unknown>;
  for (const prim of ATOMIC_PRIMITIVES) proto[prim] = atomicAction(prim, baseProto[prim]!);
  cache.set(Base, Explore as unknown as KernelCtor);
  return Explore as unknown as new (...args: ConstructorParameters<typeof Kernel>) => ExploreKernel;
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
