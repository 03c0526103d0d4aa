/**
 * Checkers for the memory the page allocator hands to the rest of the
 * kernel: page tables, user mappings and slab caches. Like the allocator
 * checkers they only read, validate every pointer before following it and
 * stop at a bound, so a corrupted machine is described rather than crashed
 * on.
 *
 *   page-tables  NR_PAGETABLE equals the pages typed PageTable; each mm's
 *                page-table bytes equal the tables reachable from its PGD
 *                plus the tables deposited under its huge PMDs; every
 *                reachable table page is typed PageTable.
 *   rmap         every present user mapping maps a live page; each page's
 *                mapcount, each folio's entire mapcount and each mm's
 *                MM_ANONPAGES agree with the mappings found in the tables;
 *                NR_ANON_MAPPED and NR_ANON_THPS agree with them too.
 *   slab         each cache's partial slabs are slabs of that cache whose
 *                freelists stay inside the slab, hold no cycle and are as
 *                long as objects - inuse.
 */

import type { Kernel } from '../kernel/kernel.js';
import type { CheckContext } from './checker.js';
import { KernelBug } from '../report/report.js';
import { memmapNotes } from './memmap-pass.js';
import { KERNEL_PGD_BOUNDARY, PTRS_PER_TABLE, _PAGE_SPECIAL } from '../kernel/pgtable.js';
import { MM_COUNTER_NAMES, MM_SWAPENTS, type MmStruct } from '../kernel/mm_types.js';
import { NR_ANON_MAPPED, NR_ANON_THPS, NR_FILE_MAPPED, NR_PAGETABLE } from '../kernel/vmstat.js';
import { PGTY_slab, PGTY_table } from '../kernel/page-flags.js';
import { HPAGE_PMD_NR, PAGE_SIZE } from '../kernel/config.js';

const hex = (n: number): string => `0x${n.toString(16)}`;

/** The tables and mappings of one mm, found by walking its PGD's user half. */
interface MmWalk {
  tables: number;
  deposits: number;
  /** Pages mapped, counted in the rss counter each folio's mappings count in (mm_counter()). */
  rss: number[];
}

export function checkPageTables(k: Kernel, ctx: CheckContext): void {
  const typed = memmapNotes(k, ctx).tablePages;
  const accounted = k.vm_node_stat(NR_PAGETABLE);
  if (accounted !== typed) ctx.violation('page-tables', `NR_PAGETABLE is ${accounted} pages but ${typed} pages are typed PageTable`);
  for (const [mm, w] of walkAll(k, ctx).byMm) {
    if (w === null) continue;
    const expected = (w.tables + w.deposits) * PAGE_SIZE;
    if (mm.pgtables_bytes !== expected) {
      ctx.violation('page-tables', `mm ${mm.id}: pgtables_bytes is ${mm.pgtables_bytes} but its PGD reaches ${w.tables} tables and ${w.deposits} deposited ones (${expected} bytes)`);
    }
  }
}

/** Mappings seen per pfn (pte) and per folio (pmd), for the rmap checker. */
interface MapCounts {
  readonly pte: Map<number, number>;
  readonly pmd: Map<number, number>;
}

interface Walks {
  readonly byMm: ReadonlyMap<MmStruct, MmWalk | null>;
  readonly maps: MapCounts;
}

const walksOfCheck = new WeakMap<CheckContext, Walks>();

/** Every mm's page tables, walked once per check for both the page-table and the rmap checker (so each problem is reported once). */
function walkAll(k: Kernel, ctx: CheckContext): Walks {
  const done = walksOfCheck.get(ctx);
  if (done !== undefined) return done;
  const maps: MapCounts = { pte: new Map(), pmd: new Map() };
  const byMm = new Map<MmStruct, MmWalk | null>();
  for (const mm of k.mms.values()) byMm.set(mm, walkMm(k, ctx, mm, maps));
  const walks = { byMm, maps };
  walksOfCheck.set(ctx, walks);
  return walks;
}

/**
 * Walks the user half of an mm's page tables; null when a table pointer is
 * bad (reported). Mappings are counted into `maps`.
 */
function walkMm(k: Kernel, ctx: CheckContext, mm: MmStruct, maps: MapCounts): MmWalk | null {
  const r: MmWalk = { tables: 0, deposits: 0, rss: [0, 0, 0, 0] };
  const table = (entry: number, what: string): number => {
    const pfn = k.entryPfn(entry);
    if (pfn >= k.nr_pages) {
      ctx.violation('page-tables', `mm ${mm.id}: a ${what} entry points at pfn ${hex(pfn)}, beyond memory`);
      return -1;
    }
    if (k.page_type(pfn) >>> 24 !== PGTY_table) ctx.violation('page-tables', `mm ${mm.id}: ${what} table at pfn ${hex(pfn)} is not typed PageTable`, pfn);
    r.tables++;
    return k.pageContentsWord(pfn);
  };
  for (let g = 0; g < KERNEL_PGD_BOUNDARY; g++) {
    const pgd = k.entryWord(mm.pgd, g);
    if (!k.entryPresent(pgd)) continue;
    const pud = table(pgd, 'PUD');
    if (pud < 0) return null;
    for (let u = 0; u < PTRS_PER_TABLE; u++) {
      const pudE = k.entryWord(pud, u);
      if (!k.entryPresent(pudE)) continue;
      const pmd = table(pudE, 'PMD');
      if (pmd < 0) return null;
      let huge = 0;
      for (let m = 0; m < PTRS_PER_TABLE; m++) {
        const pmdE = k.entryWord(pmd, m);
        if (!k.entryPresent(pmdE)) continue;
        if (k.entryLeaf(pmdE)) {
          huge++;
          if (k.is_huge_zero_pmd(pmdE)) continue;
          const folio = k.entryPfn(pmdE);
          if (folio < k.nr_pages) r.rss[k.mm_counter(folio)]! += HPAGE_PMD_NR;
          maps.pmd.set(folio, (maps.pmd.get(folio) ?? 0) + 1);
          continue;
        }
        const pte = table(pmdE, 'PTE');
        if (pte < 0) return null;
        for (let i = 0; i < PTRS_PER_TABLE; i++) {
          const e = k.entryWord(pte, i);
          if (!k.entryPresent(e) || k.m32[e]! & _PAGE_SPECIAL) continue;
          const pfn = k.entryPfn(e);
          if (pfn < k.nr_pages) r.rss[k.mm_counter(k.page_folio(pfn))]!++;
          maps.pte.set(pfn, (maps.pte.get(pfn) ?? 0) + 1);
        }
      }
      const dep = depositedTablesOrFault(k, pmd);
      if (dep < 0 || dep > PTRS_PER_TABLE) ctx.violation('page-tables', `mm ${mm.id}: the deposited-table list of the PMD table at pfn ${hex(k.virt_to_pfn(pmd))} is corrupted`, k.virt_to_pfn(pmd));
      else {
        if (dep !== huge) ctx.violation('page-tables', `mm ${mm.id}: the PMD table at pfn ${hex(k.virt_to_pfn(pmd))} maps ${huge} huge PMDs but holds ${dep} deposited tables`, k.virt_to_pfn(pmd));
        r.deposits += dep;
      }
    }
  }
  return r;
}

export function checkRmap(k: Kernel, ctx: CheckContext): void {
  const { byMm, maps } = walkAll(k, ctx);
  for (const [mm, w] of byMm) {
    if (w === null) continue;
    for (const [i, name] of MM_COUNTER_NAMES.entries()) {
      if (i === MM_SWAPENTS) continue;
      const rss = mm.rss_stat[i]!;
      if (rss !== w.rss[i]) ctx.violation('rmap', `mm ${mm.id}: ${name} is ${rss} but its page tables map ${w.rss[i]} such pages`);
    }
  }
  let mapped = 0;
  let fileMapped = 0;
  for (const [pfn, n] of maps.pte) {
    if (pfn >= k.nr_pages) {
      ctx.violation('rmap', `a pte maps pfn ${hex(pfn)}, beyond memory`);
      continue;
    }
    if (k.page_ref_count(k.page_folio(pfn)) <= 0) ctx.violation('rmap', `pfn ${hex(pfn)} is mapped by ${n} pte(s) but its folio's refcount is ${k.page_ref_count(k.page_folio(pfn))}`, pfn);
    const mc = k.mapcountRaw(pfn) + 1;
    if (mc !== n) ctx.violation('rmap', `pfn ${hex(pfn)} is mapped by ${n} pte(s) but its _mapcount says ${mc}`, pfn);
    if (maps.pmd.has(k.page_folio(pfn))) continue;
    if (k.folio_test_anon(k.page_folio(pfn))) mapped++;
    else fileMapped++;
  }
  for (const [folio, n] of maps.pmd) {
    if (folio >= k.nr_pages || !k.PageHead(folio)) {
      ctx.violation('rmap', `a huge PMD maps pfn ${hex(folio)}, which is not the head of a folio`, folio < k.nr_pages ? folio : null);
      continue;
    }
    const em = k.folio_entire_mapcount(folio);
    if (em !== n) ctx.violation('rmap', `folio ${hex(folio)} is mapped by ${n} huge PMD(s) but its entire mapcount says ${em}`, folio);
    mapped += k.folio_nr_pages(folio);
  }
  const anon = k.vm_node_stat(NR_ANON_MAPPED);
  if (anon !== mapped) ctx.violation('rmap', `NR_ANON_MAPPED is ${anon} but the page tables map ${mapped} distinct anonymous pages`);
  const file = k.vm_node_stat(NR_FILE_MAPPED);
  if (file !== fileMapped) ctx.violation('rmap', `NR_FILE_MAPPED is ${file} but the page tables map ${fileMapped} distinct file or driver pages`);
  const thps = k.vm_node_stat(NR_ANON_THPS);
  if (thps !== maps.pmd.size * HPAGE_PMD_NR) ctx.violation('rmap', `NR_ANON_THPS is ${thps} pages but ${maps.pmd.size} folios are PMD-mapped`);
}

export function checkSlab(k: Kernel, ctx: CheckContext): void {
  for (const s of k.slabCaches) {
    let nr = 0;
    let free = 0;
    const head = s.partialWord;
    let node = k.wordOfAddr(k.m32[head + 1]!, k.m32[head]!);
    while (node !== head) {
      if (node < 0 || node >= k.kdataWord || ++nr > s.nr_partial + 1) {
        ctx.violation('slab', `cache ${s.name}: the partial list is broken or longer than nr_partial (${s.nr_partial})`);
        break;
      }
      const slab = k.pfnOfWord(node - k.WS_slab_list);
      node = k.wordOfAddr(k.m32[node + 1]!, k.m32[node]!);
      if (k.page_type(slab) >>> 24 !== PGTY_slab) {
        ctx.violation('slab', `cache ${s.name}: pfn ${hex(slab)} on the partial list is not a slab`, slab);
        continue;
      }
      if (k.slab_cache(slab) !== s) ctx.violation('slab', `cache ${s.name}: slab at pfn ${hex(slab)} belongs to another cache`, slab);
      const inuse = k.slab_inuse(slab);
      const objects = k.slab_objects(slab);
      const len = freelistLength(k, s, slab, objects);
      if (len < 0) ctx.violation('slab', `cache ${s.name}: the freelist of the slab at pfn ${hex(slab)} leaves the slab or loops (a double free or a corrupted object)`, slab);
      else if (len !== objects - inuse) ctx.violation('slab', `cache ${s.name}: the slab at pfn ${hex(slab)} has ${len} free objects but inuse ${inuse} of ${objects}`, slab);
      free += objects - inuse;
    }
    if (nr !== s.nr_partial) ctx.violation('slab', `cache ${s.name}: nr_partial is ${s.nr_partial} but the partial list holds ${nr} slabs`);
    if (s.total_objects - s.inuse_objects < free) ctx.violation('slab', `cache ${s.name}: more free objects on partial slabs (${free}) than the cache counts (${s.total_objects - s.inuse_objects})`);
  }
}

/** Length of a slab's freelist, or -1 when a link leaves the slab or the list loops. */
function freelistLength(k: Kernel, s: Kernel['slabCaches'][number], slab: number, objects: number): number {
  let w = slab * k.PW + k.WS_freelist;
  let n = 0;
  while (!k.isNull(w)) {
    const target = k.wordOfAddr(k.m32[w + 1]!, k.m32[w]!);
    if (target < 0) return -1;
    const pfn = k.virt_to_pfn(target);
    if (pfn < slab || pfn >= slab + (1 << s.order)) return -1;
    if (++n > objects) return -1;
    w = k.objectField(target, s.offset);
  }
  return n;
}

/**
 * The deposited tables under a PMD table, or -1 when following the list
 * faults (a wild pointer left in pmd_huge_pte or a table's lru): the
 * checker reads the machine, it does not oops it, so the fault's report is
 * taken back.
 */
function depositedTablesOrFault(k: Kernel, pmd: number): number {
  const reports = k.reports.length;
  const consoleLines = k.console.length;
  try {
    return k.depositedTables(pmd, PTRS_PER_TABLE);
  } catch (e) {
    if (!(e instanceof KernelBug)) throw e;
    k.reports.length = reports;
    k.console.length = consoleLines;
    return -1;
  }
}
