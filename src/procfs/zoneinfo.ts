/**
 * /proc/zoneinfo, printed by zoneinfo_show_print() in mm/vmstat.c.
 *
 * Every zone of every node is printed, populated or not, because
 * lowmem_reserve_ratio acts on all zones. The builder follows the linux-mm 7.3.0-rc5 tree
 * line by line:
 *
 *   Node %d, zone %8s
 *     per-node stats + "      %-12s %lu" per node counter   (first populated zone of the node only)
 *     "  pages free     %lu", then "        boost    %lu" ... "        cma      %lu"
 *     "        protection: (%ld, %ld, ...)"                   (one entry per zone of the node)
 *   populated zones only:
 *     "      %-12s %lu" per zone counter, then per NUMA event
 *     "  pagesets", per online CPU "    cpu: %i" and "              count:    %i" ...
 *       high_min/high_max, then "  vm stats threshold: %d"
 *     "  node_unreclaimable:  %u", "  start_pfn:           %lu",
 *     "  reserved_highatomic: %lu", "  free_highatomic:     %lu"
 *
 * The last two lines are new in the linux-mm 7.3.0-rc5 tree (6.18 ends at start_pfn); the
 * counter names are those of counters.ts.
 *
 * Older kernels differ in nearly every line (4-space counters inside the zone
 * block before 4.8, "scanned", "all_unreclaimable", "inactive_ratio", the
 * 2.6 "cpu: 0 pcp: 1" pagesets ...), so the model and parser are generic:
 * ordered lines of indent, key, gap and value, which round-trip all of them.
 */
import type { ZoneInfo, ZoneInfoLine, ZoneInfoZone } from './types.js';
import { NODE_STAT_ITEMS, NUMA_EVENT_ITEMS, ZONE_STAT_ITEMS, counterValues } from './counters.js';
import { checkedCount, fail, joinLines, parseCount, requireLayout, rjust, splitLines, type SourceLine } from './text.js';

export function formatZoneInfo(info: ZoneInfo): string {
  return joinLines(info.zones.flatMap((z) => [formatHeader(z), ...z.lines.map(formatLine)]));
}

function formatHeader(z: ZoneInfoZone): string {
  return `Node ${z.node}, zone ${rjust(z.zone, 8)}`;
}

function formatLine(l: ZoneInfoLine): string {
  return ' '.repeat(l.indent) + l.key + ' '.repeat(l.gap) + l.value;
}

const HEADER = /^Node (\d+), zone +(\S+)$/;
/** Indent, then the shortest key after which blanks and a value follow. */
const LINE = /^( +)(.*?)(?:( +)(-?\d.*|\(.*))?$/;
const KEY = /^[A-Za-z][\w()-]*(?: [\w()-]+)*:?$/;
/** A number, a protection tuple, or the 2.6 forms "0 (a: 0 i: 0)" and "0 pcp: 1". */
const VALUE = /^(?:-?\d+|\d+ \(a: \d+ i: \d+\)|\d+ pcp: \d+|\((?:-?\d+, )*-?\d+\))$/;
/** The only lines that carry no value. */
const SECTION_TITLES = new Set(['per-node stats', 'pagesets']);

export function parseZoneInfo(text: string, file = '/proc/zoneinfo'): ZoneInfo {
  const zones: ZoneInfoZone[] = [];
  for (const at of splitLines(text, file)) {
    if (HEADER.test(at.text)) {
      zones.push(parseHeader(at, file));
      continue;
    }
    const zone = zones.at(-1);
    if (zone === undefined) fail('expected a "Node N, zone NAME" header', file, at);
    zone.lines.push(parseLine(at, file));
  }
  return { zones };
}

function parseHeader(at: SourceLine, file: string): ZoneInfoZone {
  const m = HEADER.exec(at.text);
  if (m === null) fail('expected a "Node N, zone NAME" header', file, at);
  const zone: ZoneInfoZone = { node: parseCount(m[1], 'node', file, at), zone: m[2], lines: [] };
  requireLayout(formatHeader(zone), at, '"Node %d, zone %8s"', file);
  return zone;
}

/**
 * RHEL 8's 4.18.0-80 prints one per-node counter with an empty name: blanks,
 * then the number. Such a line keeps all its blanks as indent and an empty key.
 */
const NAMELESS_COUNTER = /^( +)(\d+)$/;

function parseLine(at: SourceLine, file: string): ZoneInfoLine {
  const nameless = NAMELESS_COUNTER.exec(at.text);
  if (nameless !== null) return { indent: nameless[1].length, key: '', gap: 0, value: nameless[2] };
  const m = LINE.exec(at.text);
  if (m === null) fail('expected an indented "key value" line or a "Node N, zone NAME" header', file, at);
  const key = m[2];
  const gap: string | undefined = m[3];
  const value: string | undefined = m[4];
  if (value === undefined || gap === undefined) {
    if (!SECTION_TITLES.has(key)) fail(`"${key.trim()}" has no value`, file, at);
    return { indent: m[1].length, key, gap: 0, value: '' };
  }
  if (!KEY.test(key)) fail(`"${key}" is not a zoneinfo field name`, file, at);
  if (!VALUE.test(value)) fail(`"${value}" is not a zoneinfo value`, file, at);
  return { indent: m[1].length, key, gap: gap.length, value };
}

/**
 * The first plain-number value of `key` in a zone, or undefined. Keys are as
 * printed, colon included where the kernel prints one: "pages free",
 * "managed", "nr_free_pages", "start_pfn:".
 */
export function zoneInfoNumber(zone: ZoneInfoZone, key: string): number | undefined {
  const line = zone.lines.find((l) => l.key === key && /^\d+$/.test(l.value));
  return line === undefined ? undefined : Number(line.value);
}

/** One CPU's struct per_cpu_pages, plus its vmstat threshold. */
export interface ZoneInfoPagesetInput {
  count: number;
  high: number;
  batch: number;
  highMin: number;
  highMax: number;
  statThreshold: number;
}

/** One zone as the simulator knows it; watermarks and sizes in pages. */
export interface ZoneInfoZoneInput {
  name: string;
  free: number;
  boost?: number;
  min: number;
  low: number;
  high: number;
  promo: number;
  spanned: number;
  present: number;
  managed: number;
  cma?: number;
  /** lowmem_reserve[]: one entry per zone of the node. */
  protection: readonly number[];
  startPfn: number;
  /** One per online CPU, CPU n at index n. Printed only for populated zones. */
  pagesets: readonly ZoneInfoPagesetInput[];
  /** Zone and NUMA counters by vmstat name, except nr_free_pages, which is `free`. */
  counters?: Readonly<Record<string, number>>;
  reservedHighatomic?: number;
  freeHighatomic?: number;
}

export interface ZoneInfoNodeInput {
  node: number;
  /** Every zone of the node in zone order, populated (present > 0) or not. */
  zones: readonly ZoneInfoZoneInput[];
  /** Node counters by vmstat name: the "per-node stats". */
  counters?: Readonly<Record<string, number>>;
  /** kswapd gave up on the node (node_unreclaimable). */
  unreclaimable?: boolean;
}

/**
 * Build /proc/zoneinfo for the given nodes.
 *
 * Modelled (passed in): per zone its free pages (also printed as
 * nr_free_pages), watermarks min/low/high/promo, spanned/present/managed,
 * protection, start_pfn and the per-CPU pagesets with their thresholds;
 * optionally boost, cma, reserved_highatomic, free_highatomic, the node's
 * unreclaimable flag, and any zone, NUMA or node counter of counters.ts.
 * Fixed: every optional value and counter not passed is 0.
 */
export function buildZoneInfo(nodes: readonly ZoneInfoNodeInput[]): ZoneInfo {
  return { zones: nodes.flatMap(buildNodeZones) };
}

function buildNodeZones(node: ZoneInfoNodeInput): ZoneInfoZone[] {
  const firstPopulated = node.zones.findIndex(isPopulated);
  return node.zones.map((zone, i) => {
    if (zone.protection.length !== node.zones.length) {
      throw new RangeError(`zoneinfo ${zone.name}: protection needs one entry per zone of the node`);
    }
    const lines = [
      ...(i === firstPopulated ? perNodeLines(node) : []),
      ...sizeLines(zone),
      ...(isPopulated(zone) ? populatedLines(node, zone) : []),
    ];
    return { node: node.node, zone: zone.name, lines };
  });
}

/** populated_zone(): the kernel tests present pages. */
function isPopulated(zone: ZoneInfoZoneInput): boolean {
  return zone.present > 0;
}

function perNodeLines(node: ZoneInfoNodeInput): ZoneInfoLine[] {
  const values = counterValues(NODE_STAT_ITEMS, node.counters ?? {}, `node ${node.node}`);
  return [title('per-node stats'), ...NODE_STAT_ITEMS.map((name, i) => counterLine(name, values[i]))];
}

function sizeLines(zone: ZoneInfoZoneInput): ZoneInfoLine[] {
  const sizes: [string, number][] = [
    ['boost', zone.boost ?? 0], ['min', zone.min], ['low', zone.low], ['high', zone.high],
    ['promo', zone.promo], ['spanned', zone.spanned], ['present', zone.present],
    ['managed', zone.managed], ['cma', zone.cma ?? 0],
  ];
  const protection = zone.protection.map((n) => {
    if (!Number.isSafeInteger(n)) throw new RangeError(`zoneinfo ${zone.name}: protection ${n} is not an integer`);
    return n;
  });
  return [
    field(2, 'pages free', 15, zone.free),
    ...sizes.map(([key, value]) => field(8, key, 9, value)),
    { indent: 8, key: 'protection:', gap: 1, value: `(${protection.join(', ')})` },
  ];
}

function populatedLines(node: ZoneInfoNodeInput, zone: ZoneInfoZoneInput): ZoneInfoLine[] {
  const given = zone.counters ?? {};
  if ('nr_free_pages' in given) throw new RangeError(`zoneinfo ${zone.name}: nr_free_pages comes from free`);
  const names = [...ZONE_STAT_ITEMS, ...NUMA_EVENT_ITEMS];
  const values = counterValues(names, { ...given, nr_free_pages: zone.free }, `zone ${zone.name}`);
  return [
    ...names.map((name, i) => counterLine(name, values[i])),
    title('pagesets'),
    ...zone.pagesets.flatMap(pagesetLines),
    field(2, 'node_unreclaimable:', 21, node.unreclaimable === true ? 1 : 0),
    field(2, 'start_pfn:', 21, zone.startPfn),
    field(2, 'reserved_highatomic:', 21, zone.reservedHighatomic ?? 0),
    field(2, 'free_highatomic:', 21, zone.freeHighatomic ?? 0),
  ];
}

function pagesetLines(pcp: ZoneInfoPagesetInput, cpu: number): ZoneInfoLine[] {
  return [
    field(4, 'cpu:', 5, cpu),
    field(14, 'count:', 10, pcp.count),
    field(14, 'high:', 10, pcp.high),
    field(14, 'batch:', 10, pcp.batch),
    field(14, 'high_min:', 10, pcp.highMin),
    field(14, 'high_max:', 10, pcp.highMax),
    field(2, 'vm stats threshold:', 20, pcp.statThreshold),
  ];
}

function title(key: string): ZoneInfoLine {
  return { indent: 2, key, gap: 0, value: '' };
}

/** "      %-12s %lu". */
function counterLine(name: string, value: number): ZoneInfoLine {
  return field(6, name, 13, value);
}

/** A key padded to `width` columns (at least one blank), then the value. */
function field(indent: number, key: string, width: number, value: number): ZoneInfoLine {
  return { indent, key, gap: Math.max(width - key.length, 1), value: String(checkedCount(value, key)) };
}
