/**
 * include/linux/list.h with CONFIG_DEBUG_LIST (lib/list_debug.c of the
 * linux-mm 7.3-rc5 tree, where CHECK_DATA_CORRUPTION() takes the address to
 * describe, since v6.15) and CONFIG_BUG_ON_DATA_CORRUPTION, as syzbot and
 * debug kernels run.
 *
 * Lists live in the simulated bytes: a list node is the memory word where a
 * `struct list_head` starts (a page's `lru`, a free-list head in a zone),
 * and `next`/`prev` hold real kernel virtual addresses. `list_del` writes
 * LIST_POISON1/2 into the entry exactly as the kernel does, so any later
 * reader of those bytes (through any union view) sees the poison.
 */

import { MachineBase, PAGE_OFFSET_HI, VMEMMAP_HI } from './machine.js';
import { POISON_HI } from './config.js';
import { declareSymbols } from './symbols.js';
import { hexWords } from '../util/hex.js';
import type { Site } from '../report/report.js';

declareSymbols('lib/list_debug.c', ['__list_add_valid_or_report', '__list_del_entry_valid_or_report']);
declareSymbols('include/linux/list.h', ['list_add', 'list_add_tail', 'list_del', 'list_del_init', 'list_move', 'list_move_tail'], true);

const LIST_DEBUG = 'lib/list_debug.c';
// Lines of lib/list_debug.c since CHECK_DATA_CORRUPTION() took the address argument (v6.15+):
// a BUG() in a macro call spanning lines reports the call's last line, as gcc gives __LINE__.
const S = {
  addPrevNull: { fn: '__list_add_valid_or_report', file: LIST_DEBUG, line: 26, cond: 'prev == NULL' },
  addNextNull: { fn: '__list_add_valid_or_report', file: LIST_DEBUG, line: 28, cond: 'next == NULL' },
  addNextPrev: { fn: '__list_add_valid_or_report', file: LIST_DEBUG, line: 31, cond: 'next->prev != prev' },
  addPrevNext: { fn: '__list_add_valid_or_report', file: LIST_DEBUG, line: 34, cond: 'prev->next != next' },
  addDouble: { fn: '__list_add_valid_or_report', file: LIST_DEBUG, line: 37, cond: 'new == prev || new == next' },
  delNextNull: { fn: '__list_del_entry_valid_or_report', file: LIST_DEBUG, line: 53, cond: 'next == NULL' },
  delPrevNull: { fn: '__list_del_entry_valid_or_report', file: LIST_DEBUG, line: 55, cond: 'prev == NULL' },
  delPoison1: { fn: '__list_del_entry_valid_or_report', file: LIST_DEBUG, line: 58, cond: 'next == LIST_POISON1' },
  delPoison2: { fn: '__list_del_entry_valid_or_report', file: LIST_DEBUG, line: 61, cond: 'prev == LIST_POISON2' },
  delPrevNext: { fn: '__list_del_entry_valid_or_report', file: LIST_DEBUG, line: 64, cond: 'prev->next != entry' },
  delNextPrev: { fn: '__list_del_entry_valid_or_report', file: LIST_DEBUG, line: 67, cond: 'next->prev != entry' },
} satisfies Record<string, Site>;

/** POISON_HI as a signed 32-bit value, for comparisons and stores through i32. */
const POISON_HI_S = POISON_HI | 0;

/** %px of a 64-bit address held at word pair (lo, hi). */
function px(hi: number, lo: number): string {
  return hexWords(lo, hi);
}

export abstract class KernelList extends MachineBase {
  /** INIT_LIST_HEAD(list): both links point at the node itself. */
  INIT_LIST_HEAD(w: number): void {
    this.storeAddrOf(w, w);
    this.storeAddrOf(w + 2, w);
  }

  list_empty(head: number): boolean {
    return this.pointsTo(head, head);
  }

  /** The first entry's node word, or -1 for an empty list. */
  list_first(head: number): number {
    const next = this.derefWord(head);
    return next === head ? -1 : next;
  }

  /** The last entry's node word, or -1 for an empty list. */
  list_last(head: number): number {
    const prev = this.derefWord(head + 2);
    return prev === head ? -1 : prev;
  }

  /** The node after `node`, or -1 when that is `head`. */
  list_next(node: number, head: number): number {
    const next = this.derefWord(node);
    return next === head ? -1 : next;
  }

  /** PageSlab(): implemented by the page-flags layer. */
  abstract PageSlab(page: number): boolean;

  /**
   * CHECK_DATA_CORRUPTION(cond, addr, ...) (include/linux/bug.h, linux-mm
   * 7.3-rc5): mem_dump_obj(addr) when addr is not NULL, then pr_err(msg)
   * and BUG() (CONFIG_BUG_ON_DATA_CORRUPTION=y). addr is the pointer value
   * the check names, as (hi, lo) words.
   */
  private corruption(site: Site, msg: string, addrHi = 0, addrLo = 0): never {
    const obj = addrHi === 0 && addrLo === 0 ? null : this.mem_dump_obj(addrHi, addrLo);
    this.BUG(site, null, obj === null ? [msg] : [obj, msg], msg);
  }

  /**
   * mem_dump_obj() (mm/util.c, linux-mm 7.3-rc5): what the address is, as
   * the line its pr_cont() makes after a finished line. Addresses in the
   * memmap (vmemmap) and LIST_POISON are not in the direct map: "non-paged
   * memory". A direct-map address of a present page that is not a slab
   * page (pagesim's kernel data, where its list heads are): "non-slab/vmalloc
   * memory", as the kernel prints for the zone free lists (pglist_data, from
   * memblock) and the pcp lists (the first per-cpu chunk). An address in a
   * slab page would print kmem_dump_obj()'s description of the object
   * (cache, start, offset, size), which pagesim does not model: null, no
   * line. So heads the kernel allocates from a slab cache (a
   * kmem_cache_node's partial list, a memcg's lruvec) print here as
   * non-slab memory, since pagesim keeps them in its kernel data.
   */
  protected mem_dump_obj(hi: number, lo: number): string | null {
    if (hi >>> 0 >= 0xffffc900 && hi >>> 0 <= 0xffffe8ff) return ' vmalloc memory';
    if (hi >>> 0 >= PAGE_OFFSET_HI && hi >>> 0 <= PAGE_OFFSET_HI + 0x3f) {
      const pfn = Math.floor(((hi - PAGE_OFFSET_HI) * 2 ** 32 + (lo >>> 0)) / 4096);
      if (pfn < this.nr_pages) {
        // virt_to_slab(): the slab type is on the folio's head, read from the word itself (page_folio()
        // would oops on the damaged memory this report is about).
        const w = pfn * this.PW + this.pageWord('compound_head');
        const ch = this.m32[w]!;
        const head = (ch & 1) !== 0 && this.m32[w + 1] === VMEMMAP_HI ? Math.floor((ch - 1) / this.structPageSize) : pfn;
        return this.PageSlab(head < this.nr_pages ? head : pfn) ? null : ' non-slab/vmalloc memory';
      }
    }
    if (hi === 0 && lo === 0x10) return ' zero-size pointer';
    return ' non-paged memory';
  }

  /**
   * __list_add() with __list_add_valid()'s three CONFIG_DEBUG_LIST checks, in
   * the kernel's order. The callers pass the addresses of prev and next as
   * well (in signed form, see VMEMMAP_HI_S in machine.ts): one of them was
   * just read from the head, and the address a list link holds is exactly
   * the one storeAddrOf() writes for the node it leads to, so only the other
   * needs computing. The reports are built out of line (listAddCorruption),
   * keeping this small enough to inline.
   */
  private __list_add(nw: number, prev: number, next: number, plo: number, phi: number, xlo: number, xhi: number): void {
    const m = this.i32;
    if (m[next + 2] !== plo || m[next + 3] !== phi || m[prev] !== xlo || m[prev + 1] !== xhi || nw === prev || nw === next) this.listAddInvalid(nw, prev, next);
    const nlo = this.addrS(nw);
    const nhi = this.addrHiOut;
    // next->prev = new; new->next = next; new->prev = prev; prev->next = new (in this order: the
    // nodes may alias when the list is empty).
    m[next + 2] = nlo;
    m[next + 3] = nhi;
    m[nw] = xlo;
    m[nw + 1] = xhi;
    m[nw + 2] = plo;
    m[nw + 3] = phi;
    m[prev] = nlo;
    m[prev + 1] = nhi;
  }

  /** A failed __list_add_valid(): the checks again in the kernel's order, reporting the first that fails. */
  private listAddInvalid(nw: number, prev: number, next: number): never {
    if (!this.pointsTo(next + 2, prev)) this.listAddCorruption(S.addNextPrev, nw, prev, next);
    if (!this.pointsTo(prev, next)) this.listAddCorruption(S.addPrevNext, nw, prev, next);
    return this.listAddCorruption(S.addDouble, nw, prev, next);
  }

  /** The message __list_add_valid_or_report() prints for each failed check; built only on failure. */
  private listAddCorruption(site: Site, nw: number, prev: number, next: number): never {
    const m = this.m32;
    const p = px(this.addrHi(prev), this.addrLo(prev));
    const x = px(this.addrHi(next), this.addrLo(next));
    switch (site) {
      case S.addNextPrev:
        return this.corruption(site, `list_add corruption. next->prev should be prev (${p}), but was ${px(m[next + 3]!, m[next + 2]!)}. (next=${x}).`, this.addrHi(next), this.addrLo(next));
      case S.addPrevNext:
        return this.corruption(site, `list_add corruption. prev->next should be next (${x}), but was ${px(m[prev + 1]!, m[prev]!)}. (prev=${p}).`, this.addrHi(prev), this.addrLo(prev));
      default:
        return this.corruption(site, `list_add double add: new=${px(this.addrHi(nw), this.addrLo(nw))}, prev=${p}, next=${x}.`);
    }
  }

  /** list_add(new, head): insert right after head. */
  list_add(nw: number, head: number): void {
    // head->next is the address of next.
    const xlo = this.i32[head]!;
    const xhi = this.i32[head + 1]!;
    if (xlo === 0 && xhi === 0) this.corruption(S.addNextNull, 'list_add corruption. next is NULL.');
    const next = this.derefWord(head);
    const plo = this.addrS(head);
    this.__list_add(nw, head, next, plo, this.addrHiOut, xlo, xhi);
  }

  /** list_add_tail(new, head): insert right before head. */
  list_add_tail(nw: number, head: number): void {
    // head->prev is the address of prev.
    const plo = this.i32[head + 2]!;
    const phi = this.i32[head + 3]!;
    if (plo === 0 && phi === 0) this.corruption(S.addPrevNull, 'list_add corruption. prev is NULL.');
    const prev = this.derefWord(head + 2);
    const xlo = this.addrS(head);
    this.__list_add(nw, prev, head, plo, phi, xlo, this.addrHiOut);
  }

  /** Validates and unlinks `entry`; a corrupted list BUGs as CONFIG_BUG_ON_DATA_CORRUPTION does. */
  private __list_del_entry(entry: number): void {
    const i32 = this.i32;
    const hi = i32[entry + 1]!;
    const phi0 = i32[entry + 3]!;
    // NULL or poisoned links (the high words tell them from any real address): reported before either is followed.
    if (hi === POISON_HI_S || phi0 === POISON_HI_S || hi === 0 || phi0 === 0) this.listDelBadLink(entry);
    // entry->prev and entry->next are the addresses of prev and next: what storeAddrOf() would write for them.
    const plo = i32[entry + 2]!;
    const phi = i32[entry + 3]!;
    const xlo = i32[entry]!;
    const xhi = i32[entry + 1]!;
    const prev = this.derefWord(entry + 2);
    const next = this.derefWord(entry);
    const elo = this.addrS(entry);
    const ehi = this.addrHiOut;
    if (i32[prev] !== elo || i32[prev + 1] !== ehi || i32[next + 2] !== elo || i32[next + 3] !== ehi) this.listDelMismatch(entry, prev, next);
    // next->prev = prev; prev->next = next.
    i32[next + 2] = plo;
    i32[next + 3] = phi;
    i32[prev] = xlo;
    i32[prev + 1] = xhi;
  }

  /** NULL or poisoned links, in the kernel's order of checks: next NULL, prev NULL, LIST_POISON1, LIST_POISON2. */
  private listDelBadLink(entry: number): void {
    const m = this.m32;
    if (m[entry] === 0 && m[entry + 1] === 0) this.listDelCorruption(S.delNextNull, entry, -1);
    if (m[entry + 2] === 0 && m[entry + 3] === 0) this.listDelCorruption(S.delPrevNull, entry, -1);
    if (m[entry + 1] === POISON_HI && m[entry] === 0x100) this.listDelCorruption(S.delPoison1, entry, -1);
    if (m[entry + 3] === POISON_HI && m[entry + 2] === 0x122) this.listDelCorruption(S.delPoison2, entry, -1);
  }

  /** prev->next or next->prev does not lead back to the entry: the first check that fails is reported. */
  private listDelMismatch(entry: number, prev: number, next: number): never {
    if (!this.pointsTo(prev, entry)) this.listDelCorruption(S.delPrevNext, entry, prev);
    return this.listDelCorruption(S.delNextPrev, entry, next);
  }

  /** The message __list_del_entry_valid_or_report() prints for each failed check; built only on failure. */
  private listDelCorruption(site: Site, entry: number, other: number): never {
    const m = this.m32;
    const e = px(this.addrHi(entry), this.addrLo(entry));
    switch (site) {
      case S.delNextNull:
        return this.corruption(site, `list_del corruption, ${e}->next is NULL`);
      case S.delPrevNull:
        return this.corruption(site, `list_del corruption, ${e}->prev is NULL`);
      case S.delPoison1:
        return this.corruption(site, `list_del corruption, ${e}->next is LIST_POISON1 (dead000000000100)`, m[entry + 1]!, m[entry]!);
      case S.delPoison2:
        return this.corruption(site, `list_del corruption, ${e}->prev is LIST_POISON2 (dead000000000122)`, m[entry + 3]!, m[entry + 2]!);
      case S.delPrevNext:
        return this.corruption(site, `list_del corruption. prev->next should be ${e}, but was ${px(m[other + 1]!, m[other]!)}. (prev=${px(m[entry + 3]!, m[entry + 2]!)})`, m[entry + 3]!, m[entry + 2]!);
      default:
        return this.corruption(site, `list_del corruption. next->prev should be ${e}, but was ${px(m[other + 3]!, m[other + 2]!)}. (next=${px(m[entry + 1]!, m[entry]!)})`, m[entry + 1]!, m[entry]!);
    }
  }

  /** list_del(entry): unlink and poison the entry's links. */
  list_del(entry: number): void {
    this.__list_del_entry(entry);
    const i32 = this.i32;
    i32[entry] = 0x100;
    i32[entry + 1] = POISON_HI_S;
    i32[entry + 2] = 0x122;
    i32[entry + 3] = POISON_HI_S;
  }

  list_del_init(entry: number): void {
    this.__list_del_entry(entry);
    this.INIT_LIST_HEAD(entry);
  }

  list_move(entry: number, head: number): void {
    this.__list_del_entry(entry);
    this.list_add(entry, head);
  }

  list_move_tail(entry: number, head: number): void {
    this.__list_del_entry(entry);
    this.list_add_tail(entry, head);
  }
}
