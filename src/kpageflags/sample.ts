/**
 * A small machine with one of each kind of page /proc/kpageflags tells
 * apart, made through the simulated kernel's API: anonymous and page-cache
 * folios (small, large and PMD-mapped), KSM, slab, page-table, offline,
 * hugetlb, large-kmalloc and plain compound pages, pages free on the
 * per-CPU lists and in the buddy allocator, and the flags of page-types'
 * overloaded bits (anon_exclusive, readahead, slub_frozen).
 *
 * Scenario files cannot yet set folio->mapping or the large-folio mapcounts,
 * so the fixture is code. It is the machine the page-types cross-check test
 * runs the kernel's own tool on, and the example of docs/kpageflags.md.
 */

import type { Kernel } from '../kernel/kernel.js';
import { buildVariant, createMachine } from '../engine/build.js';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, __GFP_COMP } from '../kernel/gfp.js';
import {
  PG_active,
  PG_arch_1,
  PG_dirty,
  PG_hwpoison,
  PG_idle,
  PG_locked,
  PG_lru,
  PG_mlocked,
  PG_owner_2,
  PG_private,
  PG_private_2,
  PG_reclaim,
  PG_referenced,
  PG_swapbacked,
  PG_swapcache,
  PG_unevictable,
  PG_uptodate,
  PG_writeback,
  PGTY_hugetlb,
  PGTY_large_kmalloc,
  PGTY_offline,
  PGTY_slab,
  PGTY_table,
} from '../kernel/page-flags.js';
import type { KpfContext } from './stable-page-flags.js';

/** Where the sample put each kind of page, for tests that check single pfns. */
export interface SamplePages {
  readonly thpAnon: number;
  readonly fileLarge: number;
  readonly anonSmall: number;
  readonly ksm: number;
  readonly swapcache: number;
  readonly readahead: number;
  readonly writeback: number;
  readonly mlocked: number;
  readonly slab: number;
  readonly slabSmall: number;
  readonly pgtable: number;
  readonly pgtableKernel: number;
  readonly offline: number;
  readonly hugetlb: number;
  readonly largeKmalloc: number;
  readonly compound: number;
  readonly pcpFree: number;
  readonly buddyFree: number;
  readonly zero: number;
}

export interface SampleMachine {
  readonly k: Kernel;
  readonly pages: SamplePages;
  /** The zero page: pagesim has none of its own, so the sample names one reserved pfn. */
  readonly ctx: KpfContext;
}

/** An address-space pointer for a page-cache folio (even: FOLIO_MAPPING_ANON clear). */
const FILE_MAPPING_LO = 0x12345680;
/** An anon_vma pointer | FOLIO_MAPPING_ANON. */
const ANON_MAPPING_LO = 0x2468ace0 | 0x1;
const KERNEL_HI = 0xffff8880;

function must(page: number, what: string): number {
  if (page < 0) throw new Error(`sample machine: allocating ${what} failed`);
  return page;
}

function setFlags(k: Kernel, page: number, bits: readonly number[]): void {
  for (const b of bits) k.m32[page * k.PW + k.W_flags] = (k.m32[page * k.PW + k.W_flags]! | (1 << b)) >>> 0;
}

function setMapping(k: Kernel, page: number, lo: number): void {
  k.setWord64(page, k.W_mapping, lo >>> 0, KERNEL_HI);
}

/** _mapcount of one page: n mappings. */
function mapPage(k: Kernel, page: number, n: number): void {
  k.i32[page * k.PW + k.W_mapcount] = n - 1;
}

/** A large folio's mapcounts: `pte` pages mapped by PTE once each, plus `pmd` PMD mappings (each counts once in _large_mapcount). */
function mapLarge(k: Kernel, folio: number, pte: number, pmd: number): void {
  for (let i = 0; i < pte; i++) mapPage(k, folio + i, 1);
  k.i32[folio * k.PW + k.FF['_large_mapcount']!] = pte + pmd - 1;
  k.i32[folio * k.PW + k.FF['_entire_mapcount']!] = pmd - 1;
}

/** Builds the sample on a 256 MiB, 2-CPU machine of `variant`. */
export function buildSampleMachine(variant = 'baseline'): SampleMachine {
  const k = createMachine(buildVariant(variant), { memoryBytes: 256 * 2 ** 20, cpus: 2, nodes: 1 });
  const comp = GFP_KERNEL | __GFP_COMP;

  // A PMD-mapped anonymous THP, exclusive to one process (owner_2 = anon_exclusive on anon pages).
  const thpAnon = must(k.folio_alloc(GFP_HIGHUSER_MOVABLE, 9), 'a THP');
  setMapping(k, thpAnon, ANON_MAPPING_LO);
  setFlags(k, thpAnon, [PG_lru, PG_uptodate, PG_dirty, PG_swapbacked, PG_owner_2, PG_active]);
  mapLarge(k, thpAnon, 0, 1);

  // An order-2 page-cache folio, half of it mapped by PTEs, with buffer heads (private).
  const fileLarge = must(k.folio_alloc(GFP_HIGHUSER_MOVABLE, 2), 'a large file folio');
  setMapping(k, fileLarge, FILE_MAPPING_LO);
  setFlags(k, fileLarge, [PG_lru, PG_uptodate, PG_referenced, PG_active, PG_private, PG_idle]);
  mapLarge(k, fileLarge, 2, 0);

  // Small anonymous pages: one mapped twice (after fork), one KSM page, one in the swap cache.
  const anonSmall = must(k.alloc_pages(GFP_HIGHUSER_MOVABLE, 0), 'an anon page');
  setMapping(k, anonSmall, ANON_MAPPING_LO);
  setFlags(k, anonSmall, [PG_lru, PG_uptodate, PG_swapbacked, PG_referenced]);
  mapPage(k, anonSmall, 2);
  const ksm = must(k.alloc_pages(GFP_HIGHUSER_MOVABLE, 0), 'a KSM page');
  setMapping(k, ksm, ANON_MAPPING_LO | 0x2);
  setFlags(k, ksm, [PG_lru, PG_uptodate, PG_swapbacked]);
  mapPage(k, ksm, 3);
  const swapcache = must(k.alloc_pages(GFP_HIGHUSER_MOVABLE, 0), 'a swap-cache page');
  setMapping(k, swapcache, ANON_MAPPING_LO);
  setFlags(k, swapcache, [PG_lru, PG_uptodate, PG_swapbacked, PG_swapcache, PG_dirty]);

  // Small page-cache pages: under readahead, under writeback for reclaim, mlocked, and a few odd flags.
  const readahead = must(k.alloc_pages(GFP_HIGHUSER_MOVABLE, 0), 'a readahead page');
  setMapping(k, readahead, FILE_MAPPING_LO);
  setFlags(k, readahead, [PG_lru, PG_reclaim, PG_locked]);
  const writeback = must(k.alloc_pages(GFP_HIGHUSER_MOVABLE, 0), 'a writeback page');
  setMapping(k, writeback, FILE_MAPPING_LO);
  setFlags(k, writeback, [PG_lru, PG_uptodate, PG_writeback, PG_reclaim, PG_private_2, PG_arch_1]);
  const mlocked = must(k.alloc_pages(GFP_HIGHUSER_MOVABLE, 0), 'an mlocked page');
  setMapping(k, mlocked, FILE_MAPPING_LO);
  setFlags(k, mlocked, [PG_lru, PG_uptodate, PG_unevictable, PG_mlocked, PG_hwpoison]);
  mapPage(k, mlocked, 1);

  // An order-1 slab on a CPU (slab + active = slub_frozen in raw mode), and an order-0 slab
  // whose slab_list overlay left an odd word where folio->mapping is read (the real
  // "slab,anonymous" rows).
  const slab = must(k.alloc_pages(comp, 1), 'a slab');
  k.__SetPageType(slab, PGTY_slab);
  setFlags(k, slab, [PG_active]);
  const slabSmall = must(k.alloc_pages(GFP_KERNEL, 0), 'a small slab');
  k.__SetPageType(slabSmall, PGTY_slab);
  setMapping(k, slabSmall, 0x3);

  // Page tables: a user PTE table and a kernel one (PT_kernel is PG_referenced).
  const pgtable = must(k.alloc_pages(GFP_KERNEL, 0), 'a page table');
  k.__SetPageType(pgtable, PGTY_table);
  const pgtableKernel = must(k.alloc_pages(GFP_KERNEL, 0), 'a kernel page table');
  k.__SetPageType(pgtableKernel, PGTY_table);
  setFlags(k, pgtableKernel, [PG_referenced]);

  // A ballooned-out page, a hugetlb folio, a large kmalloc and a bare compound page.
  const offline = must(k.alloc_pages(GFP_KERNEL, 0), 'an offline page');
  k.__SetPageType(offline, PGTY_offline);
  const hugetlb = must(k.alloc_pages(comp, 9), 'a hugetlb folio');
  k.__SetPageType(hugetlb, PGTY_hugetlb);
  const largeKmalloc = must(k.alloc_pages(comp, 2), 'a large kmalloc');
  k.__SetPageType(largeKmalloc, PGTY_large_kmalloc);
  const compound = must(k.alloc_pages(comp, 3), 'a compound page');

  // Free pages: an order-0 page parked on this CPU's list (not PageBuddy), an order-5 block freed to the buddy.
  const pcpFree = must(k.alloc_pages(GFP_KERNEL, 0), 'a page to free');
  k.__free_pages(pcpFree, 0);
  const buddyFree = must(k.alloc_pages(GFP_KERNEL, 5), 'a block to free');
  k.__free_pages(buddyFree, 5);

  // The kernel image starts at 16 MiB (mm_init.ts); its .bss holds empty_zero_page.
  const zero = (24 << 20) >> 12;
  const pages: SamplePages = {
    thpAnon, fileLarge, anonSmall, ksm, swapcache, readahead, writeback, mlocked, slab, slabSmall,
    pgtable, pgtableKernel, offline, hugetlb, largeKmalloc, compound, pcpFree, buddyFree, zero,
  };
  return { k, pages, ctx: { zeroPfn: zero } };
}
