/**
 * refcount-frozen-warn: seed 004 patch 1/2 (Gorbunov Ivan / Gladyshev Ilya,
 * "[PATCH v5 1/2] mm: drop page refcount zero state semantics",
 * 004_7e3dd310aa21b8d4.txt), exactly as posted:
 *
 *  - every refcount operation warns (VM_WARN_ON_ONCE_PAGE) when applied to
 *    a frozen page, so a caller that increments a frozen page instead of
 *    initialising it is caught;
 *  - new API names: set_page_count_frozen(), folio_init_count() (replacing
 *    folio_set_count()), page_ref_add_unless_frozen() and
 *    folio_ref_add_unless_frozen() (renamed from *_unless_zero);
 *  - set_page_refcounted() and __free_pages_core() use the new names.
 *
 * Frozen still means a count of 0 here. The checks in *_and_test are as
 * posted: they test `ret + nr` where ret is the boolean result, so they can
 * never fire; pagesim keeps that (it is what the patch does).
 *
 * Line numbers are those of include/linux/page_ref.h after the patch,
 * computed from the posted hunks (the file grows by 24 lines).
 */

import type { Site } from '../report/report.js';
import type { Variant } from './variant.js';

const PAGE_REF_H = 'include/linux/page_ref.h';
const frozen = (fn: string, line: number, cond = '__page_is_frozen(page)'): Site => ({ fn, file: PAGE_REF_H, line, cond });

/** The checks of page_ref.h with patch 1/2 applied. */
export const WARN_SITES = {
  page_ref_add: frozen('page_ref_add', 153),
  page_ref_sub: frozen('page_ref_sub', 166),
  folio_ref_sub_return: frozen('folio_ref_sub_return', 180, '__page_count_is_frozen(ret + nr)'),
  page_ref_inc: frozen('page_ref_inc', 188),
  page_ref_dec: frozen('page_ref_dec', 201),
  page_ref_sub_and_test: frozen('page_ref_sub_and_test', 216, '__page_count_is_frozen(ret + nr)'),
  page_ref_inc_return: frozen('page_ref_inc_return', 231, '__page_count_is_frozen(ret - 1)'),
  page_ref_dec_and_test: frozen('page_ref_dec_and_test', 246, '__page_count_is_frozen(ret + 1)'),
  page_ref_dec_return: frozen('page_ref_dec_return', 261, '__page_count_is_frozen(ret + 1)'),
  page_ref_unfreeze_count: { fn: 'page_ref_unfreeze', file: PAGE_REF_H, line: 324, cond: 'page_count(page) != 0' },
  page_ref_unfreeze_zero: { fn: 'page_ref_unfreeze', file: PAGE_REF_H, line: 325, cond: 'count == 0' },
} as const;

export type RefSiteKey = keyof typeof WARN_SITES;

export const refcountFrozenWarn: Variant = {
  name: 'refcount-frozen-warn',
  description: 'seed 004 patch 1/2: refcount ops warn on frozen pages; init_page_count/set_page_count_frozen/*_unless_frozen API',
  seed: '004_7e3dd310aa21b8d4.txt: [PATCH v5 1/2] mm: drop page refcount zero state semantics',
  symbols: [
    {
      file: PAGE_REF_H,
      names: ['__page_count_is_frozen', '__page_is_frozen', 'set_page_count_frozen', 'folio_init_count', 'page_ref_add_unless_frozen', 'folio_ref_add_unless_frozen'],
      inline: true,
    },
  ],
  kernel: (Base) =>
    class RefcountFrozenWarn extends Base {
      override pageRefSite(key: RefSiteKey): Site {
        return WARN_SITES[key];
      }

      __page_count_is_frozen(count: number): boolean {
        return count === 0;
      }

      __page_is_frozen(page: number): boolean {
        return this.__page_count_is_frozen(this.atomic_read(this.refcountWord(page)));
      }

      set_page_count_frozen(page: number): void {
        this.set_page_count(page, 0);
      }

      folio_init_count(folio: number): void {
        this.set_page_count(folio, 1);
      }

      /** folio_set_count() is gone; callers use folio_init_count(). */
      override folio_set_count(folio: number, v: number): void {
        void v;
        this.folio_init_count(folio);
      }

      override page_ref_add(page: number, nr: number): void {
        this.VM_WARN_ON_ONCE_PAGE(this.__page_is_frozen(page), page, this.pageRefSite('page_ref_add'));
        super.page_ref_add(page, nr);
      }

      override page_ref_sub(page: number, nr: number): void {
        this.VM_WARN_ON_ONCE_PAGE(this.__page_is_frozen(page), page, this.pageRefSite('page_ref_sub'));
        super.page_ref_sub(page, nr);
      }

      override page_ref_inc(page: number): void {
        this.VM_WARN_ON_ONCE_PAGE(this.__page_is_frozen(page), page, this.pageRefSite('page_ref_inc'));
        super.page_ref_inc(page);
      }

      override page_ref_dec(page: number): void {
        this.VM_WARN_ON_ONCE_PAGE(this.__page_is_frozen(page), page, this.pageRefSite('page_ref_dec'));
        super.page_ref_dec(page);
      }

      override folio_ref_sub_return(folio: number, nr: number): number {
        const ret = super.folio_ref_sub_return(folio, nr);
        this.VM_WARN_ON_ONCE_FOLIO(this.__page_count_is_frozen(ret + nr), folio, this.pageRefSite('folio_ref_sub_return'));
        return ret;
      }

      override page_ref_sub_and_test(page: number, nr: number): boolean {
        const ret = super.page_ref_sub_and_test(page, nr);
        this.VM_WARN_ON_ONCE_PAGE(this.__page_count_is_frozen(Number(ret) + nr), page, this.pageRefSite('page_ref_sub_and_test'));
        return ret;
      }

      override page_ref_dec_and_test(page: number): boolean {
        const ret = super.page_ref_dec_and_test(page);
        this.VM_WARN_ON_ONCE_PAGE(this.__page_count_is_frozen(Number(ret) + 1), page, this.pageRefSite('page_ref_dec_and_test'));
        return ret;
      }

      override page_ref_inc_return(page: number): number {
        const ret = super.page_ref_inc_return(page);
        this.VM_WARN_ON_ONCE_PAGE(this.__page_count_is_frozen(ret - 1), page, this.pageRefSite('page_ref_inc_return'));
        return ret;
      }

      override page_ref_dec_return(page: number): number {
        const ret = super.page_ref_dec_return(page);
        this.VM_WARN_ON_ONCE_PAGE(this.__page_count_is_frozen(ret + 1), page, this.pageRefSite('page_ref_dec_return'));
        return ret;
      }

      page_ref_add_unless_frozen(page: number, nr: number): boolean {
        return this.page_ref_add_unless(page, nr, 0);
      }

      folio_ref_add_unless_frozen(folio: number, nr: number): boolean {
        return this.page_ref_add_unless_frozen(folio, nr);
      }

      override page_ref_add_unless_zero(page: number, nr: number): boolean {
        return this.page_ref_add_unless_frozen(page, nr);
      }

      override folio_ref_add_unless_zero(folio: number, nr: number): boolean {
        return this.folio_ref_add_unless_frozen(folio, nr);
      }

      override set_page_count_frozen_boot(page: number): void {
        this.set_page_count_frozen(page);
      }
    },
};
