/**
 * mm/page_owner.c (v6.12) for a simulated machine: who allocated each page
 * that is still allocated, with the allocation's order, gfp mask, task and
 * call trace, printed in the format of /sys/kernel/debug/page_owner.
 *
 * As in the kernel, page_owner is off unless the machine boots with it
 * (`machine: {page_owner: on}`, the kernel's `page_owner=on`; `pagesim run
 * --leaks` turns it on too). Off, nothing of it exists: the hot paths are
 * the same code. On, the allocation and free hooks are installed on the
 * machine object itself, shadowing post_alloc_hook() (where the kernel's
 * set_page_owner() is), __free_pages_prepare() (reset_page_owner(), once
 * the free checks passed: a bad page stays allocated) and split_page()
 * (split_page_owner()), and dump_page()'s dump_page_owner() (linux-mm
 * 7.3-rc5 __dump_page_owner(): the lines a bad page or VM_BUG dump ends with).
 *
 * What pagesim does not have:
 * - a clock: `ts` is 1 ms per scenario step from 1 s after boot, plus 1 us
 *   per page_owner event within the step;
 * - stack depot: the call trace is the simulated call stack at the
 *   allocation, as oops call traces print it (up to PAGE_OWNER_STACK_DEPTH
 *   entries, starting at post_alloc_hook, as save_stack() skips its own
 *   two frames);
 * - early allocated pages (init_pages_in_zone() marks pages the allocator
 *   handed out before page_owner was ready with the stack of
 *   register_early_stack()): pages allocated while the machine booted are
 *   not tracked and not listed, and their dump says "page_owner info is not
 *   present (never set?)";
 * - memcg: no "Charged to" lines.
 */

import { callTrace } from '../report/oops.js';
import { formatGfpMask, gfp_migratetype } from './gfp.js';
import { migratetype_names, pageblock_order } from './config.js';
import { formatPageFlags } from './vsprintf.js';
import type { Kernel } from './kernel.js';

/** PAGE_OWNER_STACK_DEPTH: entries save_stack() keeps. */
export const PAGE_OWNER_STACK_DEPTH = 16;

/** struct page_owner, with the scenario step that allocated (pagesim's own addition). */
export interface PageOwnerRecord {
  readonly order: number;
  readonly gfp_mask: number;
  readonly pid: number;
  readonly tgid: number;
  readonly comm: string;
  readonly ts_nsec: number;
  /** The allocation's call trace, `name+0xoff/0xsize`, innermost first. */
  readonly stack: readonly string[];
  /** The step that allocated (0: before the first step) and that step as a call. */
  readonly step: number;
  readonly call: string;
  /** PAGE_EXT_OWNER_ALLOCATED: cleared when the page is freed. */
  allocated: boolean;
  /**
   * The last free of this page (free_handle, free_pid, free_tgid,
   * free_ts_nsec): kept when the page is allocated again, as the kernel's
   * page_ext keeps them; absent until the page was first freed.
   */
  freeStep?: number;
  freeTsNsec?: number;
  freePid?: number;
  freeTgid?: number;
  freeStack?: readonly string[];
}

const owners = new WeakMap<Kernel, PageOwner>();

/** The page_owner of a machine, or null when it booted without. */
export function pageOwnerOf(k: Kernel): PageOwner | null {
  return owners.get(k) ?? null;
}

type Method = (...args: unknown[]) => unknown;

export class PageOwner {
  /** Per pfn, as the kernel keeps one record per page in page_ext. */
  private readonly records = new Map<number, PageOwnerRecord>();
  private step = 0;
  private call = '(before the first step)';
  private events = 0;

  private constructor(private readonly k: Kernel) {}

  /** Turns page_owner on for a booted machine: installs its hooks on the machine object. */
  static enable(k: Kernel): PageOwner {
    const existing = owners.get(k);
    if (existing !== undefined) return existing;
    const po = new PageOwner(k);
    owners.set(k, po);
    const kk = k as unknown as Record<string, Method>;
    const stackOf = (): string[] => (k as unknown as { kernelStack(): string[] }).kernelStack();
    const postAlloc = kk['post_alloc_hook']!;
    const freePrepare = kk['__free_pages_prepare']!;
    const splitPage = kk['split_page']!;
    const install = (name: string, fn: Method): void => {
      Object.defineProperty(k, name, { value: fn, configurable: true, writable: true, enumerable: false });
    };
    install('post_alloc_hook', function (this: Kernel, ...args: unknown[]) {
      const r = postAlloc.apply(this, args);
      // set_page_owner() at the end of post_alloc_hook(); the stack from post_alloc_hook outwards.
      po.__set_page_owner(args[0] as number, args[1] as number, args[2] as number, ['post_alloc_hook', ...stackOf()]);
      return r;
    });
    install('__free_pages_prepare', function (this: Kernel, ...args: unknown[]) {
      const ok = freePrepare.apply(this, args) as boolean;
      // FPI_PREPARED pages went through the checks (and reset_page_owner()) before.
      if (ok) po.__reset_page_owner(args[0] as number, args[1] as number, ['__free_pages_prepare', ...stackOf()]);
      return ok;
    });
    install('dump_page_owner', function (this: Kernel, ...args: unknown[]) {
      po.__dump_page_owner(args[0] as number, args[1] as string[]);
    });
    install('split_page', function (this: Kernel, ...args: unknown[]) {
      const r = splitPage.apply(this, args);
      po.__split_page_owner(args[0] as number, args[1] as number);
      return r;
    });
    return po;
  }

  /** The scenario step now running, for the records' step and the clock. */
  setStep(step: number, call: string): void {
    this.step = step;
    this.call = call;
    this.events = 0;
  }

  private local_clock(): number {
    return 1_000_000_000 + this.step * 1_000_000 + this.events++ * 1000;
  }

  /** save_stack(): the simulated call stack as stack depot would keep it, `name+0xoff/0xsize` entries. */
  private save_stack(stack: readonly string[]): string[] {
    const { rip, trace } = callTrace(stack, this.k.symbols);
    return [rip, ...trace.filter((l) => !l.startsWith('<') && !l.startsWith(' '))].slice(0, PAGE_OWNER_STACK_DEPTH);
  }

  __set_page_owner(page: number, order: number, gfp_mask: number, stack: readonly string[]): void {
    const entries = this.save_stack(stack);
    const t = this.k.current;
    const rec: PageOwnerRecord = { order, gfp_mask, pid: t.pid, tgid: t.pid, comm: t.comm, ts_nsec: this.local_clock(), stack: entries, step: this.step, call: this.call, allocated: true };
    // __update_page_owner_handle(): every page of the allocation gets the record; the last free's
    // handle, task and time stay in page_ext, for dump_page_owner() to print.
    const n = Math.min(1 << order, this.k.nr_pages - page);
    for (let i = 0; i < n; i++) {
      const prev = this.records.get(page + i);
      const r = i === 0 ? rec : { ...rec };
      if (prev?.freeStack !== undefined) {
        r.freeStep = prev.freeStep;
        r.freeTsNsec = prev.freeTsNsec;
        r.freePid = prev.freePid;
        r.freeTgid = prev.freeTgid;
        r.freeStack = prev.freeStack;
      }
      this.records.set(page + i, r);
    }
  }

  __reset_page_owner(page: number, order: number, stack: readonly string[]): void {
    const ts = this.local_clock();
    const n = Math.min(1 << order, this.k.nr_pages - page);
    let entries: string[] | null = null;
    const t = this.k.current;
    for (let i = 0; i < n; i++) {
      const r = this.records.get(page + i);
      if (r === undefined) continue;
      entries ??= this.save_stack(stack);
      r.allocated = false;
      r.freeStep = this.step;
      r.freeTsNsec = ts;
      r.freePid = t.pid;
      r.freeTgid = t.pid;
      r.freeStack = entries;
    }
  }

  /**
   * __dump_page_owner() (mm/page_owner.c, linux-mm 7.3-rc5), the lines
   * dump_page() ends with when page_owner is on. Pages the allocator handed
   * out while the machine booted have no record here (the kernel marks them
   * with its early stack), so they print as never set.
   */
  __dump_page_owner(page: number, out: string[]): void {
    const r = this.records.get(page);
    if (r === undefined) {
      out.push('page_owner info is not present (never set?)');
      return;
    }
    out.push(r.allocated ? 'page_owner tracks the page as allocated' : 'page_owner tracks the page as freed');
    out.push(
      `page last allocated via order ${r.order}, migratetype ${migratetype_names[gfp_migratetype(r.gfp_mask)]}, gfp_mask ${formatGfpMask(r.gfp_mask)}, pid ${r.pid}, tgid ${r.tgid} (${r.comm}), ts ${r.ts_nsec}`,
    );
    // stack_depot_print(): one entry a line, after a single space.
    out.push(...r.stack.map((e) => ` ${e}`));
    if (r.freeStack === undefined) out.push('page_owner free stack trace missing');
    else {
      out.push(`page last free pid ${r.freePid} tgid ${r.freeTgid} ts ${r.freeTsNsec} stack trace:`);
      out.push(...r.freeStack.map((e) => ` ${e}`));
    }
  }

  /** split_page_owner(): each page of the split allocation is an order-0 allocation. */
  __split_page_owner(page: number, order: number): void {
    for (let i = 0; i < 1 << order; i++) {
      const r = this.records.get(page + i);
      if (r !== undefined) this.records.set(page + i, { ...r, order: 0 });
    }
  }

  /** The record of a page (allocated or freed), if page_owner has seen it. */
  record(pfn: number): PageOwnerRecord | undefined {
    return this.records.get(pfn);
  }

  /**
   * The pages read_page_owner() prints, ascending: allocated, tracked, the
   * first page of their allocation (tails of a high-order one are left
   * out), not on a free list.
   */
  allocatedPages(): number[] {
    const out: number[] = [];
    for (const [pfn, r] of this.records) {
      if (!r.allocated || pfn % (1 << r.order) !== 0) continue;
      if (this.k.PageBuddy(pfn)) continue;
      out.push(pfn);
    }
    return out.sort((a, b) => a - b);
  }

  /** print_page_owner(): one page's entry of /sys/kernel/debug/page_owner, with the blank line that ends it. */
  print_page_owner(pfn: number): string {
    const r = this.records.get(pfn)!;
    const k = this.k;
    const lines = [
      `Page allocated via order ${r.order}, mask ${formatGfpMask(r.gfp_mask)}, pid ${r.pid}, tgid ${r.tgid} (${r.comm}), ts ${r.ts_nsec} ns`,
      `PFN 0x${pfn.toString(16)} type ${migratetype_names[gfp_migratetype(r.gfp_mask)]} Block ${Math.floor(pfn / 2 ** pageblock_order)} type ${migratetype_names[k.get_pfnblock_migratetype(pfn, pfn)]} Flags ${formatPageFlags(k.flagsLo(pfn), k.flagsHi(pfn))}`,
      ...r.stack.map((e) => ` ${e}`),
    ];
    return `${lines.join('\n')}\n\n`;
  }

  /** read_page_owner() to the end: the whole file. */
  read(): string {
    return this.allocatedPages()
      .map((p) => this.print_page_owner(p))
      .join('');
  }
}
