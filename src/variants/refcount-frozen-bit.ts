/**
 * refcount-frozen-bit: seed 004 patch 2/2 ("[PATCH v5 2/2] mm: implement
 * page refcount locking via dedicated bit"), on top of patch 1/2. The patch
 * text is not in the seed thread; pagesim follows its design as the series
 * describes it (cover letter and v1-v5 discussion, summarised in the
 * reference §4.2) and the refcount code of the 2026 linux-mm tree:
 *
 *  - PAGEREF_FROZEN_BIT (bit 31) marks a frozen page; a live page counts
 *    1..INT_MAX; 0 is only a transient state inside dec_and_test;
 *  - page_ref_count() reads 0 for a frozen page while the raw word keeps
 *    the bit (a dump shows `80000000` in the _refcount half of word 6);
 *  - dec_and_test: the decrement that reaches 0 must also win
 *    cmpxchg(0 -> FROZEN) to be the one that frees;
 *  - add_unless_frozen is an optimistic atomic_add_return that fails when
 *    the bit is set (the added garbage stays in a frozen word until the
 *    next set; a value past (1 << 30) | FROZEN is scrubbed back);
 *  - freeze is cmpxchg(count -> FROZEN); set_page_count_frozen() stores
 *    FROZEN, so freed and boot-time pages carry the bit.
 */

import type { Variant } from './variant.js';
import type { Site } from '../report/report.js';
import type { RefSiteKey } from './refcount-frozen-warn.js';

const PAGE_REF_H = 'include/linux/page_ref.h';
const at = (fn: string, line: number, cond = '__page_is_frozen(page)'): Site => ({ fn, file: PAGE_REF_H, line, cond });

/** The checks of page_ref.h with both patches applied (the 2026 linux-mm tree's page_ref.h at ae6cb9301d26). */
const SITES_2: Record<RefSiteKey, Site> = {
  page_ref_add: at('page_ref_add', 158),
  page_ref_sub: at('page_ref_sub', 171),
  folio_ref_sub_return: at('folio_ref_sub_return', 185, '__page_count_is_frozen(ret + nr)'),
  page_ref_inc: at('page_ref_inc', 194),
  page_ref_dec: at('page_ref_dec', 207),
  page_ref_sub_and_test: at('page_ref_sub_and_test', 221, '__page_count_is_frozen(ret + nr)'),
  page_ref_inc_return: at('page_ref_inc_return', 239, '__page_count_is_frozen(ret - 1)'),
  page_ref_dec_and_test: at('page_ref_dec_and_test', 254, '__page_count_is_frozen(ret + 1)'),
  page_ref_dec_return: at('page_ref_dec_return', 272, '__page_count_is_frozen(ret + 1)'),
  page_ref_unfreeze_count: at('page_ref_unfreeze', 346, 'page_count(page) != 0'),
  page_ref_unfreeze_zero: at('page_ref_unfreeze', 347, 'count == 0'),
};

export const PAGEREF_FROZEN_BIT = 0x80000000 | 0;
const SCARY_BIG = (1 << 30) | PAGEREF_FROZEN_BIT;

export const refcountFrozenBit: Variant = {
  name: 'refcount-frozen-bit',
  description: 'seed 004 patch 2/2 on patch 1/2: frozen is bit 31 of _refcount; page_ref_count() of a frozen page reads 0',
  seed: '004_7e3dd310aa21b8d4.txt: [PATCH v5 2/2] mm: implement page refcount locking via dedicated bit',
  base: 'refcount-frozen-warn',
  kernel: (Base) =>
    class RefcountFrozenBit extends Base {
      override pageRefSite(key: RefSiteKey): Site {
        return SITES_2[key];
      }

      override page_ref_count(page: number): number {
        const v = this.refcountRaw(page);
        return v & PAGEREF_FROZEN_BIT ? 0 : v;
      }

      __page_count_is_frozen(count: number): boolean {
        return (count & PAGEREF_FROZEN_BIT) !== 0;
      }

      set_page_count_frozen(page: number): void {
        this.setRefcountRaw(page, PAGEREF_FROZEN_BIT);
      }

      override page_ref_sub_and_test(page: number, nr: number): boolean {
        const v = (this.refcountRaw(page) - nr) | 0;
        this.setRefcountRaw(page, v);
        return v === 0 && this.freezeIfZero(page);
      }

      override page_ref_dec_and_test(page: number): boolean {
        return this.page_ref_sub_and_test(page, 1);
      }

      /** cmpxchg(0 -> FROZEN): the releaser that wins it frees the page. */
      private freezeIfZero(page: number): boolean {
        if (this.refcountRaw(page) !== 0) return false;
        this.setRefcountRaw(page, PAGEREF_FROZEN_BIT);
        return true;
      }

      page_ref_add_unless_frozen(page: number, nr: number): boolean {
        const val = (this.refcountRaw(page) + nr) | 0;
        this.setRefcountRaw(page, val);
        if ((val & PAGEREF_FROZEN_BIT) === 0) return true;
        if (val >>> 0 >= SCARY_BIG >>> 0) this.setRefcountRaw(page, PAGEREF_FROZEN_BIT);
        return false;
      }

      override page_ref_add_unless(page: number, nr: number, u: number): boolean {
        if (u === 0) return this.page_ref_add_unless_frozen(page, nr);
        return super.page_ref_add_unless(page, nr, u);
      }

      override page_ref_freeze(page: number, count: number): boolean {
        if (this.refcountRaw(page) !== count) return false;
        this.setRefcountRaw(page, PAGEREF_FROZEN_BIT);
        return true;
      }
    },
};
