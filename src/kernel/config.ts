/**
 * The kernel configuration pagesim models: x86_64, 4 KiB pages, a
 * distribution-style config with DEBUG_VM (the kernel whose reports we
 * print). Every constant here is what that kernel computes at build time.
 *
 * Config assumed (and why it matters):
 *   CONFIG_NUMA=y, CONFIG_NODES_SHIFT=10    node id in page->flags bits 54..63
 *   CONFIG_ZONE_DEVICE=y                     5 zones -> ZONES_WIDTH 3 (bits 51..53)
 *   CONFIG_NUMA_BALANCING=y, NR_CPUS=8192    last_cpupid (21 bits) in page->flags
 *   CONFIG_LRU_GEN=y                         LRU gen/refs bits below last_cpupid
 *   CONFIG_MEMCG=y                           memcg_data word, struct page is 64 bytes
 *   CONFIG_CMA is not set                    no MIGRATE_CMA (as on the captured 6.18 VM)
 *   CONFIG_MEMORY_ISOLATION=y                MIGRATE_ISOLATE exists
 *   CONFIG_DEBUG_VM=y, CONFIG_DEBUG_LIST=y   the checks whose reports pagesim prints
 *   CONFIG_TRANSPARENT_HUGEPAGE=y            order-9 pcp lists
 */

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;

export const MAX_PAGE_ORDER = 10;
export const NR_PAGE_ORDERS = MAX_PAGE_ORDER + 1;
export const pageblock_order = 9;
export const pageblock_nr_pages = 1 << pageblock_order;
export const PAGE_ALLOC_COSTLY_ORDER = 3;
export const HPAGE_PMD_ORDER = 9;
export const HPAGE_PMD_NR = 1 << HPAGE_PMD_ORDER;

// enum migratetype
export const MIGRATE_UNMOVABLE = 0;
export const MIGRATE_MOVABLE = 1;
export const MIGRATE_RECLAIMABLE = 2;
export const MIGRATE_PCPTYPES = 3;
export const MIGRATE_HIGHATOMIC = MIGRATE_PCPTYPES;
export const MIGRATE_ISOLATE = 4;
export const MIGRATE_TYPES = 5;
export const migratetype_names = ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'Isolate'] as const;

// enum zone_type
export const ZONE_DMA = 0;
export const ZONE_DMA32 = 1;
export const ZONE_NORMAL = 2;
export const ZONE_MOVABLE = 3;
export const ZONE_DEVICE = 4;
export const MAX_NR_ZONES = 5;
export const zone_names = ['DMA', 'DMA32', 'Normal', 'Movable', 'Device'] as const;
/** Zone boundaries on x86_64: DMA below 16 MiB, DMA32 below 4 GiB. */
export const MAX_DMA_PFN = (16 << 20) >> PAGE_SHIFT;
export const MAX_DMA32_PFN = 2 ** 32 / PAGE_SIZE;

// include/linux/page-flags-layout.h for the config above.
export const SECTIONS_WIDTH = 0;
export const NODES_WIDTH = 10;
export const ZONES_WIDTH = 3;
export const LAST_CPUPID_WIDTH = 21;
export const KASAN_TAG_WIDTH = 0;
export const LRU_GEN_WIDTH = 3;
export const LRU_REFS_WIDTH = 2;
export const NODES_PGOFF = 64 - SECTIONS_WIDTH - NODES_WIDTH; // 54
export const ZONES_PGOFF = NODES_PGOFF - ZONES_WIDTH; // 51
export const LAST_CPUPID_PGOFF = ZONES_PGOFF - LAST_CPUPID_WIDTH; // 30
export const KASAN_TAG_PGOFF = LAST_CPUPID_PGOFF - KASAN_TAG_WIDTH; // 30
export const LRU_GEN_PGOFF = KASAN_TAG_PGOFF - LRU_GEN_WIDTH; // 27
export const LRU_REFS_PGOFF = LRU_GEN_PGOFF - LRU_REFS_WIDTH; // 25
export const LAST_CPUPID_MASK = (1 << LAST_CPUPID_WIDTH) - 1;

// Per-CPU page lists (include/linux/mmzone.h): 3 migratetypes x orders 0..3, plus two THP lists.
export const NR_LOWORDER_PCP_LISTS = MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1);
export const NR_PCP_THP = 2;
export const NR_PCP_LISTS = NR_LOWORDER_PCP_LISTS + NR_PCP_THP;

/** x86_64 virtual memory map (Documentation/arch/x86/x86_64/mm.rst, 4-level paging). */
export const PAGE_OFFSET = 0xffff888000000000n;
export const VMEMMAP_START = 0xffffea0000000000n;
export const KERNEL_TEXT_START = 0xffffffff81000000n;
/** POISON_POINTER_DELTA = CONFIG_ILLEGAL_POINTER_VALUE on x86_64. */
export const POISON_POINTER_DELTA = 0xdead000000000000n;
export const LIST_POISON1 = 0x100n + POISON_POINTER_DELTA;
export const LIST_POISON2 = 0x122n + POISON_POINTER_DELTA;
export const TAIL_MAPPING = 0x400n + POISON_POINTER_DELTA;
/** The high 32 bits of the poison values, for word-wise comparisons. */
export const POISON_HI = 0xdead0000;

/** Limits pagesim enforces (TigerBeetle style: a limit on everything). */
export const LIMITS = {
  memoryBytesMax: 64 * 2 ** 30,
  memoryBytesMin: 64 * 2 ** 20,
  cpusMax: 64,
  nodesMax: 8,
  stepsMax: 10_000_000,
  /**
   * Struct pages the `check` steps of a run visit together: a check walks
   * the whole memmap (about 2.5 ms for a 1 GiB machine on a 2-core VM), so
   * the step limit alone would let a loop of checks run for hours. 2^30 is
   * 4,096 checks of a 1 GiB machine, 64 of a 64 GiB one.
   */
  checkedPagesMax: 2 ** 30,
  /** Steps a run lists; after these, only notable steps (reports, failed expectations, show:) are kept. */
  stepsListed: 100_000,
  repeatMax: 1_000_000,
  /** Notable steps listed after the first stepsListed; later ones are counted (the step that ends the run is always kept). */
  notableListed: 10_000,
  /** Expectation failures a run words; later ones are counted. */
  failuresListed: 1_000,
  /** Lines the simulated console keeps; later lines are counted. */
  consoleLines: 100_000,
  /** Names a run binds with as: (a loop binding name$i binds one per iteration). */
  handlesMax: 1_000_000,
  /** Input sizes (docs/limits.md). */
  scenarioBytesMax: 16 * 2 ** 20,
  procFileBytesMax: 64 * 2 ** 20,
  /** A kpageflags or kpagecount image, as read and as inflated: 8 bytes per pfn of a 128 GiB machine. */
  imageBytesMax: 256 * 2 ** 20,
  /** A trace's text (after inflation) and its longest line. */
  traceBytesMax: 16 * 2 ** 30,
  traceLineBytesMax: 64 * 2 ** 10,
} as const;

/** kernel/time: CONFIG_HZ=250 (Debian). */
export const HZ = 250;
