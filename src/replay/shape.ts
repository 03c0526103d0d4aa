/**
 * The shape of the traced machine: its nodes, CPUs and zones (start pfn,
 * spanned, present and managed pages, per-CPU pcp counts) from a zoneinfo
 * snapshot, or, without one, a machine just large enough for the trace's
 * pfns. And the free-block counts a snapshot's buddyinfo/pagetypeinfo give
 * per zone, order and migratetype.
 */

import { LIMITS, MAX_PAGE_ORDER, MIGRATE_MOVABLE, MIGRATE_TYPES, NR_PAGE_ORDERS, PAGE_SIZE, ZONE_DMA, migratetype_names, pageblock_order, zone_names } from '../kernel/config.js';
import { zoneInfoNumber, type BuddyInfo, type PageTypeInfo, type ZoneInfo, type ZoneInfoZone } from '../procfs/index.js';
import { InputError } from '../util/errors.js';
import type { Snapshot } from './snapshots.js';

export type Range = readonly [number, number];

export interface ZoneShape {
  readonly node: number;
  /** enum zone_type. */
  readonly idx: number;
  readonly name: string;
  readonly start: number;
  readonly spanned: number;
  readonly present: number;
  /** Managed pages, or -1 when the shape does not say (a machine shaped from the trace). */
  readonly managed: number;
  /** pcp->count per CPU at the snapshot, or null. */
  readonly pcpCount: readonly number[] | null;
  /** The zone's RAM, [start, end) pfn ranges. */
  readonly ram: readonly Range[];
}

export interface TracedShape {
  readonly from: 'zoneinfo' | 'trace';
  readonly nodes: number;
  readonly cpus: number;
  /** Struct pages in the memmap: the highest zone end, in whole MAX_PAGE_ORDER blocks. */
  readonly nrPages: number;
  /** Populated zones, node then zone order. */
  readonly zones: readonly ZoneShape[];
}

const MAX_ORDER_NR_PAGES = 1 << MAX_PAGE_ORDER;
/** x86's legacy hole below 1 MiB: e820 RAM ends at 0x9f and resumes at 0x100 (VGA and BIOS areas). */
const LEGACY_HOLE: Range = [0x9f, 0x100];

const roundUp = (n: number, to: number): number => Math.ceil(n / to) * to;

/**
 * The zones of a zoneinfo. Where present < spanned the zone has a hole:
 * zoneinfo does not say where, so pagesim puts it where an x86 PC has it,
 * the legacy hole [0x9f, 0x100) in DMA and the PCI hole at the end of the
 * zone (DMA32's RAM ends at 3 GiB on the captured VM).
 */
export function shapeFromZoneinfo(zi: ZoneInfo, file: string): TracedShape {
  const zones: ZoneShape[] = [];
  let cpus = 0;
  for (const z of zi.zones) {
    const present = zoneNumber(z, 'present', file);
    if (present === 0) continue;
    const idx = (zone_names as readonly string[]).indexOf(z.zone);
    if (idx < 0) throw new InputError(`zone ${z.zone}: pagesim models the x86_64 zones (${zone_names.join(', ')})`, file);
    const start = zoneNumber(z, 'start_pfn:', file);
    const spanned = zoneNumber(z, 'spanned', file);
    const managed = zoneNumber(z, 'managed', file);
    if (present > spanned || managed > present) throw new InputError(`zone ${z.zone}: spanned ${spanned}, present ${present}, managed ${managed} do not nest`, file);
    const counts = z.lines.filter((l) => l.key === 'count:').map((l) => Number(l.value));
    const zoneCpus = z.lines.filter((l) => l.key === 'cpu:').length;
    cpus = Math.max(cpus, zoneCpus);
    zones.push({ node: z.node, idx, name: z.zone, start, spanned, present, managed, pcpCount: counts.length > 0 ? counts : null, ram: zoneRam(idx, start, spanned, present) });
  }
  if (zones.length === 0) throw new InputError('no populated zone', file);
  const nodes = Math.max(...zones.map((z) => z.node)) + 1;
  const nrPages = roundUp(Math.max(...zones.map((z) => z.start + z.spanned)), MAX_ORDER_NR_PAGES);
  checkLimits(nrPages, Math.max(cpus, 1), nodes, file);
  checkOrder(zones, file);
  return { from: 'zoneinfo', nodes, cpus: Math.max(cpus, nodes), nrPages, zones };
}

function zoneNumber(z: ZoneInfoZone, key: string, file: string): number {
  const v = zoneInfoNumber(z, key);
  if (v === undefined) throw new InputError(`zone ${z.zone} of node ${z.node} has no "${key}" line`, file);
  return v;
}

function zoneRam(idx: number, start: number, spanned: number, present: number): Range[] {
  const end = start + spanned;
  const hole = spanned - present;
  if (hole === 0) return [[start, end]];
  if (idx === ZONE_DMA && hole === LEGACY_HOLE[1] - LEGACY_HOLE[0] && start < LEGACY_HOLE[0] && end > LEGACY_HOLE[1]) {
    return [[start, LEGACY_HOLE[0]], [LEGACY_HOLE[1], end]];
  }
  return [[start, start + present]];
}

function checkLimits(nrPages: number, cpus: number, nodes: number, file: string): void {
  if (nrPages * PAGE_SIZE > LIMITS.memoryBytesMax) throw new InputError(`the zones end at ${(nrPages * PAGE_SIZE) / 2 ** 30} GiB; pagesim machines hold at most ${LIMITS.memoryBytesMax / 2 ** 30} GiB`, file);
  if (cpus > LIMITS.cpusMax) throw new InputError(`${cpus} CPUs; pagesim machines have at most ${LIMITS.cpusMax}`, file);
  if (nodes > LIMITS.nodesMax) throw new InputError(`${nodes} nodes; pagesim machines have at most ${LIMITS.nodesMax}`, file);
}

/** Nodes must follow each other in memory, as pagesim lays them out. */
function checkOrder(zones: readonly ZoneShape[], file: string): void {
  for (let i = 1; i < zones.length; i++) {
    const a = zones[i - 1]!;
    const b = zones[i]!;
    if (b.node < a.node || b.start < a.start + a.spanned) throw new InputError(`zone ${b.name} of node ${b.node} overlaps or precedes zone ${a.name} of node ${a.node}`, file);
  }
}

/** Node n's pfn range: from its first zone (node 0 from pfn 0) to the next node's start (the last to the end). */
export function nodeRanges(shape: TracedShape): Range[] {
  const out: Range[] = [];
  for (let n = 0; n < shape.nodes; n++) {
    const zs = shape.zones.filter((z) => z.node === n);
    const start = n === 0 ? 0 : Math.floor(Math.min(...zs.map((z) => z.start)) / MAX_ORDER_NR_PAGES) * MAX_ORDER_NR_PAGES;
    out.push([start, 0]);
  }
  return out.map(([s], n) => [s, n + 1 < out.length ? out[n + 1]![0] : shape.nrPages] as const);
}

/**
 * Without a zoneinfo: one node, the CPUs the trace names, and memory
 * enough that every traced pfn lies below the memmap pagesim reserves at
 * the top of the node (a 64th of memory, struct page being 64 bytes).
 */
export function memoryForTrace(maxPfn: number, maxCpu: number, structPageSize: number, at?: { file: string; line: number }): { memoryBytes: number; cpus: number } {
  const needed = Math.ceil(((maxPfn + 1 + 256) * PAGE_SIZE) / (1 - structPageSize / PAGE_SIZE));
  const memoryBytes = Math.max(LIMITS.memoryBytesMin, roundUp(needed, 4 << 20));
  if (memoryBytes > LIMITS.memoryBytesMax) throw new InputError(`the trace names pfn ${maxPfn}, beyond the ${LIMITS.memoryBytesMax / 2 ** 30} GiB pagesim machines hold at most; give --initial with a zoneinfo`, at?.file, at?.line);
  return { memoryBytes, cpus: Math.min(Math.max(maxCpu + 1, 1), LIMITS.cpusMax) };
}

/** Free blocks of one zone at a snapshot: per order and migratetype, and pageblocks per migratetype. */
export interface ZoneCounts {
  readonly node: number;
  readonly zone: string;
  /** free[order * MIGRATE_TYPES + mt]. */
  readonly free: Int32Array;
  /** Pageblocks per migratetype, or null (no pagetypeinfo). */
  readonly blocks: Int32Array | null;
  /** Only buddyinfo was given: every count is filed as Movable. */
  readonly orderOnly: boolean;
}

export function freeIndex(order: number, mt: number): number {
  return order * MIGRATE_TYPES + mt;
}

export function zoneKey(node: number, zone: string): string {
  return `${node}/${zone}`;
}

/** Counts per zone from a snapshot's pagetypeinfo, else its buddyinfo; empty without either. */
export function zoneCounts(s: Snapshot): Map<string, ZoneCounts> {
  const out = new Map<string, ZoneCounts>();
  const file = s.files.join(',');
  if (s.pagetypeinfo !== undefined) {
    fromPageTypeInfo(s.pagetypeinfo, file, out);
  } else if (s.buddyinfo !== undefined) {
    fromBuddyInfo(s.buddyinfo, file, out);
  }
  return out;
}

function fromPageTypeInfo(p: PageTypeInfo, file: string, out: Map<string, ZoneCounts>): void {
  if (p.pageblockOrder !== pageblock_order) throw new InputError(`pagetypeinfo: pageblock order ${p.pageblockOrder}; pagesim's kernel has ${pageblock_order}`, file);
  if (p.orders !== NR_PAGE_ORDERS) throw new InputError(`pagetypeinfo: ${p.orders} orders; pagesim's kernel has ${NR_PAGE_ORDERS}`, file);
  const typeIndex = (name: string): number => {
    const mt = (migratetype_names as readonly string[]).indexOf(name);
    if (mt < 0) throw new InputError(`pagetypeinfo: migratetype ${name} is not in pagesim's kernel config (${migratetype_names.join(', ')})`, file);
    return mt;
  };
  const mtOfColumn = p.migratetypes.map(typeIndex);
  for (const row of p.blocks) {
    const blocks = new Int32Array(MIGRATE_TYPES);
    row.counts.forEach((n, i) => (blocks[mtOfColumn[i]!] = n));
    out.set(zoneKey(row.node, row.zone), { node: row.node, zone: row.zone, free: new Int32Array(NR_PAGE_ORDERS * MIGRATE_TYPES), blocks, orderOnly: false });
  }
  for (const row of p.free) {
    const c = out.get(zoneKey(row.node, row.zone));
    if (c === undefined) throw new InputError(`pagetypeinfo: free counts for zone ${row.zone} of node ${row.node}, which has no block counts`, file);
    const mt = typeIndex(row.type);
    if (row.capped.some((x) => x)) throw new InputError(`pagetypeinfo: zone ${row.zone} ${row.type} has a count the kernel capped at 100000 (">"); the exact count is unknown`, file);
    row.counts.forEach((n, order) => (c.free[freeIndex(order, mt)] = n));
  }
}

function fromBuddyInfo(b: BuddyInfo, file: string, out: Map<string, ZoneCounts>): void {
  for (const z of b.zones) {
    if (z.free.length !== NR_PAGE_ORDERS) throw new InputError(`buddyinfo: ${z.free.length} orders; pagesim's kernel has ${NR_PAGE_ORDERS}`, file);
    const free = new Int32Array(NR_PAGE_ORDERS * MIGRATE_TYPES);
    z.free.forEach((n, order) => (free[freeIndex(order, MIGRATE_MOVABLE)] = n));
    out.set(zoneKey(z.node, z.zone), { node: z.node, zone: z.zone, free, blocks: null, orderOnly: true });
  }
}

/** Free pages the counts describe. */
export function countedPages(c: ZoneCounts): number {
  let n = 0;
  for (let order = 0; order < NR_PAGE_ORDERS; order++) for (let mt = 0; mt < MIGRATE_TYPES; mt++) n += c.free[freeIndex(order, mt)]! << order;
  return n;
}
