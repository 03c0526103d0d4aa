/**
 * The whole-machine checker: one checker per concern, each reading the
 * simulated state only, wired together in `checkMachine`. A violation is
 * reported as a `check` report that says what is wrong and where, with a
 * dump of the page involved. Checkers never change the machine and never
 * follow a pointer they have not validated, so a corrupted machine is
 * reported, not crashed on.
 */

import type { Kernel } from '../kernel/kernel.js';
import { KernelBug } from '../report/report.js';
import { MAX_PAGE_ORDER, MIGRATE_HIGHATOMIC, MIGRATE_ISOLATE, MIGRATE_PCPTYPES, MIGRATE_TYPES, NR_PAGE_ORDERS, NR_PCP_LISTS, migratetype_names, pageblock_order, POISON_HI } from '../kernel/config.js';
import { NR_FREE_PAGES, NR_FREE_PAGES_BLOCKS } from '../kernel/vmstat.js';
import { pindex_to_order } from '../kernel/page_alloc.js';
import { PAGE_TYPE_RESET } from '../kernel/page-flags.js';
import type { Zone } from '../kernel/mmzone.js';
import { checkPageTables, checkRmap, checkSlab } from './mm.js';
import { memmapNotes, noteMemmapReference, STATE_BUDDY_UNLISTED, STATE_FREE_HEAD, STATE_FREE_REFCOUNT, STATE_FREE_TAIL, STATE_FREE_TYPED } from './memmap-pass.js';

export interface Violation {
  readonly checker: string;
  readonly what: string;
  readonly pfn: number | null;
}

/** Where each pfn was found: free (buddy head or inside a buddy block) or on a pcp list. */
export const OWNER_NONE = 0;
export const OWNER_BUDDY_HEAD = 1;
export const OWNER_BUDDY = 2;
export const OWNER_PCP = 3;

/** Each machine's ownership map from its last check, for its next (taken while a check runs). */
const spareOwners = new WeakMap<Kernel, Uint8Array>();

export class CheckContext {
  readonly violations: Violation[] = [];
  private readonly perChecker = new Map<string, number>();
  /** How each pfn is held; filled by the list checkers, read by the others. */
  readonly owner: Uint8Array;
  /** Order of the free block headed at a pfn (valid where owner is OWNER_BUDDY_HEAD). */
  readonly headOrder = new Map<number, number>();
  /** At most this many violations per checker are kept; the rest are counted. */
  static readonly LIMIT = 20;
  dropped = 0;

  constructor(readonly k: Kernel) {
    // The map an earlier check of this machine finished with, zeroed: a 1 GiB machine's is
    // 256 KiB, and a fresh one is new memory the system zero-fills page by page as it is
    // first written (about 1.7 ns a struct page of the check's 12-15).
    const spare = spareOwners.get(k);
    spareOwners.delete(k);
    this.owner = spare !== undefined && spare.length === k.nr_pages ? spare.fill(OWNER_NONE) : new Uint8Array(k.nr_pages);
  }

  /** The check is over: its ownership map is kept for the machine's next check. */
  done(): void {
    spareOwners.set(this.k, this.owner);
  }

  violation(checker: string, what: string, pfn: number | null = null): void {
    const n = (this.perChecker.get(checker) ?? 0) + 1;
    this.perChecker.set(checker, n);
    if (n > CheckContext.LIMIT) {
      this.dropped++;
      return;
    }
    this.violations.push({ checker, what, pfn });
  }
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/**
 * Walks a list from its head word without trusting it: every pointer is
 * validated, a cycle or an overlong list stops the walk. Yields node words.
 */
function* walkList(k: Kernel, head: number, limit: number, ctx: CheckContext, checker: string, where: string): Generator<number> {
  let prev = head;
  let node = k.wordOfAddr(k.m32[head + 1]!, k.m32[head]!);
  let steps = 0;
  while (node !== head) {
    if (node < 0) {
      const hi = k.m32[prev + 1]!;
      const lo = k.m32[prev]!;
      ctx.violation(checker, `${where}: list pointer ${hi.toString(16).padStart(8, '0')}${lo.toString(16).padStart(8, '0')} points outside memory${hi === POISON_HI ? ' (LIST_POISON: an entry was list_del()ed but is still linked)' : ''}`);
      return;
    }
    if (++steps > limit) {
      ctx.violation(checker, `${where}: list does not return to its head after ${limit} entries (a cycle)`);
      return;
    }
    const back = k.wordOfAddr(k.m32[node + 3]!, k.m32[node + 2]!);
    if (back !== prev) ctx.violation(checker, `${where}: entry's prev does not point back at its predecessor`, node < k.kdataWord ? k.pfnOfWord(node) : null);
    yield node;
    prev = node;
    node = k.wordOfAddr(k.m32[node + 1]!, k.m32[node]!);
  }
}

/** Whether a list head points at itself (walkList() would yield nothing and find nothing wrong). */
function emptyList(k: Kernel, head: number): boolean {
  return k.wordOfAddr(k.m32[head + 1]!, k.m32[head]!) === head;
}

function pfnOfNode(k: Kernel, node: number): number {
  return node < k.kdataWord && (node - k.W_lru) % k.PW === 0 ? k.pfnOfWord(node - k.W_lru) : -1;
}

/** free-lists: every entry is an aligned PageBuddy block of the list's order and type, inside its zone; counters match. */
export function checkFreeLists(k: Kernel, ctx: CheckContext): void {
  const C = 'free-lists';
  for (const zone of k.zones) {
    let freePages = 0;
    let blockPages = 0;
    let highatomic = 0;
    for (let order = 0; order < NR_PAGE_ORDERS; order++) {
      let blocks = 0;
      for (let mt = 0; mt < MIGRATE_TYPES; mt++) {
        const head = zone.freeList(order, mt);
        // Most lists are empty: nothing to walk, nothing to name.
        if (emptyList(k, head)) continue;
        const where = `zone ${zone.name} free_area[${order}].free_list[${migratetype_names[mt]}]`;
        for (const node of walkList(k, head, k.nr_pages + 1, ctx, C, where)) {
          blocks++;
          const pfn = pfnOfNode(k, node);
          if (pfn < 0) {
            ctx.violation(C, `${where}: entry is not the lru of a struct page`);
            continue;
          }
          checkFreeBlock(k, ctx, zone, pfn, order, mt, where);
          if (mt !== MIGRATE_ISOLATE) freePages += 1 << order;
          if (mt === MIGRATE_HIGHATOMIC) highatomic += 1 << order;
          if (order >= pageblock_order && mt !== MIGRATE_ISOLATE) blockPages += 1 << order;
        }
      }
      const nr_free = k.free_area_nr_free(zone, order);
      if (nr_free !== blocks) ctx.violation(C, `zone ${zone.name} free_area[${order}].nr_free is ${nr_free} but its lists hold ${blocks} blocks`);
    }
    const counted = zone.vm_stat[NR_FREE_PAGES]!;
    if (counted !== freePages) ctx.violation(C, `zone ${zone.name} NR_FREE_PAGES is ${counted} but the free lists hold ${freePages} pages`);
    const blocksCounted = zone.vm_stat[NR_FREE_PAGES_BLOCKS]!;
    if (blocksCounted !== blockPages) ctx.violation(C, `zone ${zone.name} NR_FREE_PAGES_BLOCKS is ${blocksCounted} but the free lists hold ${blockPages} pages in pageblock-sized blocks`);
    if (zone.nr_free_highatomic !== highatomic) ctx.violation(C, `zone ${zone.name} nr_free_highatomic is ${zone.nr_free_highatomic} but the HighAtomic lists hold ${highatomic} pages`);
  }
}

/** OWNER_NONE for the largest block, to compare a block's pages' owners with. */
const ZEROS = Buffer.alloc(1 << MAX_PAGE_ORDER, OWNER_NONE);

function checkFreeBlock(k: Kernel, ctx: CheckContext, zone: Zone, pfn: number, order: number, mt: number, where: string): void {
  const C = 'free-lists';
  const nr = 1 << order;
  if (pfn & (nr - 1)) ctx.violation(C, `${where}: block at pfn ${hex(pfn)} is not aligned to its order`, pfn);
  if (!zone.zone_spans_pfn(pfn) || !zone.zone_spans_pfn(pfn + nr - 1)) ctx.violation(C, `${where}: block ${hex(pfn)}-${hex(pfn + nr - 1)} is outside the zone`, pfn);
  if (!k.PageBuddy(pfn)) ctx.violation(C, `${where}: pfn ${hex(pfn)} is on a free list but its page_type is ${k.page_type(pfn).toString(16)}, not buddy`, pfn);
  else if (k.page_private(pfn) !== order) ctx.violation(C, `${where}: pfn ${hex(pfn)} has buddy order ${k.page_private(pfn)} in private, expected ${order}`, pfn);
  const pbmt = k.get_pfnblock_migratetype(pfn, pfn);
  if (pbmt !== mt) ctx.violation(C, `${where}: pfn ${hex(pfn)} is in a ${migratetype_names[pbmt]} pageblock`, pfn);
  const owner = ctx.owner;
  const end = Math.min(pfn + nr, k.nr_pages);
  if (end - pfn >= 64 && ZEROS.compare(owner, pfn, end, 0, end - pfn) === 0) {
    // A large block on pages nothing has claimed (as free blocks are): marked natively.
    owner.fill(OWNER_BUDDY, pfn + 1, end);
    owner[pfn] = OWNER_BUDDY_HEAD;
    ctx.headOrder.set(pfn, order);
    return;
  }
  for (let p = pfn; p < end; p++) {
    if (owner[p] !== OWNER_NONE) {
      ctx.violation(C, `${where}: pfn ${hex(p)} is free twice (block ${hex(pfn)} order ${order} overlaps another free block)`, p);
      return;
    }
    owner[p] = p === pfn ? OWNER_BUDDY_HEAD : OWNER_BUDDY;
  }
  ctx.headOrder.set(pfn, order);
}

/** pcp-lists: every entry is an untyped, unreferenced page of the list's order; pcp->count matches. */
export function checkPcpLists(k: Kernel, ctx: CheckContext): void {
  const C = 'pcp-lists';
  for (const zone of k.zones) {
    zone.pcp.forEach((pcp, cpu) => {
      let pages = 0;
      for (let pindex = 0; pindex < NR_PCP_LISTS; pindex++) {
        const order = pindex_to_order(pindex);
        const head = pcp.listsWord + pindex * 4;
        if (emptyList(k, head)) continue;
        const where = `zone ${zone.name} cpu ${cpu} pcp list ${pindex} (order ${order})`;
        for (const node of walkList(k, head, k.nr_pages + 1, ctx, C, where)) {
          const pfn = pfnOfNode(k, node);
          if (pfn < 0) {
            ctx.violation(C, `${where}: entry is not the lru of a struct page`);
            continue;
          }
          pages += 1 << order;
          if (pfn & ((1 << order) - 1)) ctx.violation(C, `${where}: pfn ${hex(pfn)} is not aligned to order ${order}`, pfn);
          if (k.page_zone(pfn) !== zone) ctx.violation(C, `${where}: pfn ${hex(pfn)} belongs to zone ${k.page_zone(pfn).name}`, pfn);
          if (k.page_type(pfn) !== PAGE_TYPE_RESET) ctx.violation(C, `${where}: pfn ${hex(pfn)} has page_type ${k.page_type(pfn).toString(16)} on a pcp list`, pfn);
          if (k.page_ref_count(pfn) !== 0) ctx.violation(C, `${where}: pfn ${hex(pfn)} has refcount ${k.page_ref_count(pfn)} on a pcp list`, pfn);
          for (let p = pfn; p < pfn + (1 << order) && p < k.nr_pages; p++) {
            if (ctx.owner[p] !== OWNER_NONE) {
              ctx.violation(C, `${where}: pfn ${hex(p)} is on a pcp list and also ${ctx.owner[p] === OWNER_PCP ? 'on another pcp list' : 'on a buddy free list'}`, p);
              break;
            }
            ctx.owner[p] = OWNER_PCP;
          }
        }
      }
      if (pages !== pcp.count) ctx.violation(C, `zone ${zone.name} cpu ${cpu}: pcp->count is ${pcp.count} but its lists hold ${pages} pages`);
    });
  }
}

/** buddy-merge: two free buddies of the same order that could merge never both sit on the lists. */
export function checkBuddyMerge(k: Kernel, ctx: CheckContext): void {
  const C = 'buddy-merge';
  for (const [pfn, order] of ctx.headOrder) {
    if (order >= MAX_PAGE_ORDER) continue;
    const buddy = pfn ^ (1 << order);
    if (buddy < pfn || ctx.headOrder.get(buddy) !== order) continue;
    if (k.page_zone_id(pfn) !== k.page_zone_id(buddy)) continue;
    const a = k.get_pfnblock_migratetype(pfn, pfn);
    const b = k.get_pfnblock_migratetype(buddy, buddy);
    if (order >= pageblock_order && a !== b && (a >= MIGRATE_PCPTYPES || b >= MIGRATE_PCPTYPES)) continue;
    ctx.violation(C, `free buddies ${hex(pfn)} and ${hex(buddy)} of order ${order} are both on the free lists, unmerged`, pfn);
  }
}

/** page-state: free pages carry no type but the head's Buddy and no references; no page outside the lists claims to be Buddy. */
export function checkPageState(k: Kernel, ctx: CheckContext): void {
  const C = 'page-state';
  const found = memmapNotes(k, ctx).state;
  for (let i = 0; i < found.length; i += 2) {
    const pfn = found[i]!;
    switch (found[i + 1]) {
      case STATE_BUDDY_UNLISTED:
        ctx.violation(C, `pfn ${hex(pfn)} is PageBuddy but on no free list`, pfn);
        break;
      case STATE_FREE_TYPED:
        ctx.violation(C, `pfn ${hex(pfn)} inside a free block has page_type ${k.page_type(pfn).toString(16)}`, pfn);
        break;
      case STATE_FREE_TAIL:
        ctx.violation(C, `pfn ${hex(pfn)} inside a free block is still a compound tail`, pfn);
        break;
      case STATE_FREE_REFCOUNT:
        ctx.violation(C, `free pfn ${hex(pfn)} has refcount ${k.page_ref_count(pfn)}`, pfn);
        break;
      case STATE_FREE_HEAD:
        ctx.violation(C, `free block ${hex(pfn)} still has PG_head`, pfn);
        break;
    }
  }
}

/** compound: every allocated compound page's tails point at its head, with the folio metadata the order implies. */
export function checkCompound(k: Kernel, ctx: CheckContext): void {
  const C = 'compound';
  for (const pfn of memmapNotes(k, ctx).heads) {
    const order = k.flagsLo(pfn + 1) & 0xff;
    const nr = 1 << order;
    if (order === 0 || pfn + nr > k.nr_pages) {
      ctx.violation(C, `head ${hex(pfn)} has order ${order} in page[1].flags`, pfn);
      continue;
    }
    if (pfn & (nr - 1)) ctx.violation(C, `compound page ${hex(pfn)} of order ${order} is not naturally aligned`, pfn);
    const nrPages = k.m32[pfn * k.PW + k.W_nr_pages]!;
    if (nrPages !== nr) ctx.violation(C, `head ${hex(pfn)} of order ${order} has _nr_pages ${nrPages}`, pfn);
    for (let i = 1; i < nr; i++) {
      const t = pfn + i;
      if (!k.PageTail(t)) {
        ctx.violation(C, `pfn ${hex(t)} inside compound page ${hex(pfn)} (order ${order}) is not a tail`, t);
        break;
      }
      const w = t * k.PW + k.W_compound_head;
      if (k.m32[w] !== pfn * k.structPageSize + 1) {
        ctx.violation(C, `tail ${hex(t)} of compound page ${hex(pfn)} points at another head`, t);
        break;
      }
      // Tails 1-3 hold folio fields over ->mapping (the third holds hugetlb ones); the rest keep TAIL_MAPPING.
      if (i >= 4) {
        const mw = t * k.PW + k.W_mapping;
        if (k.m32[mw] !== 0x400 || k.m32[mw + 1] !== 0xdead0000) {
          ctx.violation(C, `tail ${hex(t)} of compound page ${hex(pfn)} lost TAIL_MAPPING in ->mapping`, t);
          break;
        }
      }
    }
  }
}

/** Every checker, in the order they run (the list checkers fill the ownership map the others read). */
export const CHECKERS: readonly { readonly name: string; readonly run: (k: Kernel, ctx: CheckContext) => void }[] = [
  { name: 'free-lists', run: checkFreeLists },
  { name: 'pcp-lists', run: checkPcpLists },
  { name: 'buddy-merge', run: checkBuddyMerge },
  { name: 'page-state', run: checkPageState },
  { name: 'compound', run: checkCompound },
  { name: 'page-tables', run: checkPageTables },
  { name: 'rmap', run: checkRmap },
  { name: 'slab', run: checkSlab },
];

/** Runs every checker; returns the violations (at most CheckContext.LIMIT per checker). */
export function checkMachine(k: Kernel): { violations: Violation[]; dropped: number } {
  const ctx = new CheckContext(k);
  for (const c of CHECKERS) {
    // A checker reads the machine through kernel helpers, whose own VM_BUG_ONs (or a wild
    // pointer) may fire on a machine corrupt enough: that is a violation of the checker's
    // concern, not an oops of the run, so the BUG's report and console lines are taken back.
    const reports = k.reports.length;
    const consoleLines = k.console.length;
    try {
      c.run(k, ctx);
    } catch (e) {
      if (!(e instanceof KernelBug)) throw e;
      k.reports.length = reports;
      k.console.length = consoleLines;
      ctx.violation(c.name, `reading the machine hit ${e.report.message} (${e.report.function}: ${e.report.reason})`, e.report.pfn ?? null);
    }
  }
  ctx.done();
  return { violations: ctx.violations, dropped: ctx.dropped };
}

/**
 * Notes a machine that is at a checkpoint (`words`: the checkpoint's copy
 * of its memory) and will be put back to it before each run, so that
 * checks of it read again only the struct pages a run changed
 * (memmap-pass.ts). The reports are those of a check that reads them all.
 */
export function noteCheckpoint(k: Kernel, words: Int32Array): void {
  const ctx = new CheckContext(k);
  const reports = k.reports.length;
  const consoleLines = k.console.length;
  try {
    checkFreeLists(k, ctx);
    checkPcpLists(k, ctx);
  } catch (e) {
    if (!(e instanceof KernelBug)) throw e;
    // A machine the list checkers cannot read is checked whole each time.
    k.reports.length = reports;
    k.console.length = consoleLines;
    return;
  }
  noteMemmapReference(k, words, ctx.owner);
  ctx.done();
}

/** Records violations as `check` reports, each with a dump of its page. */
export function reportViolations(k: Kernel, result: { violations: Violation[]; dropped: number }): void {
  for (const v of result.violations) {
    const head = `pagesim: check failed: ${v.checker}: ${v.what}`;
    const lines = [head, ...(v.pfn !== null && v.pfn >= 0 && v.pfn < k.nr_pages ? k.dump_page_lines(v.pfn, `pagesim check: ${v.checker}`) : [])];
    k.printk(lines);
    k.report('check', v.checker, v.what, head, v.pfn, lines);
  }
  if (result.dropped > 0) {
    const line = `pagesim: check: ${result.dropped} more violations not shown`;
    k.printk([line]);
  }
}
