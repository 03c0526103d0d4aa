/**
 * Recording a run for the view: the state of every pfn, the bytes of every
 * struct page and its dump_page() text before the first step, then after
 * each step only what changed, and a few counters.
 *
 * The states are read from the bytes through the same page reader the
 * checkers use (src/check/page-reader.ts, which follows a variant's own
 * helpers where it overrides them), plus two walks the bytes alone cannot
 * answer: a free buddy block is marked from its PageBuddy head and order,
 * and pages on per-CPU lists are found by walking those lists (bounded, and
 * tolerant of the corrupted lists a buggy scenario leaves).
 *
 * Struct pages are mostly alike (a free page's list head points at itself),
 * so bytes and dumps are interned after replacing the page's own address
 * by a token (`@8`: this struct page + 8) and its pfn by `{pfn}`; the
 * viewer puts them back. A dump is computed once per distinct content.
 */

import type { Kernel } from '../kernel/kernel.js';
import type { ObservedStep, RunObserver } from '../engine/run.js';
import { readerFor, type PageReader } from '../check/page-reader.js';
import { NR_PAGE_ORDERS, NR_PCP_LISTS } from '../kernel/config.js';
import { pindex_to_order } from '../kernel/page_alloc.js';
import { PG_reserved, PGTY_buddy, PGTY_slab, PGTY_table } from '../kernel/page-flags.js';
import { NR_FILE_MAPPED, NR_ANON_MAPPED, NR_FREE_PAGES, NR_PAGETABLE } from '../kernel/vmstat.js';
import { VMEMMAP_HI } from '../kernel/machine.js';
import { rleEncode, STATE_ALLOCATED, STATE_FREE0, STATE_HEAD, STATE_NETPP, STATE_PAGE_POOL, STATE_PCP, STATE_RESERVED, STATE_SLAB, STATE_TABLE, STATE_TAIL, STATE_TYPED, STATE_UNUSED, type ViewCounters } from './data.js';

/** Steps whose machine state is recorded; later steps are listed in the timeline only. */
export const MAX_RECORDED_STEPS = 2000;
/** Changed struct pages recorded over a run, at most; then recording stops (the view says where). */
export const MAX_RECORDED_CHANGES = 400_000;
/** PGTY_netpp, which the netpp variants add (seed 000). */
const PGTY_netpp = 0xf9;

/** What one recorded run holds; the caller turns it into a ViewRun. */
export interface Recording {
  readonly states: { initial: number[]; deltas: number[][] };
  readonly bytes: { table: string[]; initial: number[]; deltas: number[][] };
  readonly dumps: { table: string[]; initial: number[]; deltas: number[][] };
  readonly counters: ViewCounters;
  readonly recordedSteps: number;
}

const COUNTER_NAMES = ['nr_free_pages', 'nr_page_table_pages', 'nr_mapped', 'nr_anon_pages', 'slab objects', 'page_pool inflight', ...Array.from({ length: NR_PAGE_ORDERS }, (_, o) => `free blocks order ${o}`)];

export class ViewRecorder implements RunObserver {
  private k: Kernel | null = null;
  private reader: PageReader | null = null;
  private states = new Uint8Array(0);
  private next = new Uint8Array(0);
  private snapshot = new Uint32Array(0);
  private readonly bytesIds = new Map<string, number>();
  private readonly bytesTable: string[] = [];
  private readonly dumpIds = new Map<string, number>();
  private readonly dumpTable: string[] = [];
  /** Normalised bytes -> dump id, so a dump is computed once per content. */
  private readonly dumpOfBytes = new Map<string, number>();
  private pageDump = new Int32Array(0);
  private pageBytes = new Int32Array(0);
  private initialStates: number[] = [];
  private initialBytes: number[] = [];
  private initialDumps: number[] = [];
  private readonly stateDeltas: number[][] = [];
  private readonly bytesDeltas: number[][] = [];
  private readonly dumpDeltas: number[][] = [];
  private readonly counterValues: number[][] = COUNTER_NAMES.map(() => []);
  private recorded = 0;
  private changes = 0;
  private stopped = false;
  private current = 0;
  private wReserved = 0;
  private wPpMagic = -1;

  start(k: Kernel): void {
    this.k = k;
    this.reader = readerFor(k);
    const n = k.nr_pages;
    this.states = new Uint8Array(n);
    this.next = new Uint8Array(n);
    this.pageDump = new Int32Array(n);
    this.pageBytes = new Int32Array(n);
    this.wReserved = k.W_flags;
    const pp = k.layout('page').fields.find((f) => f.path === 'pp_magic');
    this.wPpMagic = pp === undefined ? -1 : pp.offset >> 2;
    this.classify(this.states);
    this.initialStates = rleEncode(this.states);
    this.snapshot = new Uint32Array(k.m32.subarray(0, n * k.PW));
    for (let pfn = 0; pfn < n; pfn++) {
      // Runs of alike pages (free memory after boot) take their neighbour's entries without building a key.
      if (pfn > 0 && this.sameAsPrevious(pfn)) {
        this.pageBytes[pfn] = this.pageBytes[pfn - 1]!;
        this.pageDump[pfn] = this.pageDump[pfn - 1]!;
        continue;
      }
      const key = this.bytesKey(pfn);
      this.pageBytes[pfn] = this.internBytes(key);
      this.pageDump[pfn] = this.dumpFor(pfn, key);
    }
    this.initialBytes = rleEncode(this.pageBytes);
    this.initialDumps = rleEncode(this.pageDump);
    this.sampleCounters();
  }

  beforeStep(index: number, _step: ObservedStep): void {
    this.current = index;
  }

  afterStep(index: number): void {
    this.record(index);
  }

  finish(): void {
    // A run that ended in a BUG ends inside its last step: the machine as the BUG left it.
    if (this.current > this.recorded) this.record(this.current);
  }

  result(): Recording {
    return {
      states: { initial: this.initialStates, deltas: this.stateDeltas },
      bytes: { table: this.bytesTable, initial: this.initialBytes, deltas: this.bytesDeltas },
      dumps: { table: this.dumpTable, initial: this.initialDumps, deltas: this.dumpDeltas },
      counters: { names: COUNTER_NAMES, values: this.counterValues },
      recordedSteps: this.recorded,
    };
  }

  private record(index: number): void {
    if (this.stopped) return;
    if (index > MAX_RECORDED_STEPS || this.changes > MAX_RECORDED_CHANGES) {
      this.stopped = true;
      return;
    }
    // Steps that were not observed (none are, today) would leave gaps: fill them with no change.
    while (this.recorded < index - 1) this.pushStep([], [], []);
    const k = this.k!;
    const n = k.nr_pages;
    this.classify(this.next);
    const stateDelta: number[] = [];
    for (let pfn = 0; pfn < n; pfn++) {
      if (this.next[pfn] !== this.states[pfn]) stateDelta.push(pfn, this.next[pfn]!);
    }
    this.states.set(this.next);
    const changed = this.changedPages();
    const bytesDelta: number[] = [];
    const dumpDelta: number[] = [];
    const redump = new Set<number>(changed);
    for (const pfn of changed) for (const t of this.tailsOf(pfn)) redump.add(t);
    for (const pfn of changed) {
      const id = this.internBytes(this.bytesKey(pfn));
      if (id !== this.pageBytes[pfn]) {
        this.pageBytes[pfn] = id;
        bytesDelta.push(pfn, id);
      }
    }
    for (const pfn of [...redump].sort((a, b) => a - b)) {
      const id = this.dumpFor(pfn, this.bytesKey(pfn), redump);
      if (id !== this.pageDump[pfn]) {
        this.pageDump[pfn] = id;
        dumpDelta.push(pfn, id);
      }
    }
    this.changes += changed.length;
    this.pushStep(stateDelta, bytesDelta, dumpDelta);
  }

  private pushStep(states: number[], bytes: number[], dumps: number[]): void {
    this.stateDeltas.push(states);
    this.bytesDeltas.push(bytes);
    this.dumpDeltas.push(dumps);
    this.recorded++;
    this.sampleCounters();
  }

  /** Pfns whose struct page words differ from the snapshot; the snapshot is brought up to date. */
  private changedPages(): number[] {
    const k = this.k!;
    const m = k.m32;
    const s = this.snapshot;
    const PW = k.PW;
    const out: number[] = [];
    for (let pfn = 0, w = 0; pfn < k.nr_pages; pfn++, w += PW) {
      for (let i = 0; i < PW; i++) {
        if (m[w + i] !== s[w + i]) {
          out.push(pfn);
          s.set(m.subarray(w, w + PW), w);
          break;
        }
      }
    }
    return out;
  }

  /** Whether a page's bytes read as its predecessor's (words pointing into their own struct page alike), neither a tail. */
  private sameAsPrevious(pfn: number): boolean {
    const k = this.k!;
    const m = k.m32;
    const PW = k.PW;
    const a = pfn * PW;
    const b = a - PW;
    if ((m[a + k.W_compound_head]! & 1) !== 0 || (m[b + k.W_compound_head]! & 1) !== 0) return false;
    const size = k.structPageSize;
    for (let i = 0; i + 1 < PW; i += 2) {
      const hi = m[a + i + 1]!;
      if (hi !== m[b + i + 1]) return false;
      const lo = m[a + i]!;
      const lo2 = m[b + i]!;
      if (lo === lo2) continue;
      if (hi !== VMEMMAP_HI || lo - lo2 !== size) return false;
      const off = lo - pfn * size;
      if (off < 0 || off >= size) return false;
    }
    return true;
  }

  /** The compound tails that follow a head page (their dumps read the head). */
  private tailsOf(pfn: number): number[] {
    const k = this.k!;
    const out: number[] = [];
    const want = Number(k.pageAddr(pfn) & 0xffffffffn) + 1;
    for (let p = pfn + 1; p < k.nr_pages && out.length < 1 << (NR_PAGE_ORDERS - 1); p++) {
      const w = p * k.PW + k.W_compound_head;
      if (k.m32[w] !== want >>> 0 || k.m32[w + 1] !== VMEMMAP_HI) break;
      out.push(p);
    }
    return out;
  }

  /**
   * A struct page's words as dump_page's raw lines print them (8-byte
   * little-endian, hex), a word pointing into this same struct page written
   * `@off`.
   */
  private bytesKey(pfn: number): string {
    const k = this.k!;
    const m = k.m32;
    const base = pfn * k.PW;
    const selfLo = pfn * k.structPageSize;
    const parts: string[] = [];
    for (let i = 0; i + 1 < k.PW; i += 2) {
      const lo = m[base + i]!;
      const hi = m[base + i + 1]!;
      if (hi === VMEMMAP_HI && lo >= selfLo && lo < selfLo + k.structPageSize) parts.push(`@${lo - selfLo}`);
      else parts.push(hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0'));
    }
    return parts.join(' ');
  }

  private internBytes(key: string): number {
    let id = this.bytesIds.get(key);
    if (id === undefined) {
      id = this.bytesTable.length;
      this.bytesTable.push(key);
      this.bytesIds.set(key, id);
    }
    return id;
  }

  /**
   * The dump id of a page: dump_page() once per distinct content (a tail's
   * dump also reads its head, so tails and pages being redumped are never
   * shared), with the page's own address and pfn as tokens.
   */
  private dumpFor(pfn: number, key: string, fresh?: Set<number>): number {
    const k = this.k!;
    const shareable = !this.reader!.PageTail(pfn) && fresh === undefined;
    if (shareable) {
      const known = this.dumpOfBytes.get(key);
      if (known !== undefined) return known;
    }
    const reports = k.reports.length;
    const consoleLines = k.console.length;
    let lines: string[];
    try {
      lines = k.dump_page_lines(pfn, null);
    } catch {
      lines = ['(dump_page() could not read this page)'];
    }
    k.reports.length = reports;
    k.console.length = consoleLines;
    const selfLo = pfn * k.structPageSize;
    const hex = pfn.toString(16);
    const text = lines
      .join('\n')
      .replace(new RegExp(`pfn:0x${hex}\\b`, 'g'), 'pfn:{pfn}')
      .replace(/\bffffea00([0-9a-f]{8})\b/g, (all, lo: string) => {
        const off = parseInt(lo, 16) - selfLo;
        return off >= 0 && off < k.structPageSize ? `{@${off}}` : all;
      });
    let id = this.dumpIds.get(text);
    if (id === undefined) {
      id = this.dumpTable.length;
      this.dumpTable.push(text);
      this.dumpIds.set(text, id);
    }
    if (!this.reader!.PageTail(pfn)) this.dumpOfBytes.set(key, id);
    return id;
  }

  /** The state of every pfn into `out` (see PAGE_STATES). */
  private classify(out: Uint8Array): void {
    const k = this.k!;
    const r = this.reader!;
    const n = k.nr_pages;
    const m = k.m32;
    const PW = k.PW;
    const reserved = 1 << PG_reserved;
    for (let pfn = 0; pfn < n; pfn++) {
      const base = pfn * PW;
      let s: number;
      const type = r.type(pfn) >>> 24;
      if (m[base + this.wReserved]! & reserved) s = STATE_RESERVED;
      else if (type === PGTY_table) s = STATE_TABLE;
      else if (type === PGTY_slab) s = STATE_SLAB;
      else if (type === PGTY_netpp) s = STATE_NETPP;
      else if (type >= 0xf0 && type !== PGTY_buddy && type < 0xff) s = STATE_TYPED;
      else if (this.wPpMagic >= 0 && (m[base + this.wPpMagic + 1]! & ~0x7f) >>> 0 === 0xdead0000 && (m[base + this.wPpMagic]! & 0x7c) === 0x40) s = STATE_PAGE_POOL;
      else if (r.PageTail(pfn)) s = STATE_TAIL;
      else if (r.PageHead(pfn)) s = STATE_HEAD;
      else if (r.page_ref_count(pfn) > 0) s = STATE_ALLOCATED;
      else s = STATE_UNUSED;
      out[pfn] = s;
    }
    // Free buddy blocks, from their heads: every page of the block is free at that order.
    for (let pfn = 0; pfn < n; pfn++) {
      if (!r.PageBuddy(pfn)) continue;
      const order = k.page_private(pfn);
      if (order < 0 || order >= NR_PAGE_ORDERS) continue;
      const end = Math.min(n, pfn + (1 << order));
      out.fill(STATE_FREE0 + order, pfn, end);
      pfn = end - 1;
    }
    for (const zone of k.zones) {
      for (const pcp of zone.pcp) {
        for (let pindex = 0; pindex < NR_PCP_LISTS; pindex++) {
          const order = pindex_to_order(pindex);
          for (const pfn of this.listPfns(pcp.listsWord + pindex * 4)) out.fill(STATE_PCP, pfn, Math.min(n, pfn + (1 << order)));
        }
      }
    }
  }

  /** The struct pages on a list whose head is at word `head`, walked without trusting it. */
  private listPfns(head: number): number[] {
    const k = this.k!;
    const out: number[] = [];
    let node = k.wordOfAddr(k.m32[head + 1]!, k.m32[head]!);
    while (node !== head && node >= 0 && out.length <= k.nr_pages) {
      if (node >= k.kdataWord || (node - k.W_lru) % k.PW !== 0) break;
      out.push((node - k.W_lru) / k.PW);
      node = k.wordOfAddr(k.m32[node + 1]!, k.m32[node]!);
    }
    return out;
  }

  private sampleCounters(): void {
    const k = this.k!;
    let slabObjects = 0;
    for (const r of k.slabinfoRows()) slabObjects += r.active_objs;
    let inflight = 0;
    for (const pool of k.pagePools.values()) inflight += Math.max(0, (pool.pages_state_hold_cnt - pool.pages_state_release_cnt) | 0);
    const v = [
      Math.max(0, k.global_zone_page_state(NR_FREE_PAGES)),
      Math.max(0, k.global_node_page_state(NR_PAGETABLE)),
      Math.max(0, k.global_node_page_state(NR_FILE_MAPPED)),
      Math.max(0, k.global_node_page_state(NR_ANON_MAPPED)),
      slabObjects,
      inflight,
      ...Array.from({ length: NR_PAGE_ORDERS }, (_, o) => k.zones.reduce((sum, z) => sum + k.free_area_nr_free(z, o), 0)),
    ];
    v.forEach((x, i) => this.counterValues[i]!.push(x));
  }
}
