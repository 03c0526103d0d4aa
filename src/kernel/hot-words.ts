/**
 * What every fused hot path reads of the machine: its memory views, the
 * struct page's word offsets, where kernel data starts and the zones and
 * nodes, copied off the kernel once at construction. PcpHot (page_alloc.ts)
 * and FaultHot (rmap.ts) extend it with their own state; each is one class
 * whatever the variant stack, so the paths reading it stay monomorphic.
 */

import type { PgData, Zone } from './mmzone.js';

export class HotWords {
  readonly i32: Int32Array;
  readonly m32: Uint32Array;
  readonly nr_pages: number;
  readonly PW: number;
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
  constructor(k: Readonly<HotWords>) {
    this.i32 = k.i32;
    this.m32 = k.m32;
    this.nr_pages = k.nr_pages;
    this.PW = k.PW;
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
}
