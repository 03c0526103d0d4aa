/**
 * The bits of /proc/kpageflags.
 *
 * Bits 0..26 are the stable user ABI of include/uapi/linux/kernel-page-flags.h
 * (identical in v6.12 and the linux-mm 7.3.0-rc5 tree). Bits 32..41 are the
 * "kernel hacking assistances" that fs/proc/page.c exports but the uapi
 * header does not define; tools/mm/page-types.c defines them itself, and
 * also takes bits 47..63 for flags it synthesises from overloaded kernel
 * bits or from /proc/PID/pagemap (never set by the kernel).
 *
 * Bits of bit 32 and above live in the high 32-bit word of an entry; the
 * constants below are bit numbers, and `hiBit`/`loBit` turn them into masks
 * of the word they live in.
 */

// include/uapi/linux/kernel-page-flags.h
export const KPF_LOCKED = 0;
/** Unused since PG_error was removed (v6.12); still named by page-types. */
export const KPF_ERROR = 1;
export const KPF_REFERENCED = 2;
export const KPF_UPTODATE = 3;
export const KPF_DIRTY = 4;
export const KPF_LRU = 5;
export const KPF_ACTIVE = 6;
export const KPF_SLAB = 7;
export const KPF_WRITEBACK = 8;
export const KPF_RECLAIM = 9;
export const KPF_BUDDY = 10;
export const KPF_MMAP = 11;
export const KPF_ANON = 12;
export const KPF_SWAPCACHE = 13;
export const KPF_SWAPBACKED = 14;
export const KPF_COMPOUND_HEAD = 15;
export const KPF_COMPOUND_TAIL = 16;
export const KPF_HUGE = 17;
export const KPF_UNEVICTABLE = 18;
export const KPF_HWPOISON = 19;
/** A pfn with no struct page (a hole); kernels since the 2025 kpage_read() rework write 0 instead. */
export const KPF_NOPAGE = 20;
export const KPF_KSM = 21;
export const KPF_THP = 22;
export const KPF_OFFLINE = 23;
export const KPF_ZERO_PAGE = 24;
export const KPF_IDLE = 25;
export const KPF_PGTABLE = 26;

// fs/proc/page.c exports these; tools/mm/page-types.c names them (the "(r)" raw-mode bits).
export const KPF_RESERVED = 32;
export const KPF_MLOCKED = 33;
export const KPF_OWNER_2 = 34;
export const KPF_PRIVATE = 35;
export const KPF_PRIVATE_2 = 36;
export const KPF_OWNER_PRIVATE = 37;
export const KPF_ARCH = 38;
/** PG_uncached is gone (v6.12); page-types 6.12 has no name for this bit and stops if it is set. */
export const KPF_UNCACHED = 39;
export const KPF_SOFTDIRTY = 40;
export const KPF_ARCH_2 = 41;
export const KPF_ARCH_3 = 42;

// tools/mm/page-types.c: "arbitrary free slots for expanding overloaded flags", never set by a kernel.
export const KPF_ANON_EXCLUSIVE = 47;
export const KPF_READAHEAD = 48;
export const KPF_SLUB_FROZEN = 50;
export const KPF_SLUB_DEBUG = 51;
export const KPF_FILE = 61;
export const KPF_SWAP = 62;
export const KPF_MMAP_EXCLUSIVE = 63;

/** Mask in the low word of a bit below 32. */
export function loBit(bit: number): number {
  return (1 << bit) >>> 0;
}

/** Mask in the high word of a bit from 32 up. */
export function hiBit(bit: number): number {
  return (1 << (bit - 32)) >>> 0;
}

/**
 * page-types' page_flag_names[] as in Debian's linux-source-6.12 (6.12.117),
 * the tool that produced the reference outputs in shared/data/real: one
 * letter for the symbolic column, then the long name. The order of the
 * symbolic column is bit order, so this table is by bit number.
 */
export const PAGE_TYPES_NAMES: ReadonlyMap<number, string> = new Map([
  [KPF_LOCKED, 'L:locked'],
  [KPF_ERROR, 'E:error'],
  [KPF_REFERENCED, 'R:referenced'],
  [KPF_UPTODATE, 'U:uptodate'],
  [KPF_DIRTY, 'D:dirty'],
  [KPF_LRU, 'l:lru'],
  [KPF_ACTIVE, 'A:active'],
  [KPF_SLAB, 'S:slab'],
  [KPF_WRITEBACK, 'W:writeback'],
  [KPF_RECLAIM, 'I:reclaim'],
  [KPF_BUDDY, 'B:buddy'],
  [KPF_MMAP, 'M:mmap'],
  [KPF_ANON, 'a:anonymous'],
  [KPF_SWAPCACHE, 's:swapcache'],
  [KPF_SWAPBACKED, 'b:swapbacked'],
  [KPF_COMPOUND_HEAD, 'H:compound_head'],
  [KPF_COMPOUND_TAIL, 'T:compound_tail'],
  [KPF_HUGE, 'G:huge'],
  [KPF_UNEVICTABLE, 'u:unevictable'],
  [KPF_HWPOISON, 'X:hwpoison'],
  [KPF_NOPAGE, 'n:nopage'],
  [KPF_KSM, 'x:ksm'],
  [KPF_THP, 't:thp'],
  [KPF_OFFLINE, 'o:offline'],
  [KPF_PGTABLE, 'g:pgtable'],
  [KPF_ZERO_PAGE, 'z:zero_page'],
  [KPF_IDLE, 'i:idle_page'],
  [KPF_RESERVED, 'r:reserved'],
  [KPF_MLOCKED, 'm:mlocked'],
  [KPF_OWNER_2, 'd:owner_2'],
  [KPF_PRIVATE, 'P:private'],
  [KPF_PRIVATE_2, 'p:private_2'],
  [KPF_OWNER_PRIVATE, 'O:owner_private'],
  [KPF_ARCH, 'h:arch'],
  [KPF_SOFTDIRTY, 'f:softdirty'],
  [KPF_ARCH_2, 'H:arch_2'],
  [KPF_ANON_EXCLUSIVE, 'd:anon_exclusive'],
  [KPF_READAHEAD, 'I:readahead'],
  [KPF_SLUB_FROZEN, 'A:slub_frozen'],
  [KPF_SLUB_DEBUG, 'E:slub_debug'],
  [KPF_FILE, 'F:file'],
  [KPF_SWAP, 'w:swap'],
  [KPF_MMAP_EXCLUSIVE, '1:mmap_exclusive'],
]);

/** The long name of a bit as page-types prints it (`uptodate`), or null if page-types has none. */
export function kpfName(bit: number): string | null {
  const n = PAGE_TYPES_NAMES.get(bit);
  return n === undefined ? null : n.slice(2);
}
