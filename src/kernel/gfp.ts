/**
 * GFP flags (include/linux/gfp_types.h, v6.12+ bit numbering, x86_64
 * without KASAN_HW_TAGS and LOCKDEP, with SLAB_OBJ_EXT) and the helpers
 * that turn a gfp mask into a zone and a migratetype (include/linux/gfp.h).
 */

import { ZONE_DMA, ZONE_DMA32, ZONE_MOVABLE, ZONE_NORMAL } from './config.js';
import { GFP, gfpFlagNames, type GfpTable } from '../trace/gfp.js';

// Small integers (1 << b), not 2 ** b: V8 keeps them unboxed, which the allocator's hot paths feel.
const bit = (b: number): number => 1 << b;

// enum ___GFP_*_BIT
export const __GFP_DMA = bit(0);
export const __GFP_HIGHMEM = bit(1);
export const __GFP_DMA32 = bit(2);
export const __GFP_MOVABLE = bit(3);
export const __GFP_RECLAIMABLE = bit(4);
export const __GFP_HIGH = bit(5);
export const __GFP_IO = bit(6);
export const __GFP_FS = bit(7);
export const __GFP_ZERO = bit(8);
// bit 9 unused
export const __GFP_DIRECT_RECLAIM = bit(10);
export const __GFP_KSWAPD_RECLAIM = bit(11);
export const __GFP_WRITE = bit(12);
export const __GFP_NOWARN = bit(13);
export const __GFP_RETRY_MAYFAIL = bit(14);
export const __GFP_NOFAIL = bit(15);
export const __GFP_NORETRY = bit(16);
export const __GFP_MEMALLOC = bit(17);
export const __GFP_COMP = bit(18);
export const __GFP_NOMEMALLOC = bit(19);
export const __GFP_HARDWALL = bit(20);
export const __GFP_THISNODE = bit(21);
export const __GFP_ACCOUNT = bit(22);
export const __GFP_ZEROTAGS = bit(23);
export const __GFP_NO_OBJ_EXT = bit(24);

export const __GFP_RECLAIM = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM;
export const GFP_ATOMIC = __GFP_HIGH | __GFP_KSWAPD_RECLAIM;
export const GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS;
export const GFP_KERNEL_ACCOUNT = GFP_KERNEL | __GFP_ACCOUNT;
export const GFP_NOWAIT = __GFP_KSWAPD_RECLAIM | __GFP_NOWARN;
export const GFP_NOIO = __GFP_RECLAIM;
export const GFP_NOFS = __GFP_RECLAIM | __GFP_IO;
export const GFP_USER = __GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL;
export const GFP_DMA = __GFP_DMA;
export const GFP_DMA32 = __GFP_DMA32;
export const GFP_HIGHUSER = GFP_USER | __GFP_HIGHMEM;
export const GFP_HIGHUSER_MOVABLE = GFP_HIGHUSER | __GFP_MOVABLE;
export const GFP_TRANSHUGE_LIGHT = (GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM;
export const GFP_TRANSHUGE = GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM;
export const GFP_PGTABLE_KERNEL = GFP_KERNEL | __GFP_ZERO;
export const GFP_PGTABLE_USER = GFP_PGTABLE_KERNEL | __GFP_ACCOUNT;

/** Every name a scenario `gfp:` expression may use, with its value. */
export const GFP_NAMES: ReadonlyMap<string, number> = new Map([
  ['GFP_ATOMIC', GFP_ATOMIC],
  ['GFP_KERNEL', GFP_KERNEL],
  ['GFP_KERNEL_ACCOUNT', GFP_KERNEL_ACCOUNT],
  ['GFP_NOWAIT', GFP_NOWAIT],
  ['GFP_NOIO', GFP_NOIO],
  ['GFP_NOFS', GFP_NOFS],
  ['GFP_USER', GFP_USER],
  ['GFP_DMA', GFP_DMA],
  ['GFP_DMA32', GFP_DMA32],
  ['GFP_HIGHUSER', GFP_HIGHUSER],
  ['GFP_HIGHUSER_MOVABLE', GFP_HIGHUSER_MOVABLE],
  ['GFP_TRANSHUGE_LIGHT', GFP_TRANSHUGE_LIGHT],
  ['GFP_TRANSHUGE', GFP_TRANSHUGE],
  ['GFP_PGTABLE_KERNEL', GFP_PGTABLE_KERNEL],
  ['GFP_PGTABLE_USER', GFP_PGTABLE_USER],
  ['__GFP_DMA', __GFP_DMA],
  ['__GFP_HIGHMEM', __GFP_HIGHMEM],
  ['__GFP_DMA32', __GFP_DMA32],
  ['__GFP_MOVABLE', __GFP_MOVABLE],
  ['__GFP_RECLAIMABLE', __GFP_RECLAIMABLE],
  ['__GFP_HIGH', __GFP_HIGH],
  ['__GFP_IO', __GFP_IO],
  ['__GFP_FS', __GFP_FS],
  ['__GFP_ZERO', __GFP_ZERO],
  ['__GFP_DIRECT_RECLAIM', __GFP_DIRECT_RECLAIM],
  ['__GFP_KSWAPD_RECLAIM', __GFP_KSWAPD_RECLAIM],
  ['__GFP_RECLAIM', __GFP_RECLAIM],
  ['__GFP_WRITE', __GFP_WRITE],
  ['__GFP_NOWARN', __GFP_NOWARN],
  ['__GFP_RETRY_MAYFAIL', __GFP_RETRY_MAYFAIL],
  ['__GFP_NOFAIL', __GFP_NOFAIL],
  ['__GFP_NORETRY', __GFP_NORETRY],
  ['__GFP_MEMALLOC', __GFP_MEMALLOC],
  ['__GFP_COMP', __GFP_COMP],
  ['__GFP_NOMEMALLOC', __GFP_NOMEMALLOC],
  ['__GFP_HARDWALL', __GFP_HARDWALL],
  ['__GFP_THISNODE', __GFP_THISNODE],
  ['__GFP_ACCOUNT', __GFP_ACCOUNT],
  ['__GFP_ZEROTAGS', __GFP_ZEROTAGS],
  ['__GFP_NO_OBJ_EXT', __GFP_NO_OBJ_EXT],
]);

/**
 * The trace table as printk's gfpflag_names has it in linux-mm 7.3-rc5:
 * mmflags.h there no longer names __GFP_NO_OBJ_EXT (gfp_types.h still has
 * the bit, 0x1000000), so %pGg prints it as a hex part; the trace table
 * keeps the name for the 6.13-6.18 traces that print it.
 */
const PRINTK_GFP: GfpTable = { ...GFP, printOrder: GFP.printOrder.filter((e) => e.name !== '__GFP_NO_OBJ_EXT') };

/**
 * A mask's flag names as the kernel prints them (%pGg, and show_gfp_flags()
 * in trace output): composites first, the single __GFP bits left over in
 * bit order, unknown bits as one hex part. One table serves both, the
 * trace parser's (src/trace/gfp.ts, which follows the linux-mm 7.3-rc5
 * include/trace/events/mmflags.h). 0 is `0` here: this is also how a
 * scenario's gfp value is shown, and it has to read back.
 */
export function formatGfp(mask: number): string {
  return mask === 0 ? '0' : gfpFlagNames(mask, PRINTK_GFP);
}

/**
 * The kernel's `%#x(%pGg)` of a gfp mask (page_owner, warn_alloc): the
 * number with its 0x prefix, which the kernel's vsprintf prints for 0 too
 * (`0x0`), then the names, empty for 0 (`0x0()`).
 */
export function formatGfpMask(mask: number): string {
  return `0x${(mask >>> 0).toString(16)}(${gfpFlagNames(mask, PRINTK_GFP)})`;
}

/** gfp_migratetype(): __GFP_MOVABLE -> MOVABLE, __GFP_RECLAIMABLE -> RECLAIMABLE, else UNMOVABLE. */
export function gfp_migratetype(gfp: number): number {
  return ((gfp & (__GFP_MOVABLE | __GFP_RECLAIMABLE)) >>> 3) & 3;
}

/** gfp_zone() on x86_64 (no HIGHMEM zone: __GFP_HIGHMEM means Normal, and Movable with __GFP_MOVABLE). */
export function gfp_zone(gfp: number): number {
  if (gfp & __GFP_DMA) return ZONE_DMA;
  if (gfp & __GFP_DMA32) return ZONE_DMA32;
  if ((gfp & (__GFP_HIGHMEM | __GFP_MOVABLE)) === (__GFP_HIGHMEM | __GFP_MOVABLE)) return ZONE_MOVABLE;
  return ZONE_NORMAL;
}

export function gfpflags_allow_blocking(gfp: number): boolean {
  return (gfp & __GFP_DIRECT_RECLAIM) !== 0;
}

