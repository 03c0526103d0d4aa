/**
 * /proc/pagetypeinfo, printed by pagetypeinfo_show() in mm/vmstat.c, with the
 * mixed-block rows from pagetypeinfo_showmixedcount_print() in
 * mm/page_owner.c.
 *
 * The printer follows the linux-mm 7.3.0-rc5 tree. For each node with memory:
 *
 *   Page block order: %d
 *   Pages per block:  %lu
 *   <blank>
 *   "%-43s " of "Free pages count per migrate type at order", then "%6d " per order
 *   per populated zone and migratetype: "Node %4d, zone %8s, type %12s ",
 *     then "%s%6lu " per order, the %s being ">" where the kernel stopped
 *     walking a free list at 100000 entries
 *   <blank>
 *   "%-23s" of "Number of blocks type ", then "%12s " per migratetype
 *   per populated zone: "Node %d, zone %8s ", then "%12lu " per migratetype
 *   only with page_owner enabled: <blank>, the same header titled
 *     "Number of mixed blocks " and rows like the block rows.
 *
 * Kernels back to 2.6.24 print the same layout with their own migratetypes
 * (3.x: Unmovable Reclaimable Movable Reserve [CMA] Isolate) and no ">", so
 * the parser reads them all.
 */
import type { PageTypeBlockRow, PageTypeFreeRow, PageTypeInfo } from './types.js';
import {
  LineCursor, checkedCount, fail, joinLines, ljust, parseCount, requireLayout, rjust, splitLines,
  type SourceLine,
} from './text.js';

const FREE_TITLE = 'Free pages count per migrate type at order';
const BLOCKS_TITLE = 'Number of blocks type ';
const MIXED_TITLE = 'Number of mixed blocks ';
/** The kernel stops walking a free list here, under the zone lock, and prints ">". */
const FREE_COUNT_CAP = 100000;

export function formatPageTypeInfo(info: PageTypeInfo): string {
  return joinLines(nodesOf(info).flatMap((node) => formatNodeSection(info, node)));
}

/** Nodes in the order their rows appear: the kernel's node order. */
function nodesOf(info: PageTypeInfo): number[] {
  return [...new Set([...info.free, ...info.blocks].map((row) => row.node))];
}

function formatNodeSection(info: PageTypeInfo, node: number): string[] {
  const onNode = <T extends { node: number }>(rows: readonly T[]): T[] => rows.filter((r) => r.node === node);
  const lines = [
    `Page block order: ${info.pageblockOrder}`,
    `Pages per block:  ${info.pagesPerBlock}`,
    '',
    formatFreeHeader(info.orders),
    ...onNode(info.free).map(formatFreeRow),
    '',
    formatTypeHeader(BLOCKS_TITLE, info.migratetypes),
    ...onNode(info.blocks).map(formatBlockRow),
  ];
  if (info.mixedBlocks !== undefined) {
    lines.push('', formatTypeHeader(MIXED_TITLE, info.migratetypes), ...onNode(info.mixedBlocks).map(formatBlockRow));
  }
  return lines;
}

function formatFreeHeader(orders: number): string {
  const columns = Array.from({ length: orders }, (_, order) => `${rjust(order, 6)} `);
  return `${ljust(FREE_TITLE, 43)} ${columns.join('')}`;
}

function formatFreeRow(row: PageTypeFreeRow): string {
  const counts = row.counts.map((n, order) => `${row.capped[order] === true ? '>' : ''}${rjust(n, 6)} `);
  return `Node ${rjust(row.node, 4)}, zone ${rjust(row.zone, 8)}, type ${rjust(row.type, 12)} ${counts.join('')}`;
}

function formatTypeHeader(title: string, migratetypes: readonly string[]): string {
  return ljust(title, 23) + migratetypes.map((t) => `${rjust(t, 12)} `).join('');
}

function formatBlockRow(row: PageTypeBlockRow): string {
  return `Node ${row.node}, zone ${rjust(row.zone, 8)} ` + row.counts.map((n) => `${rjust(n, 12)} `).join('');
}

export function parsePageTypeInfo(text: string, file = '/proc/pagetypeinfo'): PageTypeInfo {
  const cur = new LineCursor(splitLines(text, file), file);
  const { info } = parseNodeSection(cur);
  while (!cur.done()) {
    const next = parseNodeSection(cur);
    appendSection(info, next.info, next.start, file);
  }
  return info;
}

/** One node's section; `start` is its first line, for errors about the whole section. */
function parseNodeSection(cur: LineCursor): { info: PageTypeInfo; start: SourceLine } {
  const file = cur.file;
  const { pageblockOrder, pagesPerBlock, start } = parsePageblockSize(cur);
  const freeHeader = cur.next(`the "${FREE_TITLE}" header`);
  const orders = parseFreeHeader(freeHeader, file);
  const free = parseNodeRows(cur, (at) => parseFreeRow(at, orders, file));
  const node = free[0]?.node;
  if (node === undefined) fail('expected free page rows after this header', file, freeHeader);
  expectBlank(cur, 'a blank line after the free page counts');
  const migratetypes = parseTypeHeader(cur.next(`the "${BLOCKS_TITLE}" header`), BLOCKS_TITLE, file);
  const blocks = parseNodeRows(cur, (at) => parseBlockRow(at, migratetypes.length, file), node);
  const info: PageTypeInfo = { pageblockOrder, pagesPerBlock, orders, migratetypes, free, blocks };
  if (cur.peek()?.text === '' && cur.peek(1)?.text.startsWith(MIXED_TITLE) === true) {
    cur.next('a blank line');
    parseTypeHeader(cur.next(`the "${MIXED_TITLE}" header`), MIXED_TITLE, file);
    info.mixedBlocks = parseNodeRows(cur, (at) => parseBlockRow(at, migratetypes.length, file), node);
  }
  return { info, start };
}

/** The "Page block order" and "Pages per block" lines and the blank after them. */
function parsePageblockSize(cur: LineCursor): { pageblockOrder: number; pagesPerBlock: number; start: SourceLine } {
  const file = cur.file;
  const start = cur.next('"Page block order: N"');
  const pageblockOrder = parseTitledNumber(start, /^Page block order: (\d+)$/, 'Page block order: N', file);
  const perBlock = cur.next('"Pages per block:  N"');
  const pagesPerBlock = parseTitledNumber(perBlock, /^Pages per block: +(\d+)$/, 'Pages per block:  N', file);
  requireLayout(`Pages per block:  ${pagesPerBlock}`, perBlock, '"Pages per block:  %lu"', file);
  expectBlank(cur, 'a blank line after the pageblock size');
  return { pageblockOrder, pagesPerBlock, start };
}

function parseTitledNumber(at: SourceLine, pattern: RegExp, expected: string, file: string): number {
  const m = pattern.exec(at.text);
  if (m === null) fail(`expected "${expected}"`, file, at);
  return parseCount(m[1], expected, file, at);
}

function expectBlank(cur: LineCursor, what: string): void {
  const at = cur.next(what);
  if (at.text !== '') fail(`expected ${what}`, cur.file, at);
}

/**
 * The rows that follow a header (every line starting "Node "), all of one
 * node: `node`, or the first row's. The model keeps rows apart from their
 * sections and the printer regroups them by node, which only gives the input
 * back if each section holds exactly one node's rows.
 */
function parseNodeRows<T extends { node: number }>(cur: LineCursor, parseRow: (at: SourceLine) => T, node?: number): T[] {
  const rows: T[] = [];
  while (cur.peek()?.text.startsWith('Node ') === true) {
    const at = cur.next('a row');
    const row = parseRow(at);
    const sectionNode = node ?? rows[0]?.node ?? row.node;
    if (row.node !== sectionNode) fail(`a node ${row.node} row in the section of node ${sectionNode}`, cur.file, at);
    rows.push(row);
  }
  return rows;
}

function parseFreeHeader(at: SourceLine, file: string): number {
  const m = /^Free pages count per migrate type at order +(\d.*)$/.exec(at.text);
  if (m === null) fail(`expected the "${FREE_TITLE}" header`, file, at);
  const columns = m[1].trim().split(/ +/);
  if (columns.some((c, order) => c !== String(order))) fail('order columns must read 0, 1, 2, ...', file, at);
  requireLayout(formatFreeHeader(columns.length), at, '"%-43s " then "%6d " per order', file);
  return columns.length;
}

const FREE_ROW = /^Node +(\d+), zone +(\S+), type +(\S+) (.*)$/;

function parseFreeRow(at: SourceLine, orders: number, file: string): PageTypeFreeRow {
  const m = FREE_ROW.exec(at.text);
  if (m === null) fail('expected "Node N, zone NAME, type TYPE" followed by free counts', file, at);
  const tokens = splitColumns(m[4], orders, file, at);
  const row: PageTypeFreeRow = {
    node: parseCount(m[1], 'node', file, at),
    zone: m[2],
    type: m[3],
    counts: tokens.map((t, order) => parseCount(t.replace(/^>/, ''), `order ${order}`, file, at)),
    capped: tokens.map((t) => t.startsWith('>')),
  };
  requireLayout(formatFreeRow(row), at, '"Node %4d, zone %8s, type %12s " then "%s%6lu " per order', file);
  return row;
}

function parseTypeHeader(at: SourceLine, title: string, file: string): string[] {
  if (!at.text.startsWith(title)) fail(`expected the "${title.trim()}" header`, file, at);
  const names = at.text.slice(title.length).trim().split(/ +/);
  if (names[0] === '') fail('no migratetype names in the header', file, at);
  requireLayout(formatTypeHeader(title, names), at, '"%-23s" then "%12s " per migratetype', file);
  return names;
}

const BLOCK_ROW = /^Node (\d+), zone +(\S+) (.*)$/;

function parseBlockRow(at: SourceLine, types: number, file: string): PageTypeBlockRow {
  const m = BLOCK_ROW.exec(at.text);
  if (m === null) fail('expected "Node N, zone NAME" followed by pageblock counts', file, at);
  const row: PageTypeBlockRow = {
    node: parseCount(m[1], 'node', file, at),
    zone: m[2],
    counts: splitColumns(m[3], types, file, at).map((t, i) => parseCount(t, `migratetype ${i}`, file, at)),
  };
  requireLayout(formatBlockRow(row), at, '"Node %d, zone %8s " then "%12lu " per migratetype', file);
  return row;
}

function splitColumns(text: string, expected: number, file: string, at: SourceLine): string[] {
  const tokens = text.trim() === '' ? [] : text.trim().split(/ +/);
  if (tokens.length !== expected) fail(`expected ${expected} counts, found ${tokens.length}`, file, at);
  return tokens;
}

/**
 * Add a later node's section to the model. The model keeps one header for
 * all nodes, which holds because pageblock size, orders, migratetypes and
 * page_owner are properties of the kernel build, the same on every node.
 */
function appendSection(info: PageTypeInfo, next: PageTypeInfo, start: SourceLine, file: string): void {
  const same =
    next.pageblockOrder === info.pageblockOrder &&
    next.pagesPerBlock === info.pagesPerBlock &&
    next.orders === info.orders &&
    next.migratetypes.join(' ') === info.migratetypes.join(' ') &&
    (next.mixedBlocks === undefined) === (info.mixedBlocks === undefined);
  if (!same) fail('this node section has a different header from the first node section', file, start);
  const node = next.free[0]?.node;
  if (info.free.some((row) => row.node === node)) fail(`a second section for node ${node}`, file, start);
  info.free.push(...next.free);
  info.blocks.push(...next.blocks);
  info.mixedBlocks?.push(...(next.mixedBlocks ?? []));
}

/** What the simulator knows about one populated zone. */
export interface PageTypeInfoZoneInput {
  node: number;
  name: string;
  /** freeByOrderAndType[order][type] = blocks on free_area[order].free_list[type]. */
  freeByOrderAndType: readonly (readonly number[])[];
  /** blocksByType[type] = pageblocks whose migratetype is `type`. */
  blocksByType: readonly number[];
}

export interface PageTypeInfoInput {
  pageblockOrder: number;
  /** migratetype_names[], in enum order. */
  migratetypeNames: readonly string[];
  /** Populated zones only, in node then zone order. */
  zones: readonly PageTypeInfoZoneInput[];
}

/**
 * Build /proc/pagetypeinfo. Every field is modelled (passed in); the only
 * derived ones are pages per block (1 << pageblock order) and the ">" marks,
 * set where a count reaches the kernel's walk cap of 100000, which is then
 * printed as 100000 as the kernel does. No mixed-block rows: they need
 * page_owner, which the reference config does not enable.
 */
export function buildPageTypeInfo(input: PageTypeInfoInput): PageTypeInfo {
  const orders = input.zones[0]?.freeByOrderAndType.length ?? 0;
  const types = input.migratetypeNames.length;
  const free: PageTypeFreeRow[] = [];
  const blocks: PageTypeBlockRow[] = [];
  for (const z of input.zones) {
    checkZoneShape(z, orders, types);
    input.migratetypeNames.forEach((type, t) => free.push(buildFreeRow(z, type, t)));
    blocks.push({ node: z.node, zone: z.name, counts: z.blocksByType.map((n) => checkedCount(n, `${z.name} blocks`)) });
  }
  return {
    pageblockOrder: input.pageblockOrder,
    pagesPerBlock: 2 ** input.pageblockOrder,
    orders,
    migratetypes: [...input.migratetypeNames],
    free,
    blocks,
  };
}

function checkZoneShape(z: PageTypeInfoZoneInput, orders: number, types: number): void {
  const ok =
    z.freeByOrderAndType.length === orders &&
    z.freeByOrderAndType.every((perType) => perType.length === types) &&
    z.blocksByType.length === types;
  if (!ok) throw new RangeError(`pagetypeinfo ${z.name}: expected ${orders} orders x ${types} migratetypes`);
}

function buildFreeRow(z: PageTypeInfoZoneInput, type: string, t: number): PageTypeFreeRow {
  const counts = z.freeByOrderAndType.map((perType, order) => checkedCount(perType[t], `${z.name} ${type} order ${order}`));
  return {
    node: z.node,
    zone: z.name,
    type,
    counts: counts.map((n) => Math.min(n, FREE_COUNT_CAP)),
    capped: counts.map((n) => n >= FREE_COUNT_CAP),
  };
}
