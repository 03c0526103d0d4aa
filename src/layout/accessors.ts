/**
 * Field accessors generated from a struct layout.
 *
 * A struct that overlays the memmap (struct page, folio, ptdesc, slab) is
 * read and written as 32-bit words of the one memory buffer: a field at
 * byte `off` of the struct at pfn `p` is word `p * stride + off / 4`. This
 * module turns a layout into those word indices once, when a variant's
 * machine is built, so hot paths index typed arrays with no lookups.
 */

import type { StructLayout } from './layout.js';

/** Word index (within one struct) of each 4- or 8-byte aligned field, keyed by dotted path. */
export type WordMap = Readonly<Record<string, number>>;

export function wordMap(layout: StructLayout): WordMap {
  const out: Record<string, number> = {};
  for (const f of layout.fields) {
    if (f.bitWidth !== undefined) continue;
    if ((f.size === 4 || f.size === 8) && f.offset % 4 === 0) out[f.path] = f.offset >> 2;
  }
  return out;
}

/** The word index of `path`, or throws: used when a variant's code needs a field its layout lacks. */
export function word(map: WordMap, path: string, struct: string): number {
  const w = map[path];
  if (w === undefined) throw new Error(`struct ${struct} has no word-aligned field ${path}`);
  return w;
}
