/**
 * The data a view file carries: plain JSON, shared by the command that
 * writes it (src/view/record.ts, src/view/build.ts) and the viewer that
 * draws it in the browser (src/view/app). Nothing here imports Node.
 *
 * Per-step machine state is stored as deltas: the state of every pfn
 * before the first step (run-length encoded) and, for each step, only the
 * pfns whose state changed. A page's bytes and its dump_page() text are
 * interned in tables and referred to by index, so a memmap of identical
 * free pages costs one table entry and a run.
 */

/** Page states of the memmap map, in legend order. */
export const PAGE_STATES = [
  'unused', // refcount 0, on no free list: freed in flight, or never handed to the buddy
  'free order 0',
  'free order 1',
  'free order 2',
  'free order 3',
  'free order 4',
  'free order 5',
  'free order 6',
  'free order 7',
  'free order 8',
  'free order 9',
  'free order 10',
  'pcp', // on a per-CPU list
  'allocated', // referenced, no page type, not compound
  'compound head',
  'compound tail',
  'slab',
  'table',
  'netpp',
  'page_pool', // PP_SIGNATURE in pp_magic, no page type
  'typed', // another page type (zsmalloc, offline, large_kmalloc...)
  'reserved',
] as const;
export type PageState = number;
export const STATE_UNUSED = 0;
export const STATE_FREE0 = 1;
export const STATE_PCP = 12;
export const STATE_ALLOCATED = 13;
export const STATE_HEAD = 14;
export const STATE_TAIL = 15;
export const STATE_SLAB = 16;
export const STATE_TABLE = 17;
export const STATE_NETPP = 18;
export const STATE_PAGE_POOL = 19;
export const STATE_TYPED = 20;
export const STATE_RESERVED = 21;

/** Run-length encoding: [value, count, value, count, ...]. */
export type Rle = number[];

export function rleEncode(values: ArrayLike<number>): Rle {
  const out: number[] = [];
  for (let i = 0; i < values.length; ) {
    const v = values[i]!;
    let j = i + 1;
    while (j < values.length && values[j] === v) j++;
    out.push(v, j - i);
    i = j;
  }
  return out;
}

export function rleDecode(rle: Rle, into: Int32Array | Uint8Array): void {
  let at = 0;
  for (let i = 0; i + 1 < rle.length; i += 2) {
    into.fill(rle[i]!, at, at + rle[i + 1]!);
    at += rle[i + 1]!;
  }
}

export function applyDelta(a: Uint8Array | Int32Array, d: readonly number[] | undefined): void {
  if (d === undefined) return;
  for (let j = 0; j + 1 < d.length; j += 2) a[d[j]!] = d[j + 1]!;
}

const VMEMMAP = 0xffffea0000000000n;

/** A bytes-table entry (8-byte words as hex, `@off` for this struct page + off) as the bytes of pfn's struct page. */
export function decodeBytes(key: string, pfn: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  key.split(' ').forEach((w, i) => {
    let v = w.startsWith('@') ? VMEMMAP + BigInt(pfn) * BigInt(size) + BigInt(w.slice(1)) : BigInt(`0x${w}`);
    for (let b = 0; b < 8 && i * 8 + b < size; b++) {
      out[i * 8 + b] = Number(v & 0xffn);
      v >>= 8n;
    }
  });
  return out;
}

/** A dumps-table entry as pfn's dump_page() text. */
export function decodeDump(text: string, pfn: number, size: number): string {
  return text.replace(/\{pfn\}/g, `0x${pfn.toString(16)}`).replace(/\{@(\d+)\}/g, (_, off: string) => (VMEMMAP + BigInt(pfn) * BigInt(size) + BigInt(off)).toString(16));
}

/** A field of struct page under one variant (a leaf of its layout). */
export interface ViewField {
  readonly path: string;
  readonly offset: number;
  readonly size: number;
  readonly type: string;
  /** The innermost union or struct member the field sits in, if any (`rcu_head`, `memdesc`...). */
  readonly within: string | null;
}

/** A struct's layout under one variant. */
export interface ViewLayout {
  readonly struct: string;
  readonly variant: string;
  readonly size: number;
  readonly fields: readonly ViewField[];
}

/** A report as the timeline shows it. */
export interface ViewReport {
  readonly kind: string;
  readonly message: string;
  readonly pfn: number | null;
  readonly text: string;
}

export interface ViewStep {
  readonly index: number;
  readonly call: string;
  readonly line: number;
  /** The result as `pagesim run` prints it (empty for void). */
  readonly result: string;
  readonly reports: readonly ViewReport[];
  readonly expectFailure: string | null;
}

/** A write to a watched struct page, as `pagesim run --watch` finds it. */
export interface ViewWrite {
  readonly pfn: number;
  readonly step: number;
  readonly function: string;
  readonly stack: readonly string[];
  /** Bytes of struct page written, [start, end), widened to the fields over them. */
  readonly start: number;
  readonly end: number;
  readonly old: string;
  readonly new: string;
  readonly fields: readonly string[];
  readonly meaning: readonly string[];
}

/** Counters sampled before the first step (index 0) and after each recorded step. */
export interface ViewCounters {
  readonly names: readonly string[];
  /** values[i][s]: counter i after step s (s = 0: before the first step). */
  readonly values: readonly (readonly number[])[];
}

/** One variant's run of the scenario. */
export interface ViewRun {
  readonly variant: string;
  readonly outcome: string;
  readonly expected: string;
  readonly summary: string;
  readonly failures: readonly string[];
  readonly buildErrors: readonly string[];
  readonly steps: readonly ViewStep[];
  readonly stepsRun: number;
  /** Reports after the last step (the whole-machine checker). */
  readonly after: readonly ViewReport[];
  readonly layout: ViewLayout;
  /** Steps with machine state recorded (1..recordedSteps); later ones are listed only. */
  readonly recordedSteps: number;
  /** Page state per pfn before the first step, and per step [pfn, state, pfn, state, ...]. */
  readonly states: { readonly initial: Rle; readonly deltas: readonly (readonly number[])[] };
  /** struct page bytes: table of distinct contents (hex, little-endian bytes in order); per pfn an index. */
  readonly bytes: { readonly table: readonly string[]; readonly initial: Rle; readonly deltas: readonly (readonly number[])[] };
  /** dump_page() text per pfn: table of distinct texts with `{pfn}` for the pfn; per pfn an index. */
  readonly dumps: { readonly table: readonly string[]; readonly initial: Rle; readonly deltas: readonly (readonly number[])[] };
  /** The struct pages watched for writes (the others show what changed, not who wrote it). */
  readonly watched: readonly number[];
  readonly writes: readonly ViewWrite[];
  readonly counters: ViewCounters;
}

/** The first step at which the variants' runs differ, and how. */
export interface ViewDivergence {
  /** The step; null when every step agrees and the runs part at the end, in the whole-machine checker's reports. */
  readonly step: number | null;
  readonly why: string;
}

export interface ViewData {
  readonly kind: 'scenario';
  readonly scenario: string;
  readonly file: string;
  readonly description: string;
  readonly nrPages: number;
  readonly runs: readonly ViewRun[];
  readonly divergence: ViewDivergence | null;
  /** The page the view opens on: the first report's page, else the first watched page (a --page, then a page a step names), else the first page a step allocated. */
  readonly focusPfn: number;
  readonly states: readonly string[];
}

/** `pagesim layout --html`: layouts of one struct under several variants. */
export interface LayoutViewData {
  readonly kind: 'layout';
  readonly struct: string;
  readonly layouts: readonly ViewLayout[];
}

/** `pagesim replay --html`: free memory over a replayed trace. */
export interface ReplayViewData {
  readonly kind: 'replay';
  readonly trace: string;
  readonly variant: string;
  readonly events: number;
  /** Sample points in trace time (seconds). */
  readonly time: readonly number[];
  /** Free blocks per order over time: series[order][sample]. */
  readonly freeByOrder: readonly (readonly number[])[];
  /** Free pages per migratetype over time. */
  readonly migratetypes: readonly string[];
  readonly freeByType: readonly (readonly number[])[];
  /** Events per second per event type, over the same samples. */
  readonly eventTypes: readonly string[];
  readonly eventRates: readonly (readonly number[])[];
  /** The model's free blocks per order at the end vs the real t1 snapshot's (null without one). */
  readonly compare: { readonly orders: readonly number[]; readonly model: readonly number[]; readonly real: readonly number[] } | null;
  readonly summary: readonly string[];
}

export type AnyViewData = ViewData | LayoutViewData | ReplayViewData;
