/**
 * What every fused hot path reads of the machine: its memory views, the
 * struct page's word offsets, where kernel data starts and the zones and
 * nodes, copied off the kernel once at construction. PcpHot (page_alloc.ts)
 * and FaultHot (rmap.ts) extend it with their own state; each is one class
 * whatever the variant stack, so the paths reading it stay monomorphic.
 */

import { VMEMMAP_HI } from './machine.js';
import type { PgData, Zone } from './mmzone.js';

/** A vmemmap address's high word, signed, as links are stored. */
const VMEMMAP_HI_S = VMEMMAP_HI | 0;

export class HotWords {
  readonly i32: Int32Array;
  readonly m32: Uint32Array;
  readonly nr_pages: number;
  readonly PW: number;
  /** log2(PW) where the struct page is a power of two of words, else -1. */
  readonly PWshift: number;
  readonly W_flags: number;
  readonly W_compound_head: number;
  readonly W_mapping: number;
  readonly W_mapcount: number;
  readonly W_page_type: number;
  readonly W_refcount: number;
  readonly W_lru: number;
  readonly kdataWord: number;
  readonly kdataBytes: number;
  readonly kdataLoS: number;
  readonly kdataHiS: number;
  readonly zones: readonly Zone[];
  readonly nodes: readonly PgData[];

  /** `k`: the kernel, which has every field of this class (the same names, the machine's own values). */
  constructor(k: Omit<HotWords, 'linkWord' | 'nodeWord'>) {
    this.i32 = k.i32;
    this.m32 = k.m32;
    this.nr_pages = k.nr_pages;
    this.PW = k.PW;
    this.PWshift = k.PWshift;
    this.W_flags = k.W_flags;
    this.W_compound_head = k.W_compound_head;
    this.W_mapping = k.W_mapping;
    this.W_mapcount = k.W_mapcount;
    this.W_page_type = k.W_page_type;
    this.W_refcount = k.W_refcount;
    this.W_lru = k.W_lru;
    this.kdataWord = k.kdataWord;
    this.kdataBytes = k.kdataBytes;
    this.kdataLoS = k.kdataLoS;
    this.kdataHiS = k.kdataHiS;
    this.zones = k.zones;
    this.nodes = k.nodes;
  }

  /**
   * The word a list link (an address, as two signed words) points at when it
   * is a struct page's word or a word of kernel data, as derefWord() decodes
   * them; -1 for any other (derefWord() would take its general path).
   */
  linkWord(lo: number, hi: number): number {
    if (hi === VMEMMAP_HI_S) {
      const t = lo >>> 2;
      return (lo & 3) === 0 && t < this.kdataWord ? t : -1;
    }
    if (hi === this.kdataHiS) {
      const d = (lo - this.kdataLoS) | 0;
      if (d >= 0 && d < this.kdataBytes && (d & 3) === 0) return this.kdataWord + (d >>> 2);
    }
    return -1;
  }

  /**
   * linkWord() for a list node: a link into the memmap must lead to a struct
   * page's lru (so nodes never overlap part of another); -1 for any other.
   */
  nodeWord(lo: number, hi: number): number {
    const t = this.linkWord(lo, hi);
    if (t < 0 || t >= this.kdataWord) return t;
    const lw = t - this.W_lru;
    // (A mask where the struct page is a power of two of words: `%` by a field is a division.)
    return lw >= 0 && (this.PWshift >= 0 ? (lw & (this.PW - 1)) === 0 : lw % this.PW === 0) ? t : -1;
  }
}
