/**
 * The summary tools/mm/page-types prints when run with no options (or with
 * -r), reproduced byte for byte from a kpageflags image: the tool of Debian's
 * linux-source-6.12 (6.12.117), which produced the reference outputs.
 *
 * What the tool does, and this module with it:
 *  - default mode hides the kernel-hacking bits 32..47 and the compound
 *    head/tail bits of anything but hugetlb pages (well_known_flags());
 *  - -r (raw) mode keeps every bit but renames overloaded ones: anon +
 *    owner_2 is anon_exclusive, slab + active is slub_frozen, reclaim
 *    without writeback is readahead (expand_overloaded_flags());
 *  - distinct flag values are counted in an 8192-slot open-addressing hash
 *    table keyed by the low 13 bits (slot 0 for flags 0) and printed in slot
 *    order, so the row order depends on the order pfns are met: pages are
 *    added in pfn order, as the tool reads the file;
 *  - a set bit the tool has no name for stops it ("unknown flag bit N").
 */

import { InputError } from '../util/errors.js';
import { asWords } from './image.js';
import * as K from './kpf.js';

export interface PageTypesOptions {
  /** -r: raw mode, for kernel developers. */
  readonly raw?: boolean;
  /** getpagesize() of the machine the tool runs on: the MB column is pages * page_size >> 20. */
  readonly pageSize?: number;
  /** The image's file name, for the unknown-bit message. */
  readonly file?: string;
}

export interface PageTypesRow {
  readonly lo: number;
  readonly hi: number;
  readonly pages: number;
}

export interface PageTypesSummary {
  /** Rows in the order the tool prints them (hash slot order). */
  readonly rows: readonly PageTypesRow[];
  readonly totalPages: number;
  readonly pageSize: number;
}

const HASH_SHIFT = 13;
const HASH_SIZE = 1 << HASH_SHIFT;
const HASH_MASK = HASH_SIZE - 1;

// KPF_HACKERS_BITS = 0xffff << 32: the low 16 bits of the high word.
const HACKERS_HI = 0x0000ffff;
const COMPOUND_LO = K.loBit(K.KPF_COMPOUND_HEAD) | K.loBit(K.KPF_COMPOUND_TAIL);
const HUGE_LO = K.loBit(K.KPF_HUGE);

/** well_known_flags(): what the default view keeps of an entry. */
function wellKnownLo(lo: number): number {
  return (lo & COMPOUND_LO) !== 0 && (lo & HUGE_LO) === 0 ? (lo & ~COMPOUND_LO) >>> 0 : lo;
}

/** expand_overloaded_flags(flags, pme = 0), on (lo, hi); returns the new pair in `out`. */
function expandOverloaded(lo: number, hi: number, out: { lo: number; hi: number }): void {
  if ((lo & K.loBit(K.KPF_ANON)) !== 0 && (hi & K.hiBit(K.KPF_OWNER_2)) !== 0) hi ^= K.hiBit(K.KPF_OWNER_2) | K.hiBit(K.KPF_ANON_EXCLUSIVE);
  if ((lo & K.loBit(K.KPF_SLAB)) !== 0) {
    if ((lo & K.loBit(K.KPF_ACTIVE)) !== 0) {
      lo ^= K.loBit(K.KPF_ACTIVE);
      hi ^= K.hiBit(K.KPF_SLUB_FROZEN);
    }
    if ((lo & K.loBit(K.KPF_ERROR)) !== 0) {
      lo ^= K.loBit(K.KPF_ERROR);
      hi ^= K.hiBit(K.KPF_SLUB_DEBUG);
    }
  }
  const rw = K.loBit(K.KPF_RECLAIM) | K.loBit(K.KPF_WRITEBACK);
  if ((lo & rw) === K.loBit(K.KPF_RECLAIM)) {
    lo ^= K.loBit(K.KPF_RECLAIM);
    hi ^= K.hiBit(K.KPF_READAHEAD);
  }
  out.lo = lo >>> 0;
  out.hi = hi >>> 0;
}

/** The open-addressing table of the tool (hash_slot()). */
class FlagTable {
  constructor(private readonly file: string | undefined) {}

  readonly lo = new Uint32Array(HASH_SIZE);
  readonly hi = new Uint32Array(HASH_SIZE);
  readonly pages = new Float64Array(HASH_SIZE);

  slot(lo: number, hi: number): number {
    // Slot 0 is reserved for flags 0: an empty slot also holds 0.
    if (lo === 0 && hi === 0) return 0;
    let k = lo & HASH_MASK;
    for (let i = 1; i < HASH_SIZE; i++, k++) {
      if (k === 0 || k >= HASH_SIZE) k = 1;
      if (this.lo[k] === 0 && this.hi[k] === 0) {
        this.lo[k] = lo;
        this.hi[k] = hi;
        return k;
      }
      if (this.lo[k] === lo && this.hi[k] === hi) return k;
    }
    throw new InputError('hash table full: more than 8191 distinct flag combinations (page-types 6.12 stops there too)', this.file);
  }
}

/** Counts the pages of an image by (displayed) flags, as page-types does without options or with -r. */
export function pageTypesSummary(image: Uint32Array | BigUint64Array, opts: PageTypesOptions = {}): PageTypesSummary {
  const words = asWords(image);
  const n = words.length >>> 1;
  const raw = opts.raw === true;
  const table = new FlagTable(opts.file);
  const pair = { lo: 0, hi: 0 };
  // A run of equal entries (5 Mi zero pfns on the 24 GB VM) costs one
  // lookup; the first page of a run meets the table in pfn order as before.
  let i = 0;
  while (i < n) {
    const lo = words[2 * i]!;
    const hi = words[2 * i + 1]!;
    let end = i + 1;
    while (end < n && words[2 * end] === lo && words[2 * end + 1] === hi) end++;
    if (raw) expandOverloaded(lo, hi, pair);
    else {
      pair.lo = wellKnownLo(lo);
      pair.hi = (hi & ~HACKERS_HI) >>> 0;
    }
    const slot = table.slot(pair.lo, pair.hi);
    table.pages[slot] = table.pages[slot]! + (end - i);
    i = end;
  }
  const rows: PageTypesRow[] = [];
  for (let s = 0; s < HASH_SIZE; s++) if (table.pages[s]! > 0) rows.push({ lo: table.lo[s]!, hi: table.hi[s]!, pages: table.pages[s]! });
  for (const r of rows) checkNamed(r.lo, r.hi, opts.file);
  return { rows, totalPages: n, pageSize: opts.pageSize ?? 4096 };
}

const NAMED_BITS = [...K.PAGE_TYPES_NAMES.keys()].sort((a, b) => a - b);
const NAMED_LO = NAMED_BITS.filter((b) => b < 32).reduce((m, b) => (m | K.loBit(b)) >>> 0, 0);
const NAMED_HI = NAMED_BITS.filter((b) => b >= 32).reduce((m, b) => (m | K.hiBit(b)) >>> 0, 0);

/** page_flag_name() fatal()s on a set bit it has no name for. */
function checkNamed(lo: number, hi: number, file: string | undefined): void {
  const badLo = (lo & ~NAMED_LO) >>> 0;
  const badHi = (hi & ~NAMED_HI) >>> 0;
  if (badLo === 0 && badHi === 0) return;
  const bit = badLo !== 0 ? 31 - Math.clz32(badLo & -badLo) : 32 + 31 - Math.clz32(badHi & -badHi);
  throw new InputError(`unknown flag bit ${bit} (page-types 6.12 has no name for it and stops too)`, file);
}

function bitSet(lo: number, hi: number, bit: number): boolean {
  return bit < 32 ? ((lo >>> bit) & 1) === 1 : ((hi >>> (bit - 32)) & 1) === 1;
}

/** page_flag_name(): one letter per named bit, '_' when clear. */
export function pageFlagName(lo: number, hi: number): string {
  let s = '';
  for (const b of NAMED_BITS) s += bitSet(lo, hi, b) ? K.PAGE_TYPES_NAMES.get(b)![0] : '_';
  return s;
}

/** page_flag_longname(): the names of the set bits, comma-separated. */
export function pageFlagLongname(lo: number, hi: number): string {
  return NAMED_BITS.filter((b) => bitSet(lo, hi, b))
    .map((b) => K.PAGE_TYPES_NAMES.get(b)!.slice(2))
    .join(',');
}

function hex16(lo: number, hi: number): string {
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/** pages2mb(): (pages * page_size) >> 20. */
function pagesToMb(pages: number, pageSize: number): number {
  return Math.floor((pages * pageSize) / 2 ** 20);
}

/** show_summary() */
export function formatPageTypes(s: PageTypesSummary): string {
  const lines = ['             flags\tpage-count       MB  symbolic-flags\t\t\tlong-symbolic-flags'];
  for (const r of s.rows) {
    lines.push(`0x${hex16(r.lo, r.hi)}\t${String(r.pages).padStart(10)} ${String(pagesToMb(r.pages, s.pageSize)).padStart(8)}  ${pageFlagName(r.lo, r.hi)}\t${pageFlagLongname(r.lo, r.hi)}`);
  }
  lines.push(`             total\t${String(s.totalPages).padStart(10)} ${String(pagesToMb(s.totalPages, s.pageSize)).padStart(8)}`);
  return `${lines.join('\n')}\n`;
}

/** The text `page-types [-r] -F IMAGE` prints for an image. */
export function summarize(image: Uint32Array | BigUint64Array, opts: PageTypesOptions = {}): string {
  return formatPageTypes(pageTypesSummary(image, opts));
}
