/**
 * linux-6.12: the baseline taken back to linux 6.12.y, the LTS kernel
 * Debian 12 (backports) and 13 ship, as a series over the baseline. Facts
 * are from Debian's linux-source-6.12 (6.12.118), and every difference here
 * was seen in the differential run (test/kernel/: the scenarios exported by
 * `pagesim kunit` and run on that kernel under QEMU; docs/fidelity.md):
 *
 * - free-keeps-type (its base): 6.12's free_pages_prepare() does not reset
 *   page_type; a typed page freed is a bad page ("nonzero mapcount").
 * - Checks report 6.12's lines: VM_BUG_ON_PAGE in put_page_testzero() is
 *   include/linux/mm.h:1140, not the 2026 tree's 1563 (SITE_LINES_6_12).
 * - The WARNING banner is 6.12's kernel/panic.c __warn():
 *   `WARNING: CPU: n PID: n at file:line func+off/size`.
 * - dump_page()'s head line prints nr_pages_mapped as
 *   folio_nr_pages_mapped(): _nr_pages_mapped & FOLIO_PAGES_MAPPED, without
 *   the ENTIRELY_MAPPED bit (mm/debug.c __dump_folio()).
 */

import type { Variant } from './variant.js';
import type { Site } from '../report/report.js';

/**
 * 6.12.118's line for each check the baseline reports at a 2026 line
 * (`file:line` -> line), where the same check exists in 6.12 in the same
 * file; found by the condition's text in the 6.12 source.
 */
const SITE_LINES_6_12: ReadonlyMap<string, number> = new Map([
  ['include/linux/mm.h:1563', 1140], // put_page_testzero: page_ref_count(page) == 0
  ['include/linux/mm.h:1632', 1209], // folio_entire_mapcount: !folio_test_large(folio)
  ['include/linux/mm.h:1640', 1215], // folio_large_mapcount
  ['include/linux/mm.h:1848', 1444], // folio_get: folio_ref_zero_or_close_to_overflow(folio)
  ['include/linux/mm.h:1865', 1456], // try_get_page: page_ref_count(page) <= 0
  ['include/linux/page-flags.h:367', 309], // folio_flags: page->compound_head & 1
  ['include/linux/page-flags.h:991', 1001], // __SetPage##uname: page_type != UINT_MAX
  ['include/linux/page-flags.h:998', 1008], // __ClearPage##uname: !Page##uname(page)
  ['include/linux/page_ref.h:300', 288], // page_ref_unfreeze: page_count(page) != 0
  ['include/linux/page_ref.h:301', 289], // page_ref_unfreeze: count == 0
  ['mm/internal.h:596', 442], // set_page_refcounted: PageTail(page)
  ['mm/internal.h:597', 443], // set_page_refcounted: page_ref_count(page)
  ['mm/internal.h:754', 584], // page_is_buddy: page_count(buddy) != 0
  ['mm/page_alloc.c:954', 824], // __free_one_page: migratetype == -1
  ['mm/page_alloc.c:955', 825], // __free_one_page: pfn & ((1 << order) - 1)
  ['mm/page_alloc.c:956', 826], // __free_one_page: bad_range(zone, page)
  ['mm/page_alloc.c:1328', 1095], // free_pages_prepare: PageTail(page)
  ['mm/page_alloc.c:1365', 1132], // free_pages_prepare: compound && compound_order(page) != order
  ['mm/page_alloc.c:3104', 2881], // split_page: PageCompound(page)
  ['mm/page_alloc.c:3123', 2882], // split_page: !page_count(page)
  ['mm/page_alloc.c:5340', 4835], // __alloc_pages_noprof: order > MAX_PAGE_ORDER (WARN_ON_ONCE)
  ['mm/slub.c:573', 550], // set_freepointer: BUG_ON(object == fp)
]);

/** Functions a report names that 6.12 calls otherwise (the frozen-page allocator entry came in 6.15). */
const FUNCTIONS_6_12: ReadonlyMap<string, string> = new Map([['__alloc_frozen_pages_noprof', '__alloc_pages_noprof']]);

/** FOLIO_PAGES_MAPPED (mm/internal.h, 6.12): the low bits of _nr_pages_mapped. */
const FOLIO_PAGES_MAPPED = 0x7fffff;

export const linux612: Variant = {
  name: 'linux-6.12',
  description: 'linux 6.12.y (LTS, Debian linux-source-6.12): no type reset on free, 6.12 BUG lines and WARNING banner, masked nr_pages_mapped',
  seed: 'none: Debian linux-source-6.12 (6.12.118), checked by the differential run under QEMU (test/kernel/)',
  base: 'free-keeps-type',
  kernel: (Base) =>
    class Linux612 extends Base {
      protected override reportSite(site: Site): Site {
        const line = SITE_LINES_6_12.get(`${site.file}:${site.line}`);
        return line === undefined ? site : { ...site, line };
      }

      protected override warnBanner(site: Site, rip: string): string {
        const fn = rip.split('+')[0]!;
        const at = FUNCTIONS_6_12.get(fn) === undefined ? rip : rip.replace(fn, FUNCTIONS_6_12.get(fn)!);
        return `WARNING: CPU: ${this.current.cpu} PID: ${this.current.pid} at ${site.file}:${site.line} ${at}`;
      }

      override dump_page_lines(page: number, reason: string | null): string[] {
        const lines = super.dump_page_lines(page, reason);
        return lines.map((l) => {
          const m = /^head: order:(\d+) mapcount:(-?\d+) entire_mapcount:(-?\d+)(?: nr_pages_mapped:(-?\d+))? pincount:(-?\d+)$/.exec(l);
          if (m === null) return l;
          const folio = this.compound_head(page);
          const mapped = this.i32[folio * this.PW + this.FF['_nr_pages_mapped']!]! & FOLIO_PAGES_MAPPED;
          return `head: order:${m[1]} mapcount:${m[2]} entire_mapcount:${m[3]} nr_pages_mapped:${mapped} pincount:${m[5]}`;
        });
      }
    },
};
