/**
 * Page timelines: one struct page followed through a run, an entry for
 * every step after which its bytes differ: refcount, mapcount, flags and
 * page_type as dump_page() reads them, and the raw words that changed.
 *
 * The state is read after each step from the bytes, through the kernel's
 * own dump_page() (read-only), so it is exactly what a dump at that moment
 * would print. The result is plain data (TimelineResult); the text is in
 * src/format/observe.ts.
 */

import type { Kernel } from '../kernel/kernel.js';
import type { Bound, ObservedStep, RunObserver } from '../engine/run.js';
import { resolvePage, type Target } from './target.js';
import { words } from './watch.js';

export interface TimelineEntry {
  /** The step after which the page looked like this (0: before the first step). */
  readonly step: number;
  readonly call: string;
  /** From dump_page()'s first lines. */
  readonly refcount: number;
  readonly mapcount: number;
  readonly mapping: string;
  readonly index: string;
  /** The flags word and the flag names set (node, zone and last_cpupid left out), e.g. `head|lru`. */
  readonly flagsWord: string;
  readonly flags: string;
  /** `f2(table)`, or null without a page type. */
  readonly pageType: string | null;
  /** The struct page as 8-byte words (dump_page's raw lines), and which of them changed since the entry before. */
  readonly raw: readonly string[];
  readonly changed: readonly number[];
  /** The whole dump_page() text. */
  readonly dump: readonly string[];
}

/** A struct page as dump_page() reads it: the fields a timeline and a variant diff compare. */
export type PageState = Omit<TimelineEntry, 'step' | 'call' | 'raw' | 'changed'>;

/** dump_page() of a page, read without leaving a trace: a report or a console line it made is taken back. */
export function pageState(k: Kernel, pfn: number): PageState {
  const reports = k.reports.length;
  const consoleLines = k.console.length;
  const consoleDropped = k.consoleDropped;
  const dump = k.dump_page_lines(pfn, null, false);
  k.reports.length = reports;
  k.console.length = consoleLines;
  k.consoleDropped = consoleDropped;
  const head = /refcount:(-?\d+) mapcount:(-?\d+) mapping:(\w+) index:(\w+)/.exec(dump.find((l) => l.startsWith('page: ')) ?? '');
  const flagLine = /flags: (0x[0-9a-f]+)\((.*)\)/.exec(dump.find((l) => /^(\w+ )?flags: /.test(l)) ?? '');
  const names = (flagLine?.[2] ?? '').split('|').filter((f) => f !== '' && !/^(node|zone|lastcpupid)=/.test(f));
  const type = /^page_type: (.*)$/.exec(dump.find((l) => l.startsWith('page_type: ')) ?? '');
  return {
    refcount: head === null ? 0 : Number(head[1]),
    mapcount: head === null ? 0 : Number(head[2]),
    mapping: head?.[3] ?? '',
    index: head?.[4] ?? '',
    flagsWord: flagLine?.[1] ?? '',
    flags: names.join('|'),
    pageType: type?.[1] ?? null,
    dump,
  };
}

export interface TimelineResult {
  readonly target: string;
  readonly variant: string;
  readonly pfn: number | null;
  readonly entries: readonly TimelineEntry[];
  /** Steps run while the page was followed, changed or not. */
  readonly steps: number;
  /** Changes after the first MAX_TIMELINE_ENTRIES, counted only. */
  readonly moreEntries: number;
}

/** Most entries one timeline keeps; later changes are counted. */
export const MAX_TIMELINE_ENTRIES = 10_000;

export class Timeline implements RunObserver {
  private k: Kernel | null = null;
  private pfn: number | null = null;
  private last: Uint8Array | null = null;
  private readonly entries: TimelineEntry[] = [];
  /** The step after which the page was first followed. */
  private from = 0;
  private more = 0;
  private step = 0;
  private call = '';

  constructor(
    readonly target: Target,
    private readonly variant: string,
  ) {}

  start(k: Kernel): void {
    this.k = k;
    const pfn = resolvePage(this.target, null, k.nr_pages, '--timeline');
    if (pfn !== null) this.follow(pfn, 0, '(before the first step)');
  }

  beforeStep(index: number, step: ObservedStep): void {
    this.step = index;
    this.call = step.call();
  }

  afterStep(index: number, step: ObservedStep, handles: (name: string) => Bound | undefined): void {
    if (this.pfn === null) {
      const pfn = resolvePage(this.target, handles, this.k!.nr_pages, '--timeline');
      if (pfn !== null) this.follow(pfn, index, step.call());
      return;
    }
    this.record(index, this.call);
  }

  finish(): void {
    // A run that ended in an oops ends inside its last step: the page as the oops left it.
    if (this.pfn !== null) this.record(this.step, this.call);
  }

  result(): TimelineResult {
    return { target: this.target.text, variant: this.variant, pfn: this.pfn, entries: this.entries, steps: this.pfn === null ? 0 : this.step - this.from, moreEntries: this.more };
  }

  private follow(pfn: number, step: number, call: string): void {
    this.pfn = pfn;
    this.from = step;
    this.record(step, call);
  }

  private bytes(): Uint8Array {
    const k = this.k!;
    return new Uint8Array(k.buf, this.pfn! * k.structPageSize, k.structPageSize);
  }

  private record(step: number, call: string): void {
    const now = this.bytes();
    const prev = this.last;
    if (prev !== null && prev.every((b, i) => b === now[i])) return;
    if (this.entries.length >= MAX_TIMELINE_ENTRIES) {
      this.more++;
      this.last = now.slice();
      return;
    }
    const raw = words(now, 0).split(' ');
    const before = prev === null ? null : words(prev, 0).split(' ');
    this.last = now.slice();
    this.entries.push({ step, call, ...this.state(), raw, changed: before === null ? [] : raw.flatMap((w, i) => (w !== before[i] ? [i] : [])) });
  }

  private state(): PageState {
    return pageState(this.k!, this.pfn!);
  }
}
