/**
 * Seed 002 (002_a3479920076e062c.txt): "Re: [RFC PATCH 0/5] Separate
 * compound page from folio" (David Hildenbrand's reply of 9 Apr 2026 to
 * Zi Yan, quoting Zi Yan's proposal). Two designs from the thread, as
 * variants of the v7.3 kernel pagesim models:
 *
 *   notrmappable          Zi Yan's proposal, as he states it (no code was
 *                         posted): post_alloc_hook() marks every page it
 *                         hands out (the first page of the allocation, where
 *                         page types live) with a NotRmappable page type;
 *                         any other __SetPageX() may overwrite it;
 *                         page_rmappable_folio() clears it; and
 *                         folio_test_rmappable() is "has no page type",
 *                         hugetlb excepted. The type's value is pagesim's
 *                         choice: PGTY_not_rmappable = 0xfa, the next free
 *                         byte in the mm tree of March 2026, where
 *                         PGTY_netpp held 0xf9. Nothing else changes: the
 *                         thread does not say how vm_insert_pages() or rmap
 *                         would treat such pages ("we discussed that in the
 *                         meantime elsewhere"), so validate_page_before_insert()
 *                         still refuses every typed page.
 *   insert-order0-only    David Hildenbrand's alternative: "forbid mapping
 *                         them through vm_insert_pages() in the first place,
 *                         requiring all callers to do order-0 page
 *                         allocations". validate_page_before_insert(),
 *                         which vm_insert_pages() and its single-page form
 *                         vm_insert_page() share, refuses any page of a
 *                         compound page with -EINVAL.
 */

import type { KernelCtor, Variant } from './variant.js';
import type { Site } from '../report/report.js';
import type { VmAreaStruct } from '../kernel/mm_types.js';
import { EINVAL } from '../kernel/errno.js';
import { registerPageTypeName } from '../kernel/page-flags.js';
import { SITES } from '../kernel/sites.js';

const SEED = '002_a3479920076e062c.txt';

/** PGTY_not_rmappable: pagesim's value for the proposed type (see above). */
export const PGTY_not_rmappable = 0xfa;
registerPageTypeName(PGTY_not_rmappable, 'NotRmappable');

const CLEAR_NOT_RMAPPABLE: Site = { ...SITES.__ClearPageType, fn: '__ClearPageNotRmappable', cond: SITES.__ClearPageType.cond.replace('Page##uname', 'PageNotRmappable') };

export const notrmappable: Variant = {
  name: 'notrmappable',
  description: 'every allocated page starts typed NotRmappable (0xfa) until page_rmappable_folio(); other types overwrite it; folio_test_rmappable() = no type, hugetlb excepted (seed 002, Zi Yan)',
  seed: `${SEED}: Zi Yan's proposal quoted in Re: [RFC PATCH 0/5] Separate compound page from folio (David Hildenbrand, 9 Apr 2026)`,
  kernel: (Base: KernelCtor): KernelCtor => {
    abstract class NotRmappable extends Base {
      PageNotRmappable(page: number): boolean {
        return this.PageType(page, PGTY_not_rmappable);
      }

      __SetPageNotRmappable(page: number): void {
        this.__SetPageType(page, PGTY_not_rmappable);
      }

      __ClearPageNotRmappable(page: number): void {
        if (this.page_type(page) === 0xffffffff) return;
        this.VM_BUG_ON_PAGE(!this.PageNotRmappable(page), page, CLEAR_NOT_RMAPPABLE);
        this.set_page_type(page, 0xffffffff);
      }

      /** folio_test_rmappable(): no page type, or a hugetlb folio (rmap handles those itself). */
      folio_test_rmappable(folio: number): boolean {
        return this.folio_test_hugetlb(folio) || !this.page_has_type(folio);
      }

      /** post_alloc_hook(): every page handed out starts NotRmappable. */
      override post_alloc_hook(page: number, order: number, gfp_flags: number, alloc_flags: number): void {
        super.post_alloc_hook(page, order, gfp_flags, alloc_flags);
        this.__SetPageNotRmappable(page);
      }

      /** __SetPageX(): a user's own type overwrites NotRmappable. */
      override __SetPageType(page: number, pgty: number): void {
        if (pgty !== PGTY_not_rmappable && this.PageNotRmappable(page)) {
          this.set_page_type(page, (pgty << 24) >>> 0);
          return;
        }
        super.__SetPageType(page, pgty);
      }

      /** page_rmappable_folio(): a folio that will be rmapped sheds the type. */
      override page_rmappable_folio(page: number): number {
        if (page >= 0) this.__ClearPageNotRmappable(page);
        return super.page_rmappable_folio(page);
      }
    }
    return NotRmappable;
  },
  symbols: [{ file: 'include/linux/page-flags.h', names: ['PageNotRmappable', '__SetPageNotRmappable', '__ClearPageNotRmappable', 'folio_test_rmappable'], inline: true }],
};

export const insertOrder0Only: Variant = {
  name: 'insert-order0-only',
  description: 'vm_insert_pages()/vm_insert_page() refuse pages of compound pages with -EINVAL: drivers must map order-0 allocations (seed 002, David Hildenbrand)',
  seed: `${SEED}: David Hildenbrand, Re: [RFC PATCH 0/5] Separate compound page from folio (9 Apr 2026): "forbid mapping them through vm_insert_pages()"`,
  kernel: (Base: KernelCtor): KernelCtor => {
    abstract class InsertOrder0Only extends Base {
      override validate_page_before_insert(vma: VmAreaStruct, page: number): number {
        if (this.PageCompound(page)) return -EINVAL;
        return super.validate_page_before_insert(vma, page);
      }
    }
    return InsertOrder0Only;
  },
};
