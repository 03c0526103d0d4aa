/**
 * include/linux/list.h with CONFIG_DEBUG_LIST (lib/list_debug.c, ≈v6.14)
 * and CONFIG_BUG_ON_DATA_CORRUPTION, as syzbot and debug kernels run.
 *
 * Lists live in the simulated bytes: a list node is the memory word where a
 * `struct list_head` starts (a page's `lru`, a free-list head in a zone),
 * and `next`/`prev` hold real kernel virtual addresses. `list_del` writes
 * LIST_POISON1/2 into the entry exactly as the kernel does, so any later
 * reader of those bytes (through any union view) sees the poison.
 */

import { MachineBase } from './machine.js';
import { POISON_HI } from './config.js';
import { declareSymbols } from './symbols.js';
import type { Site } from '../report/report.js';

declareSymbols('lib/list_debug.c', ['__list_add_valid_or_report', '__list_del_entry_valid_or_report']);
declareSymbols('include/linux/list.h', ['list_add', 'list_add_tail', 'list_del', 'list_del_init', 'list_move', 'list_move_tail'], true);

const LIST_DEBUG = 'lib/list_debug.c';
const S = {
  addNextPrev: { fn: '__list_add_valid_or_report', file: LIST_DEBUG, line: 31, cond: 'next->prev != prev' },
  addPrevNext: { fn: '__list_add_valid_or_report', file: LIST_DEBUG, line: 34, cond: 'prev->next != next' },
  addDouble: { fn: '__list_add_valid_or_report', file: LIST_DEBUG, line: 37, cond: 'new == prev || new == next' },
  delPoison1: { fn: '__list_del_entry_valid_or_report', file: LIST_DEBUG, line: 58, cond: 'next == LIST_POISON1' },
  delPoison2: { fn: '__list_del_entry_valid_or_report', file: LIST_DEBUG, line: 61, cond: 'prev == LIST_POISON2' },
  delPrevNext: { fn: '__list_del_entry_valid_or_report', file: LIST_DEBUG, line: 64, cond: 'prev->next != entry' },
  delNextPrev: { fn: '__list_del_entry_valid_or_report', file: LIST_DEBUG, line: 67, cond: 'next->prev != entry' },
} satisfies Record<string, Site>;

/** %px of a 64-bit address held at word pair (lo, hi). */
function px(hi: number, lo: number): string {
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

export abstract class KernelList extends MachineBase {
  /** INIT_LIST_HEAD(list): both links point at the node itself. */
  INIT_LIST_HEAD(w: number): void {
    this.storeAddrOf(w, w);
    this.storeAddrOf(w + 2, w);
  }

  /** Whether the pointer at word w is the address of word target. */
  protected pointsTo(w: number, target: number): boolean {
    return this.m32[w] === this.addrLo(target) && this.m32[w + 1] === this.addrHi(target);
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

  private corruption(site: Site, msg: string): never {
    // CHECK_DATA_CORRUPTION: pr_err(msg) then BUG() (CONFIG_BUG_ON_DATA_CORRUPTION=y).
    this.BUG(site, null, [msg], msg);
  }

  private listAddValid(nw: number, prev: number, next: number): void {
    if (!this.pointsTo(next + 2, prev)) {
      this.corruption(
        S.addNextPrev,
        `list_add corruption. next->prev should be prev (${px(this.addrHi(prev), this.addrLo(prev))}), but was ${px(this.m32[next + 3]!, this.m32[next + 2]!)}. (next=${px(this.addrHi(next), this.addrLo(next))}).`,
      );
    }
    if (!this.pointsTo(prev, next)) {
      this.corruption(
        S.addPrevNext,
        `list_add corruption. prev->next should be next (${px(this.addrHi(next), this.addrLo(next))}), but was ${px(this.m32[prev + 1]!, this.m32[prev]!)}. (prev=${px(this.addrHi(prev), this.addrLo(prev))}).`,
      );
    }
    if (nw === prev || nw === next) {
      this.corruption(
        S.addDouble,
        `list_add double add: new=${px(this.addrHi(nw), this.addrLo(nw))}, prev=${px(this.addrHi(prev), this.addrLo(prev))}, next=${px(this.addrHi(next), this.addrLo(next))}.`,
      );
    }
  }

  private __list_add(nw: number, prev: number, next: number): void {
    this.listAddValid(nw, prev, next);
    this.storeAddrOf(next + 2, nw);
    this.storeAddrOf(nw, next);
    this.storeAddrOf(nw + 2, prev);
    this.storeAddrOf(prev, nw);
  }

  /** list_add(new, head): insert right after head. */
  list_add(nw: number, head: number): void {
    this.__list_add(nw, head, this.derefWord(head));
  }

  /** list_add_tail(new, head): insert right before head. */
  list_add_tail(nw: number, head: number): void {
    this.__list_add(nw, this.derefWord(head + 2), head);
  }

  /** Validates and unlinks `entry`; a corrupted list BUGs as CONFIG_BUG_ON_DATA_CORRUPTION does. */
  private __list_del_entry(entry: number): void {
    const m = this.m32;
    if (m[entry + 1] === POISON_HI && m[entry] === 0x100) this.listDelCorruption(S.delPoison1, entry, -1);
    if (m[entry + 3] === POISON_HI && m[entry + 2] === 0x122) this.listDelCorruption(S.delPoison2, entry, -1);
    const prev = this.derefWord(entry + 2);
    const next = this.derefWord(entry);
    if (!this.pointsTo(prev, entry)) this.listDelCorruption(S.delPrevNext, entry, prev);
    if (!this.pointsTo(next + 2, entry)) this.listDelCorruption(S.delNextPrev, entry, next);
    this.storeAddrOf(next + 2, prev);
    this.storeAddrOf(prev, next);
  }

  /** The message __list_del_entry_valid_or_report() prints for each failed check; built only on failure. */
  private listDelCorruption(site: Site, entry: number, other: number): never {
    const m = this.m32;
    const e = px(this.addrHi(entry), this.addrLo(entry));
    switch (site) {
      case S.delPoison1:
        return this.corruption(site, `list_del corruption, ${e}->next is LIST_POISON1 (dead000000000100)`);
      case S.delPoison2:
        return this.corruption(site, `list_del corruption, ${e}->prev is LIST_POISON2 (dead000000000122)`);
      case S.delPrevNext:
        return this.corruption(site, `list_del corruption. prev->next should be ${e}, but was ${px(m[other + 1]!, m[other]!)}. (prev=${px(m[entry + 3]!, m[entry + 2]!)})`);
      default:
        return this.corruption(site, `list_del corruption. next->prev should be ${e}, but was ${px(m[other + 3]!, m[other + 2]!)}. (next=${px(m[entry + 1]!, m[entry]!)})`);
    }
  }

  /** list_del(entry): unlink and poison the entry's links. */
  list_del(entry: number): void {
    this.__list_del_entry(entry);
    this.m32[entry] = 0x100;
    this.m32[entry + 1] = POISON_HI;
    this.m32[entry + 2] = 0x122;
    this.m32[entry + 3] = POISON_HI;
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
