/**
 * Plain data models of the /proc files that mm/vmstat.c and fs/proc/meminfo.c
 * print. Each model holds everything needed to print its file again byte for
 * byte, in the kernel's order, and nothing else: no classes, no Maps, so a
 * model can go through JSON unchanged.
 *
 * Counts are JavaScript numbers. The kernel prints unsigned longs; a value
 * above Number.MAX_SAFE_INTEGER is refused by the parsers rather than rounded,
 * because a rounded value would no longer print back to the same text.
 */

/** /proc/buddyinfo: one row per populated zone, in node then zone order. */
export interface BuddyInfo {
  zones: BuddyInfoZone[];
}

export interface BuddyInfoZone {
  node: number;
  /** The kernel's zone name: DMA, DMA32, Normal, HighMem, Movable, Device. */
  zone: string;
  /** free[order] = free blocks of that order (zone->free_area[order].nr_free). */
  free: number[];
}

/**
 * /proc/pagetypeinfo. The kernel prints one whole section (header, free
 * counts, block counts) per node with memory; the rows here carry their node
 * and the printer groups them back into sections, so the header facts
 * (pageblock order, orders, migratetype names) must be the same for every node,
 * which they are on a real machine.
 */
export interface PageTypeInfo {
  pageblockOrder: number;
  pagesPerBlock: number;
  /** Number of order columns (NR_PAGE_ORDERS): 11 on x86_64. */
  orders: number;
  /** Migratetype names in kernel enum order, as in the "Number of blocks type" header. */
  migratetypes: string[];
  /** One row per populated zone and migratetype. */
  free: PageTypeFreeRow[];
  /** One row per populated zone: pageblocks per migratetype. */
  blocks: PageTypeBlockRow[];
  /** Present only with CONFIG_PAGE_OWNER active: pageblocks holding pages of another type. */
  mixedBlocks?: PageTypeBlockRow[];
}

export interface PageTypeFreeRow {
  node: number;
  zone: string;
  type: string;
  /** counts[order] = free blocks of that order on this migratetype's list. */
  counts: number[];
  /** capped[order]: the kernel stopped counting at 100000 and printed ">". */
  capped: boolean[];
}

export interface PageTypeBlockRow {
  node: number;
  zone: string;
  /** counts[i] = pageblocks whose migratetype is migratetypes[i]. */
  counts: number[];
}

/**
 * /proc/zoneinfo. Its lines changed in almost every kernel release (fields
 * added, renamed, moved, column widths changed), so the model is generic: each
 * zone is its header plus its lines in order, each line split into indent,
 * key, gap and value text. That represents every format from 2.6.16 to the
 * linux-mm 7.3.0-rc5 tree exactly; zoneInfoNumber() in zoneinfo.ts reads a field by key.
 */
export interface ZoneInfo {
  zones: ZoneInfoZone[];
}

export interface ZoneInfoZone {
  node: number;
  zone: string;
  lines: ZoneInfoLine[];
}

/**
 * One line: `' '.repeat(indent) + key + ' '.repeat(gap) + value`.
 * Section titles ("per-node stats", "pagesets") have gap 0 and value "".
 * RHEL 8's 4.18.0-80 prints one counter with an empty name; its line has
 * key "", gap 0 and all its blanks as indent.
 * The value is kept as text because some are not single numbers:
 * "(0, 3019, 4299, 4299, 4299)" for protection, and the 2.6 forms
 * "0 (a: 0 i: 0)" and "0 pcp: 1".
 */
export interface ZoneInfoLine {
  indent: number;
  key: string;
  gap: number;
  value: string;
}

/** /proc/vmstat: `name value` lines in kernel order. */
export interface VmStat {
  items: VmStatItem[];
}

export type VmStatItem = [name: string, value: number];

/** /proc/meminfo: `Name:   value kB` lines in kernel order. */
export interface MemInfo {
  items: MemInfoItem[];
}

export interface MemInfoItem {
  /** Without the colon: "MemTotal", "Active(anon)", "HugePages_Total". */
  name: string;
  /** As printed: kB for the kB lines, a count for HugePages_*. */
  value: number;
  unit: 'kB' | '';
  /**
   * Spaces between the colon and the value, recorded only where the line does
   * not follow the usual layout (name and colon padded to 16 columns, value
   * right-aligned in 8). HardwareCorrupted is the one kernel line that
   * differs: it prints "HardwareCorrupted: %5lu kB".
   */
  spaces?: number;
}
