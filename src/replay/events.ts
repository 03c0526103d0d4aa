/**
 * The parsed trace, packed: four Int32 columns per event instead of one
 * object per event, so that a 244k-event capture is 4 MB of typed arrays
 * the replay can walk twice (analysis, then replay) without garbage.
 *
 *   pfn   the page frame number (-1 for a failed allocation)
 *   line  1-based line number in the trace (for examples in the report)
 *   info  kind | order << 3 | (migratetype + 1) << 7 | flags | cpu << 16
 *   aux   alloc: index into `gfps`; extfrag: fallback order and type
 */

/** Event kinds, numbered as src/trace/record.ts numbers them. */
export const EV_ALLOC = 0;
export const EV_FREE = 1;
export const EV_FREE_BATCHED = 2;
export const EV_ZONE_LOCKED = 3;
export const EV_PCPU_DRAIN = 4;
export const EV_EXTFRAG = 5;
export const EVENT_KIND_NAMES = ['alloc', 'free', 'free_batched', 'alloc_zone_locked', 'pcpu_drain', 'extfrag'] as const;

const KIND_MASK = 0x7;
const ORDER_SHIFT = 3;
const ORDER_MASK = 0xf;
const MT_SHIFT = 7;
const MT_MASK = 0xf;
/** mm_page_alloc_zone_locked percpu_refill=1. */
export const FLAG_REFILL = 1 << 11;
/** The info bits of kind, order, migratetype and FLAG_REFILL: equal for the takes of one pcp refill. */
export const SAME_TAKE = (1 << 12) - 1;
/** mm_page_alloc with a NULL page. */
export const FLAG_FAILED = 1 << 12;
/** extfrag change_ownership=1. */
export const FLAG_OWNERSHIP = 1 << 15;
const CPU_SHIFT = 16;
/** CPUs above this are folded onto it (pagesim machines have at most 64). */
export const CPU_MAX = 0x7fff;

export function evKind(info: number): number {
  return info & KIND_MASK;
}
export function evOrder(info: number): number {
  return (info >>> ORDER_SHIFT) & ORDER_MASK;
}
/** The migratetype, or -1 when the event printed none. */
export function evMt(info: number): number {
  return ((info >>> MT_SHIFT) & MT_MASK) - 1;
}
export function evCpu(info: number): number {
  return info >>> CPU_SHIFT;
}
export function withOrder(info: number, order: number): number {
  return (info & ~(ORDER_MASK << ORDER_SHIFT)) | ((order & ORDER_MASK) << ORDER_SHIFT);
}

/** Packs the info column. Orders above 15 and migratetypes above 14 cannot occur in a valid trace; callers reject them first. */
export function packInfo(kind: number, order: number, mt: number, cpu: number, flags: number): number {
  return kind | (order << ORDER_SHIFT) | ((mt + 1) << MT_SHIFT) | flags | (Math.min(Math.max(cpu, 0), CPU_MAX) << CPU_SHIFT);
}

/** extfrag details in the aux column. */
export function packExtfrag(fallbackOrder: number, fallbackMt: number): number {
  return (fallbackOrder & 0xff) | ((fallbackMt + 1) << 8);
}
export function extfragFallbackOrder(aux: number): number {
  return aux & 0xff;
}
export function extfragFallbackMt(aux: number): number {
  return ((aux >>> 8) & 0xff) - 1;
}

/** A growable struct of arrays. */
export class EventLog {
  length = 0;
  pfn: Int32Array;
  line: Int32Array;
  info: Int32Array;
  aux: Int32Array;
  /** Distinct gfp masks, in order of first use; alloc events index them through aux. */
  readonly gfps: number[] = [];
  /** Their texts as printed, same indexes. */
  readonly gfpTexts: string[] = [];
  /** Largest pfn of any event (-1 when none), and the trace line of its first event. */
  maxPfn = -1;
  maxPfnLine = 0;
  /** Smallest pfn of any event (-1 when none). */
  minPfn = -1;
  /** Largest CPU number seen. */
  maxCpu = 0;
  /** Events ever pushed, per kind (clear() keeps them). */
  readonly totalByKind = [0, 0, 0, 0, 0, 0];

  constructor(capacity = 1 << 16) {
    this.pfn = new Int32Array(capacity);
    this.line = new Int32Array(capacity);
    this.info = new Int32Array(capacity);
    this.aux = new Int32Array(capacity);
  }

  /** Appends one event; returns its index. */
  push(pfn: number, line: number, info: number, aux: number): number {
    const i = this.length;
    if (i === this.pfn.length) this.grow();
    this.pfn[i] = pfn;
    this.line[i] = line;
    this.info[i] = info;
    this.aux[i] = aux;
    this.length = i + 1;
    if (pfn > this.maxPfn) {
      this.maxPfn = pfn;
      this.maxPfnLine = line;
    }
    if (pfn >= 0 && (this.minPfn < 0 || pfn < this.minPfn)) this.minPfn = pfn;
    const cpu = info >>> CPU_SHIFT;
    if (cpu > this.maxCpu) this.maxCpu = cpu;
    this.totalByKind[info & KIND_MASK]!++;
    return i;
  }

  /** Drops the events held (a streaming reader applies them chunk by chunk); totals stay. */
  clear(): void {
    this.length = 0;
  }

  /** Events ever pushed. */
  total(): number {
    return this.totalByKind.reduce((a, b) => a + b, 0);
  }

  /** Index of a gfp mask, adding it on first use. */
  gfpIndex(mask: number, text: string): number {
    const i = this.gfpTexts.indexOf(text);
    if (i >= 0) return i;
    this.gfps.push(mask);
    this.gfpTexts.push(text);
    return this.gfps.length - 1;
  }

  private grow(): void {
    const n = this.pfn.length * 2;
    const copy = (a: Int32Array): Int32Array => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.pfn = copy(this.pfn);
    this.line = copy(this.line);
    this.info = copy(this.info);
    this.aux = copy(this.aux);
  }

  /** Events per kind, ever pushed. */
  countByKind(): number[] {
    return [...this.totalByKind];
  }
}
