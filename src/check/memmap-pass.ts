/**
 * The one pass over the memmap that the per-page checkers share.
 *
 * page-state, compound and page-tables each look at every struct page. They
 * stay separate checkers (checker.ts, mm.ts), each deciding and wording its
 * own violations at its own place in the check's order, but the pages are
 * read once, here: the pass notes what each checker asks about a page (a
 * page-state finding, a compound head to examine, a PageTable-typed page to
 * count) and the checkers work from those notes. On a 1 GiB machine that is
 * one loop over 262,144 struct pages instead of three, with no call per page
 * when the variant reads struct pages as mainline does (page-reader.ts).
 *
 * The pass runs when the first of those checkers asks for it, after the list
 * checkers have filled the ownership map, and only reads the machine. It
 * skips the struct pages the machine's plan says the kernel never
 * initialised (mm_init.ts): they hold nothing a checker looks for, and a
 * replayed 24 GiB machine has 5 M of them that nothing else reads.
 */

import type { Kernel } from '../kernel/kernel.js';
import { PAGE_TYPE_RESET, PGTY_table } from '../kernel/page-flags.js';
import { initialisedRanges } from '../kernel/mm_init.js';
import { OWNER_BUDDY, OWNER_BUDDY_HEAD, OWNER_NONE, OWNER_PCP, type CheckContext } from './checker.js';
import { readerFor, type PageReader } from './page-reader.js';

/** What page-state found at a pfn (checkPageState words each). */
export const STATE_BUDDY_UNLISTED = 1;
export const STATE_FREE_TYPED = 2;
export const STATE_FREE_TAIL = 3;
export const STATE_FREE_REFCOUNT = 4;
export const STATE_FREE_HEAD = 5;

export interface MemmapNotes {
  /** page-state findings in pfn order, as pairs: pfn, STATE_*. */
  readonly state: number[];
  /** Pages on no list that are a compound head and not a tail, in pfn order (for the compound checker). */
  readonly heads: number[];
  /** Pages typed PageTable, each counted as pageTableNrPages() (for the page-tables checker). */
  readonly tablePages: number;
}

const notesOfCheck = new WeakMap<CheckContext, MemmapNotes>();

/** The notes of this check's pass over the memmap, made on first use. */
export function memmapNotes(k: Kernel, ctx: CheckContext): MemmapNotes {
  let notes = notesOfCheck.get(ctx);
  if (notes === undefined) {
    notes = memmapPass(readerFor(k), ctx.owner, initialisedRanges(k.plan));
    notesOfCheck.set(ctx, notes);
  }
  return notes;
}

function memmapPass(r: PageReader, owner: Uint8Array, ranges: readonly (readonly [number, number])[]): MemmapNotes {
  const state: number[] = [];
  const heads: number[] = [];
  let tablePages = 0;
  for (const [start, end] of ranges) {
    for (let pfn = start; pfn < end; pfn++) {
      const type = r.type(pfn);
      if (type >>> 24 === PGTY_table) tablePages += r.pageTableNrPages(pfn);
      const o = owner[pfn]!;
      if (o === OWNER_NONE) {
        if (r.PageBuddy(pfn)) state.push(pfn, STATE_BUDDY_UNLISTED);
        if (r.PageHead(pfn) && !r.PageTail(pfn)) heads.push(pfn);
        continue;
      }
      if (o === OWNER_BUDDY) {
        if (type !== PAGE_TYPE_RESET) state.push(pfn, STATE_FREE_TYPED);
        if (r.PageTail(pfn)) state.push(pfn, STATE_FREE_TAIL);
      }
      if (o !== OWNER_PCP && r.page_ref_count(pfn) !== 0) state.push(pfn, STATE_FREE_REFCOUNT);
      if (o === OWNER_BUDDY_HEAD && r.PageHead(pfn)) state.push(pfn, STATE_FREE_HEAD);
    }
  }
  return { state, heads, tablePages };
}
