/**
 * An out-of-tree design variant: mainline before seed 001 ("mm/page_alloc:
 * let page freeing clear any set page type"), written outside pagesim.
 * The free path no longer resets page_type, so a page freed with a type set
 * keeps it in the four bytes it shares with _mapcount.
 *
 *   pagesim run scenarios/typed-page-free.yaml --variant-file docs/examples/keep-type-on-free.ts
 */
import { defineVariant, type KernelCtor } from 'pagesim';

export default defineVariant({
  name: 'keep-type-on-free',
  description: 'out of tree: the free path does not reset page_type (seed 001 reverted)',
  seed: '001_1d7c5f423723d8c2.txt: [PATCH v1 04/29] mm/page_alloc: let page freeing clear any set page type (reverted)',
  kernel: (Base: KernelCtor) =>
    class KeepTypeOnFree extends Base {
      // The three lines the patch adds to __free_pages_prepare() are absent.
      override free_pages_reset_type(page: number): void {
        void page;
      }
    },
});
