/**
 * The simulated kernel: every layer stacked, bottom to top, one class per
 * kernel source file it models:
 *
 *   MachineBase  memory as bytes, addresses, symbols, BUG/WARN machinery
 *   KernelList   include/linux/list.h + lib/list_debug.c
 *   PageFlags    include/linux/page-flags.h
 *   PageRef      include/linux/page_ref.h
 *   Mm           include/linux/mm.h
 *   Debug        mm/debug.c
 *   MmZone       include/linux/mmzone.h (zones, free areas, pcp, pageblocks, vmstat)
 *   Internal     mm/internal.h
 *   PageAlloc    mm/page_alloc.c
 *   MmInit       mm/mm_init.c, memblock, watermarks; mm/swap.c __folio_put
 *
 * Variants (src/variants) derive from this class and override the kernel
 * functions their patches change.
 */

import { MmInit } from './mm_init.js';

export class Kernel extends MmInit {}

export type KernelClass = new (...args: ConstructorParameters<typeof Kernel>) => Kernel;
