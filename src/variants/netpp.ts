/**
 * Seed 000 (000_ca4674d32ea78c57.txt): "[PATCH v4] mm: introduce a new page
 * type for page pool in page type" (Byungchul Park, 24 Feb 2026, on mm-new)
 * and the two fixes proposed when Dragos Tatulea reported (13 May 2026)
 * that it broke TCP zero-copy receive. Three variants, on the v7.3 kernel
 * pagesim models (which is mainline after the patch's revert, so these put
 * the patch back):
 *
 *   netpp-v4               the patch as posted: PGTY_netpp = 0xf9 with
 *                          PAGE_TYPE_OPS(Netpp, netpp, netpp); page_pool
 *                          stamps and clears the type instead of pp_magic
 *                          (page_pool_set_pp_info / page_pool_clear_pp_info,
 *                          netmem_is_pp on the netmem cast to struct page
 *                          with NET_IOV cleared, net_iov or not);
 *                          page_pool_page_is_pp() and PP_MAGIC_MASK are
 *                          gone, so page_expected_state() and
 *                          page_bad_reason() no longer test page_pool; the
 *                          check moves to __free_pages_prepare(): a typed
 *                          page that is PageNetpp gets bad_page("page_pool
 *                          leak") and is not freed (unconditionally, as
 *                          posted; the merged version sat under
 *                          is_check_pages_enabled(), which pagesim's
 *                          DEBUG_VM kernel has on anyway); struct net_iov
 *                          gains `unsigned int page_type` after desc, with
 *                          `type` moved before `owner` and
 *                          NET_IOV_ASSERT_OFFSET(page_type, page_type).
 *                          net_iov_init() is unchanged (page_type = UINT_MAX
 *                          came later, in 735a309b4bfb).
 *   netpp-skip-check       Dragos Tatulea's fix on top:
 *                          validate_page_before_insert() refuses typed pages
 *                          only when they are not PageNetpp.
 *   netpp-shared-mapcount  Byungchul Park's proposal on top, exactly as in
 *                          the seed message: the type in the top byte of
 *                          page_type and a mapcount in the low 24 bits
 *                          (page_mapcount_clear_type() sign-extends them);
 *                          every __SetPageX keeps the low 24 bits and BUGs
 *                          only on another type; every __ClearPageX writes
 *                          the sign-extended low bits back; folio_mapcount()
 *                          and __dump_folio() read the low bits.
 *                          validate_page_before_insert() is not touched, so
 *                          alone it still refuses netpp pages; stack it with
 *                          netpp-skip-check to map them.
 *
 * The v4 patch adds no name for 0xf9 to mm/debug.c's page_type_names[],
 * so dump_page() prints "page_type: f9(unknown)" under it, as a kernel
 * with the patch would; the PAGE_TYPE_OPS instance's name (__SetPageNetpp)
 * is registered for the check sites.
 */

import type { KernelCtor, Variant } from './variant.js';
import type { Site } from '../report/report.js';
import type { VmAreaStruct } from '../kernel/mm_types.js';
import { EINVAL } from '../kernel/errno.js';
import { PageFlags, registerPageTypeName, typeSite } from '../kernel/page-flags.js';
import { page_type_name } from '../kernel/debug.js';
import { VMEMMAP_START } from '../kernel/config.js';
import { field, unsigned_int } from '../layout/ctype.js';
import { insertAfter } from '../layout/edit.js';
import { MATCH } from '../layout/assert.js';
import { formatPageFlags, hashPointer, hexDumpRows } from '../kernel/vsprintf.js';
import { NET_IOV, type PagePoolStruct } from '../kernel/page_pool.js';

const SEED = '000_ca4674d32ea78c57.txt';

/** enum pagetype: PGTY_netpp = 0xf9, after PGTY_large_kmalloc (the patch's page-flags.h hunk). */
export const PGTY_netpp = 0xf9;
registerPageTypeName(PGTY_netpp, 'Netpp');

const PAGE_FLAGS_H = 'include/linux/page-flags.h';

/**
 * The proposal's page-flags.h checks. A BUG inside PAGE_TYPE_OPS() reports
 * the line of the macro's invocation (gcc's __LINE__ in an expansion): in
 * the proposal's base (blob 0e03d816e8b9) the macro body sits 13 lines
 * above ours, and the proposal adds 9 lines to the macros, so
 * every PAGE_TYPE_OPS() invocation lands 13 - 9 lines above ours
 * (Netpp at 1071 instead of 1075).
 */
const SHARED_LINE_SHIFT = -13 + 9;
const SHARED_SET: Site = { fn: '__SetPage', file: PAGE_FLAGS_H, line: 991 + SHARED_LINE_SHIFT, cond: 'page_type_has_type(data_race(page->page_type))' };
const SHARED_CLEAR: Site = { fn: '__ClearPage', file: PAGE_FLAGS_H, line: 998 + SHARED_LINE_SHIFT, cond: '!Page##uname(page)' };

/** page_mapcount_clear_type(): the low 24 bits, sign-extended (the proposal's replacement of page_mapcount_is_type). */
export function page_mapcount_clear_type(mapcount: number): number {
  return ((mapcount << 8) >> 8) >>> 0;
}

/** The kernel-facing surface the netpp mixins use beyond Kernel's (methods the v4 mixin adds). */
interface NetppKernel {
  PageNetpp(page: number): boolean;
  __SetPageNetpp(page: number): void;
  __ClearPageNetpp(page: number): void;
}

const netppV4Kernel = (Base: KernelCtor): KernelCtor => {
  abstract class NetppV4 extends Base implements NetppKernel {
    /** The page whose free the netpp check refused, until free_page_is_bad() reports the free as bad. */
    private netppLeaked = -1;

    // ---- PAGE_TYPE_OPS(Netpp, netpp, netpp) ------------------------------------------

    PageNetpp(page: number): boolean {
      return this.PageType(page, PGTY_netpp);
    }

    __SetPageNetpp(page: number): void {
      this.__SetPageType(page, PGTY_netpp);
    }

    __ClearPageNetpp(page: number): void {
      this.__ClearPageType(page, PGTY_netpp);
    }

    // ---- include/linux/mm.h: page_pool_page_is_pp() and PP_MAGIC_MASK are removed ---------

    /** Gone with the patch: page_expected_state() and page_bad_reason() no longer ask. */
    override page_pool_page_is_pp(page: number): boolean {
      void page;
      return false;
    }

    // ---- mm/page_alloc.c: the page_pool check moves to the free path -----------------------

    /** __free_pages_prepare()'s type reset: a PageNetpp page is reported as a page_pool leak and kept out of the allocator. */
    override free_pages_reset_type(page: number): void {
      if (this.page_has_type(page) && this.PageNetpp(page)) {
        this.bad_page(page, 'page_pool leak');
        this.netppLeaked = page;
        return;
      }
      super.free_pages_reset_type(page);
    }

    /** The patch returns false right after its bad_page(); pagesim's __free_pages_prepare() learns it here. */
    override free_page_is_bad(page: number): boolean {
      if (page === this.netppLeaked) {
        this.netppLeaked = -1;
        return true;
      }
      return super.free_page_is_bad(page);
    }

    // ---- net/core/netmem_priv.h, net/core/page_pool.c ------------------------------------------

    /** The word of the netmem cast to struct page with NET_IOV cleared (a net_iov's page_type sits at the same offset). */
    private castPageWord(netmem: number): number {
      return (netmem & ~NET_IOV) >>> 1;
    }

    /** netmem_is_pp(): PageNetpp() on the netmem cast to struct page, page or net_iov alike. */
    override netmem_is_pp(netmem: number): boolean {
      return this.m32[this.castPageWord(netmem) + this.W_page_type]! >>> 24 === PGTY_netpp;
    }

    /**
     * page_pool_set_pp_info(): pp, then __SetPageNetpp() instead of ORing
     * PP_SIGNATURE into pp_magic; for a net_iov, on the net_iov cast to
     * struct page (the same macro, on kernel-data bytes: whatever variant
     * of the macro the stack has).
     */
    override page_pool_set_pp_info(pool: PagePoolStruct, netmem: number): void {
      this.netmem_set_pp(netmem, pool);
      if (!this.netmem_is_net_iov(netmem)) this.__SetPageNetpp(this.__netmem_to_page(netmem));
      else this.__SetPageTypeWord(this.castPageWord(netmem), PGTY_netpp);
      this.page_pool_fragment_netmem(netmem, 1);
    }

    /** page_pool_clear_pp_info(): __ClearPageNetpp() instead of clearing pp_magic, then pp = NULL. */
    override page_pool_clear_pp_info(netmem: number): void {
      if (!this.netmem_is_net_iov(netmem)) this.__ClearPageNetpp(this.__netmem_to_page(netmem));
      else this.__ClearPageTypeWord(this.castPageWord(netmem), PGTY_netpp);
      this.netmem_set_pp(netmem, null);
    }

    /** dump_page() of a struct page pointer: a net_iov cast to one (memory past the memmap) is dumped from its own bytes. */
    override dumpPageWord(w: number, reason: string): string[] {
      if (w < this.kdataWord) return super.dumpPageWord(w, reason);
      return [...this.dumpCastPage(w), `page dumped because: ${reason}`];
    }

    /** __dump_folio()'s mapcount from the raw _mapcount word: 0 for a type (page_mapcount_is_type), else + 1. */
    protected castDumpMapcount(raw: number): number {
      return PageFlags.page_type_has_type(raw) ? 0 : (raw + 1) | 0;
    }

    /**
     * dump_page() of a struct page pointer that points at a net_iov in
     * kernel data: __dump_page() copies the 64 bytes and reads them as a
     * page (a small folio: the pp_magic word has bit 0 clear), so refcount
     * is the net_iov's `type`, memcg its owner pointer, index its
     * dma_addr, and pfn page_to_pfn() of an address below vmemmap.
     */
    dumpCastPage(w: number): string[] {
      const PF = this.PF;
      const addr = this.kaddr(w);
      const pfn = BigInt.asUintN(64, BigInt.asIntN(64, addr - VMEMMAP_START) / BigInt(this.structPageSize));
      const mapcount = this.castDumpMapcount(this.i32[w + PF['_mapcount']!]!);
      const index = this.read64(w + PF['__folio_index']!);
      const mapping = this.read64(w + PF['mapping']!);
      const memcg = this.read64(w + PF['memcg_data']!);
      const lines = [`page: refcount:${this.i32[w + PF['_refcount']!]!} mapcount:${mapcount} mapping:${hashPointer(mapping)} index:${index === 0n ? '0x0' : `0x${index.toString(16)}`} pfn:0x${pfn.toString(16)}`];
      if (memcg !== 0n) lines.push(`memcg:${memcg.toString(16)}`);
      lines.push(`flags: ${formatPageFlags(this.m32[w + PF['flags']!]!, this.m32[w + PF['flags']! + 1]!)}`);
      const t = this.m32[w + PF['page_type']!]!;
      if (PageFlags.page_type_has_type(t)) lines.push(`page_type: ${(t >>> 24).toString(16)}(${page_type_name(t)})`);
      lines.push(...hexDumpRows('raw: ', this.m32, w, this.structPageSize));
      return lines;
    }
  }
  return NetppV4;
};

export const netppV4: Variant = {
  name: 'netpp-v4',
  description: 'page_pool pages typed PGTY_netpp (0xf9) instead of pp_magic; the page_pool check moved to the free path; net_iov gains page_type (seed 000, v4 as posted)',
  seed: `${SEED}: [PATCH v4] mm: introduce a new page type for page pool in page type (Byungchul Park, 24 Feb 2026)`,
  structs: (decls) => {
    const out = new Map(decls);
    out.set('net_iov', insertAfter(decls.get('net_iov')!, 'desc', field('page_type', unsigned_int)));
    return out;
  },
  assertions: (list) => [...list, MATCH('NET_IOV_ASSERT_OFFSET', 'include/net/netmem.h', 'page', 'page_type', 'net_iov', 'page_type')],
  kernel: netppV4Kernel,
  symbols: [{ file: PAGE_FLAGS_H, names: ['PageNetpp', '__SetPageNetpp', '__ClearPageNetpp'], inline: true }],
};

export const netppSkipCheck: Variant = {
  name: 'netpp-skip-check',
  base: 'netpp-v4',
  description: 'validate_page_before_insert() lets PageNetpp pages through (`&& !PageNetpp(page)`), so vm_insert_pages() maps them and rmap counts in page_type (seed 000, Dragos Tatulea)',
  seed: `${SEED}: Dragos Tatulea's diff quoted in Re: [PATCH v4] (13 May 2026)`,
  kernel: (Base: KernelCtor): KernelCtor => {
    abstract class NetppSkipCheck extends Base {
      /** validate_page_before_insert() with the carve-out: a typed page is refused unless it is a netpp page. */
      override validate_page_before_insert(vma: VmAreaStruct, page: number): number {
        void vma;
        const folio = this.page_folio(page);
        if (!this.folio_ref_count(folio)) return -EINVAL;
        if (this.is_zero_folio(folio)) return -EINVAL;
        if (this.folio_test_anon(folio) || (this.page_has_type(page) && !(this as unknown as NetppKernel).PageNetpp(page))) return -EINVAL;
        return 0;
      }
    }
    return NetppSkipCheck;
  },
};

export const netppSharedMapcount: Variant = {
  name: 'netpp-shared-mapcount',
  base: 'netpp-v4',
  description: 'page type in the top byte, mapcount in the low 24 bits of the same word (page_mapcount_clear_type; seed 000, Byungchul Park); stack with netpp-skip-check to map netpp pages',
  seed: `${SEED}: Byungchul Park's reply "Re: [PATCH v4]" (13 May 2026), "not final patch, but for sharing the rough idea with code"`,
  kernel: (Base: KernelCtor): KernelCtor => {
    abstract class NetppSharedMapcount extends Base {
      /** __SetPageX() (any struct page pointer, a cast net_iov included): BUG only on another type; keep the low 24 bits, put the type in the top byte. */
      override __SetPageTypeWord(w: number, pgty: number): void {
        let t = this.m32[w + this.W_page_type]!;
        if (t >>> 24 === pgty) return;
        if (PageFlags.page_type_has_type(t)) this.bugOnPageWord(w, typeSite(SHARED_SET, pgty, SHARED_LINE_SHIFT));
        t = (t & ~(0xff << 24)) >>> 0;
        t = (t | (pgty << 24)) >>> 0;
        this.m32[w + this.W_page_type] = t;
      }

      /** __ClearPageX(): nothing on an untyped word; else the low 24 bits, sign-extended, become _mapcount again. */
      override __ClearPageTypeWord(w: number, pgty: number): void {
        const t = this.m32[w + this.W_page_type]!;
        if (!PageFlags.page_type_has_type(t)) return;
        if (t >>> 24 !== pgty) this.bugOnPageWord(w, typeSite(SHARED_CLEAR, pgty, SHARED_LINE_SHIFT));
        const mapcount = this.i32[w + this.W_mapcount]!;
        this.m32[w + this.W_page_type] = page_mapcount_clear_type(mapcount);
      }

      /** A cast struct page's dump reads the mapcount the same way. */
      protected castDumpMapcount(raw: number): number {
        return page_mapcount_clear_type((raw + 1) | 0) | 0;
      }

      /** folio_mapcount(): a small folio's mapcount is the sign-extended low 24 bits of _mapcount + 1. */
      override folio_mapcount(folio: number): number {
        if (!this.folio_test_large(folio)) return page_mapcount_clear_type((this.mapcountRaw(folio) + 1) | 0) | 0;
        return super.folio_mapcount(folio);
      }

      /** __dump_folio()'s mapcount: the same. */
      override pageMapcountForDump(page: number): number {
        return page_mapcount_clear_type((this.mapcountRaw(page) + 1) | 0) | 0;
      }
    }
    return NetppSharedMapcount;
  },
};
