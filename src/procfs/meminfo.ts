/**
 * /proc/meminfo, printed by meminfo_proc_show() in fs/proc/meminfo.c, with
 * the HugePages lines from hugetlb_report_meminfo() and the DirectMap lines
 * from x86's arch_report_meminfo().
 *
 * The printer follows the linux-mm 7.3.0-rc5 layout, unchanged since 2.6:
 * the name and colon padded to 16 columns, the value right-aligned in 8, then
 * " kB" where the value is a size. HardwareCorrupted alone prints "%5lu" after one blank;
 * such lines keep their spacing in MemInfoItem.spaces.
 *
 * The builder's field list is that of the newest real capture, Linux 6.18.44
 * on the Firecracker VM (x86_64, ZSWAP and THP, no HIGHMEM, CMA,
 * MEMORY_FAILURE or UNACCEPTED_MEMORY). The 2026 development tree adds
 * "Ftrace", "GPUActive" and "GPUReclaim" lines between snapshots; they are
 * left out until a released kernel prints them.
 */
import type { MemInfo, MemInfoItem } from './types.js';
import { checkedCount, fail, joinLines, ljust, parseCount, rjust, splitLines, type SourceLine } from './text.js';

export function formatMemInfo(info: MemInfo): string {
  return joinLines(info.items.map(formatItem));
}

function formatItem(item: MemInfoItem): string {
  const label = `${item.name}:`;
  const head =
    item.spaces === undefined ? ljust(label, 16) + rjust(item.value, 8) : label + ' '.repeat(item.spaces) + item.value;
  return item.unit === 'kB' ? `${head} kB` : head;
}

const ITEM = /^([^:\s][^:]*):( *)(\S+?)( kB)?$/;

export function parseMemInfo(text: string, file = '/proc/meminfo'): MemInfo {
  return { items: splitLines(text, file).map((at) => parseItem(at, file)) };
}

function parseItem(at: SourceLine, file: string): MemInfoItem {
  const m = ITEM.exec(at.text);
  if (m === null) fail('expected "Name:   value" with an optional " kB"', file, at);
  const item: MemInfoItem = {
    name: m[1],
    value: parseCount(m[3], m[1], file, at),
    unit: m[4] === undefined ? '' : 'kB',
  };
  // Record the spacing only where it is not the usual layout, so ordinary
  // items stay three fields long.
  if (formatItem(item) !== at.text) item.spaces = m[2].length;
  return item;
}

/** [name, unit, value printed when the simulator does not supply one]. */
type MemInfoField = readonly [name: string, unit: 'kB' | '', fixed: number];

/** x86_64 with 4-level page tables: VMALLOC_TOTAL >> 10. */
const X86_64_VMALLOC_TOTAL_KB = 34359738367;
/** x86_64 PMD-sized huge page. */
const X86_64_HUGEPAGESIZE_KB = 2048;

const MEMINFO_FIELDS: readonly MemInfoField[] = [
  ['MemTotal', 'kB', 0], ['MemFree', 'kB', 0], ['MemAvailable', 'kB', 0], ['Buffers', 'kB', 0],
  ['Cached', 'kB', 0], ['SwapCached', 'kB', 0], ['Active', 'kB', 0], ['Inactive', 'kB', 0],
  ['Active(anon)', 'kB', 0], ['Inactive(anon)', 'kB', 0], ['Active(file)', 'kB', 0],
  ['Inactive(file)', 'kB', 0], ['Unevictable', 'kB', 0], ['Mlocked', 'kB', 0],
  ['SwapTotal', 'kB', 0], ['SwapFree', 'kB', 0], ['Zswap', 'kB', 0], ['Zswapped', 'kB', 0],
  ['Dirty', 'kB', 0], ['Writeback', 'kB', 0], ['AnonPages', 'kB', 0], ['Mapped', 'kB', 0],
  ['Shmem', 'kB', 0], ['KReclaimable', 'kB', 0], ['Slab', 'kB', 0], ['SReclaimable', 'kB', 0],
  ['SUnreclaim', 'kB', 0], ['KernelStack', 'kB', 0], ['PageTables', 'kB', 0], ['SecPageTables', 'kB', 0],
  ['NFS_Unstable', 'kB', 0], ['Bounce', 'kB', 0], ['WritebackTmp', 'kB', 0], ['CommitLimit', 'kB', 0],
  ['Committed_AS', 'kB', 0], ['VmallocTotal', 'kB', X86_64_VMALLOC_TOTAL_KB], ['VmallocUsed', 'kB', 0],
  ['VmallocChunk', 'kB', 0], ['Percpu', 'kB', 0], ['AnonHugePages', 'kB', 0], ['ShmemHugePages', 'kB', 0],
  ['ShmemPmdMapped', 'kB', 0], ['FileHugePages', 'kB', 0], ['FilePmdMapped', 'kB', 0], ['Balloon', 'kB', 0],
  ['HugePages_Total', '', 0], ['HugePages_Free', '', 0], ['HugePages_Rsvd', '', 0], ['HugePages_Surp', '', 0],
  ['Hugepagesize', 'kB', X86_64_HUGEPAGESIZE_KB], ['Hugetlb', 'kB', 0],
  ['DirectMap4k', 'kB', 0], ['DirectMap2M', 'kB', 0], ['DirectMap1G', 'kB', 0],
];

/**
 * Build /proc/meminfo. Modelled: any field the simulator passes, by its
 * meminfo name and in the printed unit (kB, or a count for HugePages_*), e.g.
 * MemTotal, MemFree, PageTables, KernelStack. Fixed: the rest are 0, except
 * the x86_64 constants VmallocTotal (34359738367 kB) and Hugepagesize (2048 kB).
 */
export function buildMemInfo(values: Readonly<Record<string, number>>): MemInfo {
  const known = new Set(MEMINFO_FIELDS.map(([name]) => name));
  for (const name of Object.keys(values)) {
    if (!known.has(name)) throw new RangeError(`meminfo: unknown field "${name}"`);
  }
  return {
    items: MEMINFO_FIELDS.map(([name, unit, fixed]) => ({
      name,
      value: checkedCount(values[name] ?? fixed, `meminfo ${name}`),
      unit,
    })),
  };
}
