/**
 * Byte watchpoints on struct pages: who wrote these bytes, in which
 * kernel function, called from where.
 *
 * Nothing watches the kernel's writes themselves (the hot paths stay as
 * they are). In watch mode only, every kernel function of the machine
 * (every method of its class chain that has a kernel symbol) is wrapped,
 * and on each call's entry and return the watched bytes are compared with
 * the value last seen. A change first seen on entry to G was written by
 * the function that is calling G; a change first seen on return from F,
 * whose callees were all checked on their own entry and return, was
 * written by F itself. Helpers without a kernel symbol (list pointer
 * stores, field accessors) are part of the kernel function that called
 * them. The call stack is the stack of wrapped calls, innermost first,
 * the same functions the oops call traces show. Writes that no kernel
 * function made (an operation's own setup) are the step's.
 *
 * The result is plain data (WatchResult); src/format/observe.ts prints it.
 */

import type { Kernel } from '../kernel/kernel.js';
import { PAGE_OFFSET_HI, VMEMMAP_HI } from '../kernel/machine.js';
import { LIST_POISON1, LIST_POISON2 } from '../kernel/config.js';
import type { Bound, ObservedStep, RunObserver } from '../engine/run.js';
import type { StructLayout } from '../layout/layout.js';
import { bytesOf, fieldsOver, pageOverlays, resolvePage, type Overlay, type Target, type TargetBytes } from './target.js';
import { buildVariant } from '../engine/build.js';

/** One write seen by a watchpoint. */
export interface WatchHit {
  /** The step during which it happened (0: before the first step). */
  readonly step: number;
  /** That step as a call. */
  readonly call: string;
  /** The kernel function that wrote (the operation's name when no kernel function did). */
  readonly function: string;
  /** The kernel functions on the stack, innermost (the writer) first. */
  readonly stack: readonly string[];
  /**
   * The bytes written, as offsets in struct page, [start, end): the fields
   * over the bytes that changed, within the watched range (a refcount going
   * 1 -> 0 changes one byte of the four _refcount has).
   */
  readonly start: number;
  readonly end: number;
  /** The bytes whose value changed: [start, end). */
  readonly changed: readonly [number, number];
  /** The watched bytes before and after, as the little-endian words dump_page's raw lines show. */
  readonly old: string;
  readonly new: string;
  /** The fields of struct page that overlay the changed bytes under this variant. */
  readonly fields: readonly string[];
  /** What each changed 8-byte word now holds, when it is recognisable: a kernel function, a list poison, a struct page. */
  readonly meaning: readonly string[];
}

/** A watchpoint and everything it saw in one run. */
export interface WatchResult {
  readonly target: string;
  readonly variant: string;
  /** The watched struct page (null: its handle was never bound). */
  readonly pfn: number | null;
  readonly start: number;
  readonly end: number;
  /** Every field of struct page overlaying the watched bytes under this variant. */
  readonly fields: readonly string[];
  /** When the target named a field of a struct over struct page (`p:slab_cache`): that struct and its fields watched. */
  readonly overlay?: { readonly struct: string; readonly fields: readonly string[] };
  /** The value when watching began, and the step after which it began (0: before the first step). */
  readonly initial: string | null;
  readonly from: number;
  readonly hits: readonly WatchHit[];
  /** Writes after the first MAX_WATCH_HITS, counted only. */
  readonly moreHits: number;
  /** The value when the run ended. */
  readonly final: string | null;
}

/** Most writes one watchpoint records in a run; later ones are counted. */
export const MAX_WATCH_HITS = 10_000;

/**
 * The watchpoints of one run. Give it to the runner as an observer; its
 * results() are the data.
 */
export class Watcher implements RunObserver {
  private k: Kernel | null = null;
  private readonly points: Point[];
  private readonly stack: string[] = [];
  private step = 0;
  private stepCall = '';
  private stepOp = '';
  private readonly installed: string[] = [];

  constructor(
    targets: readonly Target[],
    private readonly variant: string,
  ) {
    this.points = targets.map((t) => new Point(t));
  }

  start(k: Kernel): void {
    this.k = k;
    const page = k.layout('page');
    const overlays = pageOverlays(buildVariant(this.variant).assertions, k.layouts);
    for (const p of this.points) p.prepare(page, this.variant, overlays);
    for (const p of this.points) {
      const pfn = resolvePage(p.target, null, k.nr_pages, '--watch');
      if (pfn !== null) p.begin(k, pfn, 0);
    }
    this.wrapKernelFunctions(k);
  }

  beforeStep(index: number, step: ObservedStep): void {
    this.step = index;
    this.stepCall = step.call();
    this.stepOp = step.op;
    this.stack.length = 0;
  }

  afterStep(index: number, step: ObservedStep, handles: (name: string) => Bound | undefined): void {
    // Whatever changed outside every kernel function is the operation's own doing.
    this.stack.length = 0;
    this.check(this.stepOp);
    void step;
    for (const p of this.points) {
      if (p.pfn !== null) continue;
      const pfn = resolvePage(p.target, handles, this.k!.nr_pages, '--watch');
      if (pfn !== null) p.begin(this.k!, pfn, index);
    }
  }

  finish(k: Kernel): void {
    this.check(this.stack[this.stack.length - 1] ?? this.stepOp);
    for (const name of this.installed) delete (k as unknown as Record<string, unknown>)[name];
    this.installed.length = 0;
  }

  results(): WatchResult[] {
    return this.points.map((p) => p.result(this.variant));
  }

  /** Compares every watchpoint with its last value; a change is `writer`'s, called through the current stack. */
  private check(writer: string): void {
    for (const p of this.points) if (p.changed()) p.record(this.k!, this.step, this.stepCall, writer, this.stack.length > 0 ? this.stack.slice().reverse() : [writer]);
  }

  /**
   * Shadows every kernel function of the machine's class chain with a
   * wrapper on the instance, so that calls through `this` (and the RCU
   * callbacks looked up by name) pass through it.
   */
  private wrapKernelFunctions(k: Kernel): void {
    const seen = new Set<string>();
    const self = this;
    const stack = this.stack;
    for (let proto = Object.getPrototypeOf(k) as object | null; proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
      for (const name of Object.getOwnPropertyNames(proto)) {
        if (seen.has(name) || name === 'constructor') continue;
        seen.add(name);
        const d = Object.getOwnPropertyDescriptor(proto, name);
        if (d === undefined || typeof d.value !== 'function' || k.symbols.get(name) === undefined) continue;
        const fn = (k as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!;
        const wrapper = function (this: Kernel, ...args: unknown[]): unknown {
          // A change before this call is the caller's.
          self.check(stack[stack.length - 1] ?? self.stepOp);
          stack.push(name);
          try {
            return fn.apply(this, args);
          } finally {
            self.check(name);
            stack.pop();
          }
        };
        Object.defineProperty(k, name, { value: wrapper, configurable: true, writable: true, enumerable: false });
        this.installed.push(name);
      }
    }
  }
}

/** One watchpoint: its bytes, last value and hits. */
class Point {
  pfn: number | null = null;
  private range: TargetBytes = { start: 0, end: 0 };
  private allFields: string[] = [];
  private pageFields: (start: number, end: number) => string[] = () => [];
  private fieldExtent: (start: number, end: number) => [number, number] = (s, e) => [s, e];
  private last: Uint8Array = new Uint8Array(0);
  private view: Uint8Array = new Uint8Array(0);
  private initial: string | null = null;
  private from = 0;
  private readonly hits: WatchHit[] = [];
  private dropped = 0;

  constructor(readonly target: Target) {}

  prepare(page: StructLayout, variant: string, overlays: readonly Overlay[]): void {
    this.range = bytesOf(this.target, page, variant, '--watch', overlays);
    this.allFields = fieldsOver(page, this.range.start, this.range.end);
    this.pageFields = (s, e) => fieldsOver(page, s, e);
    this.fieldExtent = (s, e) => {
      const over = page.fields.filter((f) => f.leaf && f.offset < e && s < f.offset + f.size);
      if (over.length === 0) return [s, e];
      return [Math.max(this.range.start, Math.min(...over.map((f) => f.offset))), Math.min(this.range.end, Math.max(...over.map((f) => f.offset + f.size)))];
    };
  }

  begin(k: Kernel, pfn: number, step: number): void {
    this.pfn = pfn;
    this.from = step;
    this.view = new Uint8Array(k.buf, pfn * k.structPageSize + this.range.start, this.range.end - this.range.start);
    this.last = this.view.slice();
    this.initial = words(this.last, this.range.start);
  }

  /** Whether the bytes differ from the value last seen. */
  changed(): boolean {
    const v = this.view;
    const last = this.last;
    for (let i = 0; i < v.length; i++) if (v[i] !== last[i]) return true;
    return false;
  }

  /** Records the change changed() found, as `writer`'s with `stack` (innermost first). */
  record(k: Kernel, step: number, call: string, writer: string, stack: readonly string[]): void {
    const v = this.view;
    const last = this.last;
    let first = -1;
    let lastChanged = -1;
    for (let i = 0; i < v.length; i++) {
      if (v[i] !== last[i]) {
        if (first < 0) first = i;
        lastChanged = i;
      }
    }
    const old = words(last, this.range.start);
    last.set(v);
    if (this.hits.length >= MAX_WATCH_HITS) {
      this.dropped++;
      return;
    }
    const changed: [number, number] = [this.range.start + first, this.range.start + lastChanged + 1];
    const [start, end] = this.fieldExtent(changed[0], changed[1]);
    this.hits.push({
      step,
      call: step === 0 ? '(before the first step)' : call,
      function: writer,
      stack,
      start,
      end,
      changed,
      old,
      new: words(last, this.range.start),
      fields: this.pageFields(start, end),
      meaning: meanings(k, this.pfn!, last, this.range.start, start, end),
    });
  }

  result(variant: string): WatchResult {
    return {
      target: this.target.text,
      variant,
      pfn: this.pfn,
      start: this.range.start,
      end: this.range.end,
      fields: this.allFields,
      ...(this.range.overlay === undefined ? {} : { overlay: this.range.overlay }),
      initial: this.initial,
      from: this.from,
      hits: this.hits,
      moreHits: this.dropped,
      final: this.pfn === null ? null : words(this.view, this.range.start),
    };
  }
}

/**
 * Bytes of struct page from offset `at` as dump_page's raw words print them:
 * each aligned 8-byte word as a little-endian number (a partial word as the
 * bytes it has), separated by spaces.
 */
export function words(bytes: Uint8Array, at: number): string {
  return wordSpans(at, bytes.length)
    .map(([s, e]) => {
      let hex = '';
      for (let j = e - 1; j >= s; j--) hex += bytes[j - at]!.toString(16).padStart(2, '0');
      return hex;
    })
    .join(' ');
}

/** The words words() prints for `len` bytes from offset `at`, as [start, end) offsets in struct page. */
export function wordSpans(at: number, len: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = at; i < at + len; ) {
    const end = Math.min(at + len, (Math.floor(i / 8) + 1) * 8);
    out.push([i, end]);
    i = end;
  }
  return out;
}

/** What the aligned 8-byte words overlapping [start, end) now hold, where that is recognisable. */
function meanings(k: Kernel, pfn: number, bytes: Uint8Array, at: number, start: number, end: number): string[] {
  const out: string[] = [];
  const base = pfn * k.structPageSize;
  for (let w = Math.floor(start / 8) * 8; w < end; w += 8) {
    if (w < at || w + 8 > at + bytes.length) continue;
    const lo = k.m32[(base + w) >> 2]!;
    const hi = k.m32[((base + w) >> 2) + 1]!;
    const v = (BigInt(hi) << 32n) | BigInt(lo);
    const m = meaning(k, v, hi, lo);
    if (m !== null) out.push(`bytes ${w}..${w + 7}: ${m}`);
  }
  return out;
}

function meaning(k: Kernel, v: bigint, hi: number, lo: number): string | null {
  if (v === LIST_POISON1) return 'LIST_POISON1';
  if (v === LIST_POISON2) return 'LIST_POISON2';
  const sym = k.symbols.lookup(v);
  if (sym !== undefined) return sym.offset === 0 ? `&${sym.sym.name}` : k.symbols.format(v);
  // A memdesc or tagged pointer keeps a type in its low bits: name the symbol under them too.
  const untagged = k.symbols.lookup(v & ~0xfn);
  if (untagged !== undefined && untagged.offset === 0) return `&${untagged.sym.name} | ${Number(v & 0xfn)}`;
  if (hi >= PAGE_OFFSET_HI && hi < PAGE_OFFSET_HI + 0x40) {
    // A direct-map address: kernel data (list heads), a slab object, a page's contents; a pointer
    // with bits below 8-byte alignment set carries a type in its low 4 bits (a memdesc).
    const tag = (lo & 7) !== 0 ? lo & 0xf : 0;
    const phys = (hi - PAGE_OFFSET_HI) * 2 ** 32 + (lo - tag);
    const p = Math.floor(phys / 4096);
    const where = p >= k.kdataPfn && p < k.kdataPfn + k.kdataBytes / 4096 ? 'kernel data' : 'direct map';
    if (p < k.nr_pages) return `${tag !== 0 ? `${(v - BigInt(tag)).toString(16)} | ${tag}: ` : ''}${where}, pfn 0x${p.toString(16)} + 0x${(phys % 4096).toString(16)}`;
  }
  if (hi === VMEMMAP_HI) {
    const off = lo % k.structPageSize;
    const p = Math.floor(lo / k.structPageSize);
    if (p < k.nr_pages) return `struct page of pfn 0x${p.toString(16)}${off === 0 ? '' : ` + ${off}`}`;
  }
  return null;
}
