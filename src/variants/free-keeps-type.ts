/**
 * free-keeps-type: mainline before seed 001 (David Hildenbrand, "[PATCH v1
 * 04/29] mm/page_alloc: let page freeing clear any set page type",
 * 001_1d7c5f423723d8c2.txt). Before the patch the free path did not reset
 * page_type, so every user of a page type had to clear it before freeing;
 * a page freed with its type set still has the type in the bytes that
 * _mapcount shares, and free_page_is_bad() reports "nonzero mapcount".
 */

import type { Variant } from './variant.js';

export const freeKeepsType: Variant = {
  name: 'free-keeps-type',
  description: 'before seed 001: the free path does not reset page_type; a typed page freed is a bad page ("nonzero mapcount")',
  seed: '001_1d7c5f423723d8c2.txt: [PATCH v1 04/29] mm/page_alloc: let page freeing clear any set page type (reverted here)',
  kernel: (Base) =>
    class FreeKeepsType extends Base {
      /** The three lines the patch adds are absent. */
      override free_pages_reset_type(page: number): void {
        void page;
      }
    },
};
