/**
 * What the replay knows about every page besides the kernel's own state:
 * where the trace has put it (one byte per pfn, so a lookup is one load),
 * the order and CPU of the block it heads, and the inconsistencies found.
 *
 * The kernel's structures say whether a page is free in the buddy
 * allocator (PageBuddy of its block's head); they do not say that a page
 * sits on a pcp list, was taken off the buddy lists for an allocation
 * under way, or has not been touched by the trace yet, which the replay
 * must know to judge the next event.
 */

/** Not the buddy allocator's: reserved or a hole (or not yet seeded). */
export const K_RSV = 0;
/** Untouched by the trace so far, and not known to be free: held since before the trace began. */
export const K_PRE = 1;
/** Untouched by the trace so far, free in the buddy allocator (zones seeded as "all free"). */
export const K_FREE0 = 2;
/** Free in the buddy allocator. */
export const K_FREE = 3;
/** On a pcp list (headOrd and pcpCpu at the block's head). */
export const K_PCP = 4;
/** Allocated by an event of the trace (headOrd at the block's head). */
export const K_ALLOC = 5;
/** Taken off the buddy lists (mm_page_alloc_zone_locked without a pcp refill); its mm_page_alloc comes next. */
export const K_TAKEN = 6;
/** Freed but failed the kernel's free checks (bad_page): the kernel leaks such a page. */
export const K_LEAKED = 7;

/** Pageblock migratetype knowledge. */
export const PB_UNKNOWN = 0;
/** Typed by a guess (a free into it before any event showed its type). */
export const PB_GUESSED = 1;
/** Typed by an event that shows the type (zone_locked, pcpu_drain, extfrag). */
export const PB_OBSERVED = 2;
/** Typed by the snapshot (zones whose layout is fully known). */
export const PB_FIXED = 3;

export class PageStates {
  readonly kind: Uint8Array;
  /** order + 1 at the head of an allocated, pcp or taken block; 0 elsewhere. */
  readonly headOrd: Uint8Array;
  /** CPU whose pcp list holds the block (at its head). */
  readonly pcpCpu: Uint8Array;
  /** order + 1 at the head of each block placed as free at t0 (so no t0 block gets a t0 buddy of its order). */
  readonly t0Head: Uint8Array;
  readonly pbState: Uint8Array;
  /** The pageblock's migratetype at t0 as far as the replay learned it (-1 unknown). */
  readonly t0Type: Int8Array;

  constructor(nrPages: number) {
    this.kind = new Uint8Array(nrPages);
    this.headOrd = new Uint8Array(nrPages);
    this.pcpCpu = new Uint8Array(nrPages);
    this.t0Head = new Uint8Array(nrPages);
    const pbs = Math.ceil(nrPages / 512);
    this.pbState = new Uint8Array(pbs);
    this.t0Type = new Int8Array(pbs).fill(-1);
  }

  setKind(pfn: number, nr: number, kind: number): void {
    if (nr === 1) this.kind[pfn] = kind;
    else this.kind.fill(kind, pfn, pfn + nr);
  }

  /** Whether every page of [pfn, pfn + nr) has this kind. */
  allKind(pfn: number, nr: number, kind: number): boolean {
    const a = this.kind;
    for (let p = pfn; p < pfn + nr; p++) if (a[p] !== kind) return false;
    return true;
  }

  /** Head of the allocated/pcp/taken block holding pfn, or -1. */
  blockHead(pfn: number): number {
    const h = this.headOrd;
    for (let order = 0; order <= 10; order++) {
      const head = pfn & ~((1 << order) - 1);
      if (h[head]! > order) return head;
    }
    return -1;
  }
}

/** Inconsistencies by kind, with the first few line numbers of each. */
export class Inconsistencies {
  readonly counts = new Map<string, number>();
  readonly examples = new Map<string, number[]>();
  static readonly EXAMPLES = 5;

  add(kind: string, line: number): void {
    const n = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, n);
    if (n <= Inconsistencies.EXAMPLES) {
      const ex = this.examples.get(kind);
      if (ex === undefined) this.examples.set(kind, [line]);
      else ex.push(line);
    }
  }

  total(): number {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }

  /** Counts as a plain object, kinds sorted by name. */
  toJSON(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort((a, b) => a[0].localeCompare(b[0])));
  }
}

/**
 * The t0 state the exact replay reconstructed, in the order it learned it:
 * free blocks (where the trace first took from them, then the rest), pages
 * on pcp lists, pages held, pageblock types. Model mode starts from it.
 */
export class T0Layout {
  /** Free blocks: pfn, order, migratetype, and whether the trace showed it (1) or the end filled it in (0). */
  readonly blocks: number[] = [];
  /** pcp blocks: pfn, order, migratetype, cpu. */
  readonly pcp: number[] = [];
  /** Blocks held at t0 in zones seeded all free: pfn, order. */
  readonly held: number[] = [];
  /** Free blocks added beyond the snapshot's counts (by order). */
  readonly extraByOrder = new Array<number>(11).fill(0);
  /** Snapshot blocks the trace shows were gone when it began (by order): allocated between reading t0 and starting the trace. */
  readonly goneByOrder = new Array<number>(11).fill(0);
  /** Snapshot blocks the replay found no room for (by order). */
  readonly unplacedByOrder = new Array<number>(11).fill(0);
  /** pcp pages seen at t0 beyond the snapshot's pcp counts. */
  pcpExcess = 0;

  addBlock(pfn: number, order: number, mt: number, traced: boolean): void {
    this.blocks.push(pfn, order, mt, traced ? 1 : 0);
  }

  addPcp(pfn: number, order: number, mt: number, cpu: number): void {
    this.pcp.push(pfn, order, mt, cpu);
  }
}

/** Counters of an exact replay besides inconsistencies. */
export class ExactCounters {
  preexisting = 0;
  failedAllocs = 0;
  /** zone_locked + extfrag pairs: a fallback claimed a pageblock for another migratetype. */
  claims = 0;
  /** Pageblocks whose type the trace showed for the first time. */
  typesObserved = 0;
  /** Pages found on pcp lists at t0 (first touched by an allocation or a drain). */
  t0PcpPages = 0;
  /** Blocks placed where the trace first took from them. */
  t0BlocksTraced = 0;
}
