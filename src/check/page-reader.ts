/**
 * How the pass over the memmap reads a struct page. The checkers that look
 * at every struct page (page-state, compound, page-tables) share one pass
 * (memmap-pass.ts), which reads each page through a PageReader:
 *
 *   WordReader    reads the words the kernel's helpers read, without calling
 *                 them: a pass over a 1 GiB memmap makes no call per page.
 *   KernelReader  calls the kernel's helpers, for a variant that overrides
 *                 any of them (a frozen refcount bit, a memdesc page table),
 *                 so the checkers see each page as that variant defines it.
 *
 * readerFor() takes WordReader only when none of READ_HELPERS is overridden,
 * so both give the same answers for every page.
 */

import { Kernel } from '../kernel/kernel.js';
import { PG_head } from '../kernel/page-flags.js';

export interface PageReader {
  /** page_type(): the page_type word, unsigned. */
  type(pfn: number): number;
  PageBuddy(pfn: number): boolean;
  PageTail(pfn: number): boolean;
  PageHead(pfn: number): boolean;
  page_ref_count(pfn: number): number;
  /** Pages a PageTable-typed page stands for in NR_PAGETABLE (pageTableNrPages()). */
  pageTableNrPages(pfn: number): number;
}

/** The kernel helpers WordReader reads the bytes of itself. */
const READ_HELPERS = ['page_type', 'PageBuddy', 'PageTail', 'PageHead', 'flagsLo', 'compound_order', 'page_ref_count', 'atomic_read', 'refcountWord', 'pageTableNrPages'] as const;

const HEAD = 1 << PG_head;

/** Where a struct page's words are: its size in words, and the words the pass reads. */
export interface WordLayout {
  readonly PW: number;
  readonly wType: number;
  readonly wFlags: number;
  readonly wHead: number;
  readonly wRef: number;
}

export class WordReader implements PageReader {
  private readonly m32: Uint32Array;
  /** The words read, for a pass that reads them itself (memmap-pass.ts). */
  readonly i32: Int32Array;
  readonly layout: WordLayout;
  private readonly PW: number;
  private readonly wType: number;
  private readonly wFlags: number;
  private readonly wHead: number;
  private readonly wRef: number;

  /** `words`: the machine's memory as 32-bit words (default: as it is now; a checkpoint's copy reads the past). */
  constructor(
    readonly kernel: Kernel,
    words: Int32Array = kernel.i32,
  ) {
    const k = kernel;
    this.m32 = words === k.i32 ? k.m32 : new Uint32Array(words.buffer, words.byteOffset, words.length);
    this.i32 = words;
    this.PW = k.PW;
    this.wType = k.W_page_type;
    this.wFlags = k.W_flags;
    this.wHead = k.W_compound_head;
    this.wRef = k.W_refcount;
    this.layout = { PW: this.PW, wType: this.wType, wFlags: this.wFlags, wHead: this.wHead, wRef: this.wRef };
  }

  type(pfn: number): number {
    return this.m32[pfn * this.PW + this.wType]!;
  }

  PageBuddy(pfn: number): boolean {
    return this.m32[pfn * this.PW + this.wType]! >>> 24 === 0xf0;
  }

  PageTail(pfn: number): boolean {
    return (this.m32[pfn * this.PW + this.wHead]! & 1) !== 0;
  }

  PageHead(pfn: number): boolean {
    return (this.m32[pfn * this.PW + this.wFlags]! & HEAD) !== 0;
  }

  page_ref_count(pfn: number): number {
    return this.i32[pfn * this.PW + this.wRef]!;
  }

  pageTableNrPages(pfn: number): number {
    // compound_order(): page[1].flags' low byte of a head page.
    return this.PageHead(pfn) ? 1 << (this.m32[(pfn + 1) * this.PW + this.wFlags]! & 0xff) : 1;
  }
}

export class KernelReader implements PageReader {
  constructor(private readonly k: Kernel) {}

  type(pfn: number): number {
    return this.k.page_type(pfn);
  }

  PageBuddy(pfn: number): boolean {
    return this.k.PageBuddy(pfn);
  }

  PageTail(pfn: number): boolean {
    return this.k.PageTail(pfn);
  }

  PageHead(pfn: number): boolean {
    return this.k.PageHead(pfn);
  }

  page_ref_count(pfn: number): number {
    return this.k.page_ref_count(pfn);
  }

  pageTableNrPages(pfn: number): number {
    return this.k.pageTableNrPages(pfn);
  }
}

/**
 * Functions that only call a kernel helper and return what it returns
 * (the fuzzer's coverage probes), by the helper: a helper wrapped so is
 * not overridden, and the words it reads are the helper's.
 */
const wrappers = new WeakMap<object, unknown>();

/** Notes that `wrapper` calls `helper` with its arguments and returns its result, nothing else. */
export function noteWrapper(wrapper: object, helper: unknown): void {
  wrappers.set(wrapper, helper);
}

/** WordReader when the machine's variant reads struct pages as mainline does, else KernelReader. */
export function readerFor(k: Kernel): PageReader {
  return readsWords(k) ? new WordReader(k) : new KernelReader(k);
}

/** Whether the machine's variant reads struct pages as mainline does (none of READ_HELPERS overridden). */
export function readsWords(k: Kernel): boolean {
  return overriddenHelpers(k).length === 0;
}

/** Whether any of READ_HELPERS is a wrapper noted by noteWrapper() on this machine. */
export function wrapsHelpers(k: Kernel): boolean {
  const mine = k as unknown as Record<string, unknown>;
  return READ_HELPERS.some((name) => typeof mine[name] === 'function' && wrappers.has(mine[name] as object));
}

/** The helpers of READ_HELPERS the machine's variant overrides (a helper only wrapped, as the fuzzer's probes wrap it, is not). */
export function overriddenHelpers(k: Kernel): string[] {
  const base = Kernel.prototype as unknown as Record<string, unknown>;
  const mine = k as unknown as Record<string, unknown>;
  const helper = (f: unknown): unknown => (typeof f === 'function' ? (wrappers.get(f) ?? f) : f);
  return READ_HELPERS.filter((name) => helper(mine[name]) !== base[name]);
}
