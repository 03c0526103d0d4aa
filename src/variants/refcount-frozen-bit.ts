/**
 * refcount-frozen-bit: seed 004 patch 2/2 ("[PATCH v5 2/2] mm: implement
 * page refcount locking via dedicated bit"), on top of patch 1/2. The patch
 * text is not in the seed thread; pagesim follows its design as the series
 * describes it (cover letter and v1-v5 discussion, summarised in the
 * reference §4.2) and the code of include/linux/page_ref.h in the 2026
 * linux-mm tree, which carries a revision of it:
 *
 *  - PAGEREF_FROZEN_BIT (bit 31) marks a frozen page; a live page counts
 *    1..INT_MAX; 0 is only a transient state inside dec_and_test;
 *  - page_ref_count() reads 0 for a frozen page while the raw word keeps
 *    the bit (a dump shows `80000000` in the _refcount half of word 6);
 *  - dec_and_test / sub_and_test: atomic_dec_and_test(), and when that
 *    reached 0 the releaser must also win cmpxchg(0 -> FROZEN) to be the one
 *    that frees: an optimistic increment that came in between makes it lose;
 *  - add_unless_frozen is an optimistic atomic_add_return() that fails when
 *    the bit is set; the garbage a failed increment leaves in a frozen word
 *    is scrubbed by a cmpxchg(val -> FROZEN) loop once it passes
 *    (1 << 30) | FROZEN (_PAGEREF_FROZEN_LIMIT);
 *  - freeze is cmpxchg(count -> FROZEN); set_page_count_frozen() stores
 *    FROZEN, so freed and boot-time pages carry the bit.
 *
 * The stored tree's __page_count_is_frozen() and set_page_count_as_frozen()
 * contradict the design (see the reference §4.2); pagesim models the design.
 */

import type { Variant } from './variant.js';
import type { Site } from '../report/report.js';
import type { RefSiteKey } from './refcount-frozen-warn.js';

const PAGE_REF_H = 'include/linux/page_ref.h';
const at = (fn: string, line: number, cond = '__page_is_frozen(page)'): Site => ({ fn, file: PAGE_REF_H, line, cond });

/** The checks of page_ref.h with both patches applied (the linux-mm 7.3.0-rc5 tree's page_ref.h at ae6cb9301d26). */
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
/** _PAGEREF_FROZEN_LIMIT, unsigned: a frozen word this big is scrubbed back to FROZEN. */
const PAGEREF_FROZEN_LIMIT = ((1 << 30) | PAGEREF_FROZEN_BIT) >>> 0;

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
        const v = this.atomic_read(this.refcountWord(page));
        return v & PAGEREF_FROZEN_BIT ? 0 : v;
      }

      __page_count_is_frozen(count: number): boolean {
        return (count & PAGEREF_FROZEN_BIT) !== 0;
      }

      set_page_count_frozen(page: number): void {
        this.atomic_set(this.refcountWord(page), PAGEREF_FROZEN_BIT);
      }

      override page_ref_sub_and_test(page: number, nr: number): boolean {
        const w = this.refcountWord(page);
        if (!this.atomic_sub_and_test(w, nr)) return false;
        return this.atomic_cmpxchg(w, 0, PAGEREF_FROZEN_BIT) === 0;
      }

      override page_ref_dec_and_test(page: number): boolean {
        const w = this.refcountWord(page);
        if (!this.atomic_dec_and_test(w)) return false;
        return this.atomic_cmpxchg(w, 0, PAGEREF_FROZEN_BIT) === 0;
      }

      page_ref_add_unless_frozen(page: number, nr: number): boolean {
        const w = this.refcountWord(page);
        let val = this.atomic_add_return(w, nr);
        const ret = (val & PAGEREF_FROZEN_BIT) === 0;
        while (val >>> 0 >= PAGEREF_FROZEN_LIMIT) val = this.atomic_cmpxchg(w, val, PAGEREF_FROZEN_BIT);
        return ret;
      }

      override page_ref_add_unless(page: number, nr: number, u: number): boolean {
        if (u === 0) return this.page_ref_add_unless_frozen(page, nr);
        return super.page_ref_add_unless(page, nr, u);
      }

      override page_ref_freeze(page: number, count: number): boolean {
        return this.atomic_cmpxchg(this.refcountWord(page), count, PAGEREF_FROZEN_BIT) === count;
      }
    },
};

/**
 * refcount-frozen-bit-naive: patch 2/2 as it is tempting to write it, and
 * wrong. The releaser whose decrement reaches zero stores FROZEN and frees,
 * instead of having to win cmpxchg(0 -> FROZEN): an optimistic
 * folio_try_get() that increments between the decrement and the store
 * believes it holds a reference to a page that is being freed, and the
 * store erases its increment. Not from the thread; pagesim ships it so the
 * explorer has the race to find (docs/seed-004.md).
 */
export const refcountFrozenBitNaive: Variant = {
  name: 'refcount-frozen-bit-naive',
  description: 'refcount-frozen-bit with the obvious bug: dec_and_test reaching 0 stores FROZEN instead of winning cmpxchg(0 -> FROZEN)',
  seed: '004_7e3dd310aa21b8d4.txt: the wrong version of [PATCH v5 2/2] the explorer must catch (not from the thread)',
  base: 'refcount-frozen-bit',
  kernel: (Base) =>
    class RefcountFrozenBitNaive extends Base {
      override page_ref_sub_and_test(page: number, nr: number): boolean {
        const w = this.refcountWord(page);
        if (!this.atomic_sub_and_test(w, nr)) return false;
        this.atomic_set(w, PAGEREF_FROZEN_BIT);
        return true;
      }

      override page_ref_dec_and_test(page: number): boolean {
        const w = this.refcountWord(page);
        if (!this.atomic_dec_and_test(w)) return false;
        this.atomic_set(w, PAGEREF_FROZEN_BIT);
        return true;
      }
    },
};
