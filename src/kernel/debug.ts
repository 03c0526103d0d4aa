/**
 * mm/debug.c (linux-mm 7.3-rc5): dump_page() and __dump_folio(). The head
 * line is "order mapcount entire_mapcount pincount": this tree no longer
 * prints _nr_pages_mapped (older trees printed it with ENTIRELY_MAPPED
 * masked off).
 *
 * The dump reads the simulated bytes, so whatever a bug left in struct page
 * (a type in _mapcount, a pointer in the memdesc word, LIST_POISON in lru)
 * shows up in the `raw:` lines exactly where the kernel would show it.
 */

import { Mm } from './mm.js';
import { declareSymbols } from './symbols.js';
import { formatPageFlags, hashPointer, hexDumpRows } from './vsprintf.js';
import { PG_head, PageFlags } from './page-flags.js';
import { VMEMMAP_HI } from './machine.js';

declareSymbols('mm/debug.c', ['dump_page', '__dump_page', '__dump_folio']);

/** page_type_names[]: indexed by PGTY_x - PGTY_buddy; entries the table lacks print "unknown". */
const PAGE_TYPE_NAMES: readonly (string | null)[] = ['buddy', 'offline', 'table', 'guard', 'hugetlb', 'slab', null, 'unaccepted'];

export function page_type_name(pageType: number): string {
  const i = (pageType >>> 24) - 0xf0;
  if (i < 0 || i >= PAGE_TYPE_NAMES.length) return 'unknown';
  return PAGE_TYPE_NAMES[i] ?? '(null)';
}

const FOLIO_MAPPING_ANON = 0x1;
const FOLIO_MAPPING_KSM = 0x3;
const FOLIO_MAPPING_FLAGS = 0x3;

export abstract class Debug extends Mm {
  /**
   * dump_page(page, reason) as console lines, ending with dump_page_owner()'s
   * when the machine booted with page_owner (withOwner false leaves them
   * out: a read of the page's state, not a report).
   */
  dump_page_lines(page: number, reason: string | null, withOwner = true): string[] {
    const lines: string[] = [];
    if (this.PagePoisoned(page)) lines.push(`page:${hashPointer(this.pageAddr(page))} is uninitialized and poisoned`);
    else this.__dump_page(page, lines);
    if (reason !== null) lines.push(`page dumped because: ${reason}`);
    if (withOwner) this.dump_page_owner(page, lines);
    return lines;
  }

  /** dump_page_owner(): nothing while page_owner is off; page_owner.ts installs its __dump_page_owner(). */
  dump_page_owner(_page: number, _out: string[]): void {}

  /** dump_page(): prints the dump to the console. */
  dump_page(page: number, reason: string | null): string[] {
    const lines = this.dump_page_lines(page, reason);
    this.printk(lines);
    return lines;
  }

  /** Finds the folio a page belongs to, tolerating a torn or garbage compound_head as the kernel does. */
  private __dump_page(page: number, out: string[]): void {
    const w = page * this.PW + this.W_compound_head;
    const lo = this.m32[w]!;
    const hi = this.m32[w + 1]!;
    let folio = page;
    let idx = 0;
    if ((lo & 1) !== 0) {
      const off = lo - 1;
      const head = off / this.structPageSize;
      if (hi === VMEMMAP_HI && off % this.structPageSize === 0 && head < this.nr_pages && head <= page) {
        folio = head;
        idx = page - head;
        // folio_nr_pages() of the snapshot, read raw: the head a torn compound_head points at may be a
        // tail itself, and the dump must not trip folio_flags()'s VM_BUG_ON_PGFLAGS on it.
        const nr = (this.flagsLo(folio) & (1 << PG_head)) !== 0 ? this.m32[folio * this.PW + this.W_nr_pages]! : 1;
        if (idx > nr) {
          out.push('page does not match folio');
          this.__dump_folio(page, page, 0, out, true);
          return;
        }
      } else {
        out.push('page does not match folio');
        this.__dump_folio(page, page, 0, out, true);
        return;
      }
    }
    this.__dump_folio(folio, page, idx, out, false);
  }

  private folioMappingText(folio: number): { mapping: string; type: string } {
    const w = folio * this.PW + this.W_mapping;
    const mlo = this.m32[w]!;
    const mhi = this.m32[w + 1]!;
    const anon = (mlo & FOLIO_MAPPING_ANON) !== 0;
    const ksm = (mlo & FOLIO_MAPPING_FLAGS) === FOLIO_MAPPING_KSM;
    // folio_mapping() (mm/util.c, linux-mm 7.3-rc5): NULL for a slab folio (its mapping word is
    // slab_list there), NULL when a FOLIO_MAPPING_FLAGS bit is set (anon, KSM), else the
    // address_space pointer (hashed by %p).
    const none = this.folio_test_slab(folio) || (mlo & FOLIO_MAPPING_FLAGS) !== 0;
    const mapping = none ? 0n : (BigInt(mhi) << 32n) | BigInt(mlo);
    return { mapping: hashPointer(mapping), type: ksm ? 'ksm ' : anon ? 'anon ' : '' };
  }

  /**
   * __dump_folio() on snapshot_page()'s copies. When the page does not match
   * its folio, snapshot_page() (mm/util.c, linux-mm 7.3-rc5) gives up on the
   * folio, clears the compound head in its copy of the page and dumps that
   * copy as a folio of one page (`unfaithful`): the raw: line then shows 0
   * where the live struct page holds the head pointer.
   */
  private __dump_folio(folio: number, page: number, idx: number, out: string[], unfaithful: boolean): void {
    const large = this.PageHead(folio);
    const { mapping, type } = this.folioMappingText(folio);
    const index = this.read64(folio * this.PW + this.W_index) + BigInt(idx);
    out.push(
      `page: refcount:${this.page_ref_count(folio)} mapcount:${this.pageMapcountForDump(page)} mapping:${mapping} index:${index === 0n ? '0x0' : `0x${index.toString(16)}`} pfn:0x${page.toString(16)}`,
    );
    if (large) {
      // folio_mapcount(), folio_entire_mapcount() and _pincount, read from the head's folio fields.
      const f = folio * this.PW;
      const mapcount = this.i32[f + this.FF['_large_mapcount']!]! + 1;
      const entire = this.i32[f + this.FF['_entire_mapcount']!]! + 1;
      const pincount = this.i32[f + this.FF['_pincount']!]!;
      out.push(`head: order:${this.flagsLo(folio + 1) & 0xff} mapcount:${mapcount} entire_mapcount:${entire} pincount:${pincount}`);
    }
    const memcg = this.read64(folio * this.PW + this.W_memcg_data);
    if (memcg !== 0n) out.push(`memcg:${memcg.toString(16)}`);
    out.push(`${type}flags: ${formatPageFlags(this.flagsLo(folio), this.flagsHi(folio))}`);
    const pt = this.page_type(folio);
    if (PageFlags.page_type_has_type(pt)) out.push(`page_type: ${(pt >>> 24).toString(16)}(${page_type_name(pt)})`);
    if (unfaithful) {
      const copy = this.m32.slice(page * this.PW, page * this.PW + (this.structPageSize >> 2));
      copy[this.W_compound_head] = 0;
      copy[this.W_compound_head + 1] = 0;
      out.push(...hexDumpRows('raw: ', copy, 0, this.structPageSize));
    } else out.push(...hexDumpRows('raw: ', this.m32, page * this.PW, this.structPageSize));
    if (large) out.push(...hexDumpRows('head: ', this.m32, folio * this.PW, 2 * this.structPageSize));
  }
}
