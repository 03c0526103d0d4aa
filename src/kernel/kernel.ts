/**
 * The simulated kernel: every layer stacked, bottom to top, one class per
 * kernel source file it models:
 *
 *   MachineBase  memory as bytes, addresses, symbols, BUG/WARN machinery
 *   KernelList   include/linux/list.h + lib/list_debug.c
 *   PageFlags    include/linux/page-flags.h
 *   Atomic       include/linux/atomic.h on words of memory (what explore interleaves)
 *   PageRef      include/linux/page_ref.h
 *   Mm           include/linux/mm.h
 *   Debug        mm/debug.c
 *   MmZone       include/linux/mmzone.h (zones, free areas, pcp, pageblocks, vmstat)
 *   Internal     mm/internal.h
 *   PageAlloc    mm/page_alloc.c
 *   MmInit       mm/mm_init.c, memblock, watermarks
 *   Slub         mm/slub.c, mm/slab_common.c (struct slab over the head page)
 *   Rcu          kernel/rcu/tree.c call_rcu and callback invocation
 *   Pgtable      page-table pages, ptdesc, pgalloc, THP deposit, mmu_gather
 *   Cpa          arch/x86/mm/pat/set_memory.c on the direct map
 *   Rmap         mm/rmap.c mapcounts, mm/swap.c LRU and __folio_put
 *   Memory       mm/memory.c faults, zap, free_pgtables
 *   HugeMemory   mm/huge_memory.c PMD-mapped THP
 *   Khugepaged   mm/khugepaged.c collapse_pte_mapped_thp
 *   Mmap         kernel/fork.c and mm/mmap.c, mm/vma.c: mm_struct and VMAs
 *   VmInsert     mm/memory.c vm_insert_page(s): kernel pages in user VMAs
 *   Gup          mm/gup.c get_user_pages / pin_user_pages
 *   PagePool     net/core/page_pool.c, include/net/netmem.h, net/core/devmem.c
 *                (page_pool, netmem_ref, net_iov, the dma-buf memory provider)
 *                and alloc_pages_bulk_noprof
 *   Tcp          net/ipv4/tcp.c receive side: tcp_mmap, TCP_ZEROCOPY_RECEIVE,
 *                tcp_recvmsg, skb release to page_pool (net/core/skbuff.c)
 *
 * Variants (src/variants) derive from this class and override the kernel
 * functions their patches change.
 */

import { Tcp } from './tcp.js';

export class Kernel extends Tcp {}

export type KernelClass = new (...args: ConstructorParameters<typeof Kernel>) => Kernel;
