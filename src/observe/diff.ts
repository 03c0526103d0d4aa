/**
 * Variant diffs: one scenario run under two variant stacks, and the first
 * step at which they part: a different result, different reports, or a
 * different set of struct pages changed or a page left in a different
 * state (refcount, mapcount, flags, page_type as dump_page() reads them).
 *
 * Raw words are shown, not compared: two variants may lay struct page out
 * differently (that is often the point of one), so the same state can be
 * different bytes. Raw words differing where nothing else does is noted
 * as the first step whose bytes differ, when the layouts are the same.
 *
 * Two passes, both deterministic: the first runs each variant with a
 * StepDigester (after every step, which struct pages' bytes changed, found
 * by comparing the memmap with a copy, and the state of each), finds the
 * first step that differs; the second runs both again with a PageCapture
 * taking the raw words of every page either side touched in that step,
 * before and after it. Nothing is added to a run that is not diffed.
 *
 * The result (VariantDiff) is plain data; src/format/diff.ts prints it.
 */

import { createHash } from 'node:crypto';
import type { Kernel } from '../kernel/kernel.js';
import { runScenario, type ObservedStep, type Outcome, type ResultValue, type RunObserver, type RunResult, type StepResult } from '../engine/run.js';
import type { Report } from '../report/report.js';
import type { Scenario } from '../scenario/types.js';
import { pageState, type PageState } from './timeline.js';
import { words } from './watch.js';

/** Most steps a diff follows; a run longer than that is compared up to there. */
export const MAX_DIFF_STEPS = 200_000;
/** Most struct pages whose state one step records; more are counted (and compared by count). */
export const MAX_STEP_PAGES = 4096;
/** Most pages a divergence shows. */
export const MAX_SHOWN_PAGES = 8;

/** A report as a diff compares it. */
export interface ReportBrief {
  readonly kind: string;
  readonly function: string;
  readonly reason: string;
  readonly message: string;
  readonly pfn: number | null;
}

/** What a struct page looks like to dump_page(), as compared. */
export interface PageLook {
  readonly refcount: number;
  readonly mapcount: number;
  readonly flags: string;
  readonly pageType: string | null;
}

/** What one step did, under one variant. */
export interface StepDigest {
  readonly index: number;
  readonly call: string;
  /** The struct pages whose bytes changed in the step, ascending, and each one's look after it (lookKey()). */
  readonly touched: readonly number[];
  readonly looks: readonly string[];
  readonly moreTouched: number;
}

/** One side of a page in the step where the runs part. */
export interface DiffPageSide {
  /** Whether this variant's step changed the page's bytes. */
  readonly touched: boolean;
  readonly look: PageLook;
  /** The struct page as 8-byte words (dump_page's raw lines) before and after the step. */
  readonly before: readonly string[];
  readonly after: readonly string[];
}

export interface DiffPage {
  readonly pfn: number;
  /** Whether the two looks differ (refcount, mapcount, flags or page_type). */
  readonly differs: boolean;
  readonly a: DiffPageSide;
  readonly b: DiffPageSide;
}

/** The step where the runs part, both sides. */
export interface Divergence {
  /** The step's index; null when every step agrees and the runs part at the end (the whole-machine checker). */
  readonly step: number | null;
  readonly call: string;
  /** What differs, one phrase each: `result`, `reports`, `pages changed`, `state of pfn 0x2000`, `steps run`. */
  readonly what: readonly string[];
  readonly a: DiffSide;
  readonly b: DiffSide;
  /** The pages either side changed in the step (or the reports name), the differing ones first, at most MAX_SHOWN_PAGES. */
  readonly pages: readonly DiffPage[];
  /** Pages touched in the step that are not shown (alike on both sides, or past the limit). */
  readonly morePages: number;
}

export interface DiffSide {
  /** The step's result (null: the step returns nothing, or it did not complete). */
  readonly result: ResultValue | null;
  readonly resultType: string;
  /** The step did not run under this variant (the run had ended). */
  readonly ran: boolean;
  readonly killed: boolean;
  readonly reports: readonly ReportBrief[];
}

export interface VariantDiff {
  readonly scenario: string;
  readonly file: string;
  readonly a: string;
  readonly b: string;
  readonly outcome: { readonly a: Outcome; readonly b: Outcome };
  readonly stepsRun: { readonly a: number; readonly b: number };
  /** Steps compared and found alike before the divergence (all of them when there is none). */
  readonly alike: number;
  readonly divergence: Divergence | null;
  /** With no divergence: the first step whose raw struct page bytes differ, when both use the same layout. */
  readonly firstRawDifference: number | null;
  /** Steps past MAX_DIFF_STEPS were not compared. */
  readonly truncated: boolean;
}

function brief(r: Report): ReportBrief {
  return { kind: r.kind, function: r.function, reason: r.reason, message: r.message, pfn: r.pfn };
}

function lookOf(s: PageState): PageLook {
  return { refcount: s.refcount, mapcount: s.mapcount, flags: s.flags, pageType: s.pageType };
}

/** A look as one string, to compare and to show: `refcount 1, mapcount 0, flags -, page_type f5(slab)`. */
function lookKey(l: PageLook): string {
  return `refcount ${l.refcount}, mapcount ${l.mapcount}, flags ${l.flags === '' ? '-' : l.flags}, page_type ${l.pageType ?? '-'}`;
}

/**
 * Follows a run step by step: after each, the struct pages whose bytes
 * changed (the memmap compared with a copy of it as the last step left it)
 * and their looks. `pagesim view` hands one to its recorded runs, so that
 * it finds the divergence `pagesim diff` finds (firstDivergence()).
 */
export class StepDigester implements RunObserver {
  constructor(private readonly progress: (step: number) => void = () => {}) {}

  readonly digests: StepDigest[] = [];
  /** A hash of the raw bytes changed per step (pfns and bytes), for runs on one layout. */
  readonly raw: string[] = [];
  truncated = false;
  private k: Kernel | null = null;
  private live = Buffer.alloc(0);
  private shadow = Buffer.alloc(0);
  private step = 0;
  private call = '';
  private pending = false;

  start(k: Kernel): void {
    this.k = k;
    this.live = Buffer.from(k.buf, 0, k.nr_pages * k.structPageSize);
    this.shadow = Buffer.from(this.live);
  }

  beforeStep(index: number, step: ObservedStep): void {
    this.step = index;
    this.call = step.call();
    this.pending = true;
  }

  afterStep(): void {
    this.take();
  }

  finish(): void {
    // A run that ended in a BUG ends inside its last step.
    if (this.pending) this.take();
  }

  private take(): void {
    this.pending = false;
    if ((this.step & 1023) === 0) this.progress(this.step);
    if (this.digests.length >= MAX_DIFF_STEPS) {
      this.truncated = true;
      return;
    }
    const k = this.k!;
    const touched: number[] = [];
    const looks: string[] = [];
    const raw = createHash('sha1');
    let more = 0;
    changedPages(this.live, this.shadow, k.structPageSize, (pfn) => {
      raw.update(`${pfn}:`).update(this.live.subarray(pfn * k.structPageSize, (pfn + 1) * k.structPageSize));
      if (touched.length >= MAX_STEP_PAGES) {
        more++;
        return;
      }
      touched.push(pfn);
      looks.push(lookKey(lookOf(pageState(k, pfn))));
    });
    this.digests.push({ index: this.step, call: this.call, touched, looks, moreTouched: more });
    this.raw.push(raw.digest('base64'));
  }
}

/** Bytes of memmap compared at once before looking closer: a changed block is split until its pages are found. */
const BLOCKS = [1 << 16, 1 << 11];

/**
 * Calls `changed(pfn)`, ascending, for every struct page whose bytes in
 * `live` differ from `shadow`, and brings the shadow up to date. Blocks are
 * compared with memcmp (Buffer.compare) and split only where they differ,
 * so a step that changed a few pages costs a pass of memcmp over the
 * memmap, not a loop over its words.
 */
export function changedPages(live: Buffer, shadow: Buffer, pageSize: number, changed: (pfn: number) => void): void {
  const scan = (start: number, end: number, level: number): void => {
    const size = level < BLOCKS.length ? Math.max(BLOCKS[level]! - (BLOCKS[level]! % pageSize), pageSize) : pageSize;
    for (let off = start; off < end; off += size) {
      const e = Math.min(end, off + size);
      if (live.compare(shadow, off, e, off, e) === 0) continue;
      if (size === pageSize) {
        live.copy(shadow, off, off, e);
        changed(off / pageSize);
      } else scan(off, e, level + 1);
    }
  };
  scan(0, live.length, 0);
}

/** Takes the raw words and looks of some pages before and after one step. */
class PageCapture implements RunObserver {
  readonly before = new Map<number, string[]>();
  readonly after = new Map<number, { look: PageLook; raw: string[] }>();
  private k: Kernel | null = null;
  private pending = false;

  constructor(
    private readonly step: number | null,
    private readonly pfns: readonly number[],
  ) {}

  start(k: Kernel): void {
    this.k = k;
  }

  beforeStep(index: number): void {
    if (index !== this.step) return;
    for (const p of this.pfns) this.before.set(p, this.raw(p));
    this.pending = true;
  }

  afterStep(index: number): void {
    if (index === this.step) this.take();
  }

  finish(): void {
    if (this.pending || this.step === null) {
      // The end of the run, for a divergence there: the pages as the checker reads them.
      if (this.step === null) for (const p of this.pfns) this.before.set(p, this.raw(p));
      this.take();
    }
  }

  private raw(pfn: number): string[] {
    const k = this.k!;
    return words(new Uint8Array(k.buf, pfn * k.structPageSize, k.structPageSize), 0).split(' ');
  }

  private take(): void {
    this.pending = false;
    for (const p of this.pfns) this.after.set(p, { look: lookOf(pageState(this.k!, p)), raw: this.raw(p) });
  }
}

function resultKey(s: StepResult | undefined): string {
  if (s === undefined || s.result === undefined || s.result === null) return 'null';
  const r = s.result;
  // A page is the same page by pfn: its address depends on the variant's sizeof(struct page).
  if (typeof r === 'object') return 'pfn' in r ? `pfn ${r.pfn}` : `handle ${r.handle}`;
  return JSON.stringify(r);
}

function reportsKey(rs: readonly Report[]): string {
  return rs.map((r) => `${r.kind} ${r.function}: ${r.reason}`).join('\n');
}

function side(step: StepResult | undefined, ran: boolean, reports: readonly Report[]): DiffSide {
  return { result: step?.result ?? null, resultType: step?.resultType ?? 'void', ran, killed: step?.killed === true, reports: reports.map(brief) };
}

/** A run as the divergence is found in it: its steps' results and reports, and what each step did to the memmap. */
export interface StepTrace {
  readonly run: RunResult;
  readonly d: StepDigester;
  readonly steps: ReadonlyMap<number, StepResult>;
}

export function stepTrace(run: RunResult, d: StepDigester): StepTrace {
  return { run, d, steps: new Map(run.steps.map((s) => [s.index, s])) };
}

interface Followed extends StepTrace {
  readonly layout: string;
}

/** Where a diff is, for a progress line: the pass (1: compare, 2: take the pages), the variant, the step. */
export type DiffProgress = (pass: number, variant: string, step: number) => void;

function follow(scn: Scenario, variant: string, progress: DiffProgress): Followed {
  const d = new StepDigester((step) => progress(1, variant, step));
  let layout = '';
  const probe: RunObserver = {
    start: (k) => {
      const page = k.layout('page');
      layout = page.fields.map((f) => `${f.path}@${f.offset}+${f.size}`).join(',');
    },
    beforeStep: () => {},
    afterStep: () => {},
    finish: () => {},
  };
  const run = runScenario(scn, variant, { observers: [d, probe] });
  return { ...stepTrace(run, d), layout };
}

/** What differs in step `i` (an empty list: nothing). */
export function compareStep(a: StepTrace, b: StepTrace, i: number): string[] {
  const what: string[] = [];
  const da = a.d.digests[i - 1];
  const db = b.d.digests[i - 1];
  if (da === undefined || db === undefined) return ['steps run'];
  const sa = a.steps.get(i);
  const sb = b.steps.get(i);
  if (resultKey(sa) !== resultKey(sb)) what.push('result');
  if ((sa?.killed === true) !== (sb?.killed === true)) what.push('the oops killed the task');
  if (reportsKey(sa?.reports ?? []) !== reportsKey(sb?.reports ?? [])) what.push('reports');
  if (da.touched.join(',') !== db.touched.join(',') || da.moreTouched !== db.moreTouched) what.push('pages changed');
  else {
    const differing = da.touched.filter((_, j) => da.looks[j] !== db.looks[j]);
    if (differing.length > 0) what.push(`state of ${differing.map((p) => `pfn 0x${p.toString(16)}`).join(', ')}`);
  }
  return what;
}

/** The checker's reports after the last step (no step index). */
function endReports(t: StepTrace): Report[] {
  return t.run.reports.filter((r) => r.step === undefined);
}

/**
 * Where two runs of one scenario part, the one definition `pagesim diff`
 * and `pagesim view` share: the first step whose result, reports, set of
 * struct pages changed or the state of one of them (refcount, mapcount,
 * flags, page_type) differ, or a step one run did not reach; when every
 * step agrees, the end (step null) if the whole-machine checker's reports
 * or the outcomes differ. Null when the runs do not part. `what` names what
 * differs, one phrase each.
 */
export function firstDivergence(a: StepTrace, b: StepTrace): { readonly step: number | null; readonly what: string[] } | null {
  const longest = Math.max(a.d.digests.length, b.d.digests.length);
  for (let i = 1; i <= longest; i++) {
    const what = compareStep(a, b, i);
    if (what.length > 0) return { step: i, what };
  }
  if (reportsKey(endReports(a)) !== reportsKey(endReports(b)) || a.run.outcome !== b.run.outcome) return { step: null, what: ['reports of the whole-machine checker'] };
  return null;
}

/** Runs a scenario under variants `a` and `b` and finds the first step where they part. */
export function diffVariants(scn: Scenario, a: string, b: string, progress: DiffProgress = () => {}): VariantDiff {
  const fa = follow(scn, a, progress);
  const fb = follow(scn, b, progress);
  const base = { scenario: scn.name, file: scn.file, a, b, outcome: { a: fa.run.outcome, b: fb.run.outcome }, stepsRun: { a: fa.run.stepsRun, b: fb.run.stepsRun } };
  const truncated = fa.d.truncated || fb.d.truncated;
  const n = Math.min(fa.d.digests.length, fb.d.digests.length);
  const found = firstDivergence(fa, fb);
  if (found === null) {
    let firstRaw: number | null = null;
    if (fa.layout === fb.layout) {
      const r = fa.d.raw.findIndex((x, i) => x !== fb.d.raw[i]);
      if (r >= 0) firstRaw = r + 1;
    }
    return { ...base, alike: n, divergence: null, firstRawDifference: firstRaw, truncated };
  }
  const at = found.step;
  if (at === null) {
    // Every step alike: the runs part at the end, in the checker's findings.
    const endA = endReports(fa);
    const endB = endReports(fb);
    const pfns = [...new Set([...endA, ...endB].flatMap((r) => (r.pfn === null ? [] : [r.pfn])))].sort((x, y) => x - y);
    return { ...base, alike: n, divergence: divergenceAt(scn, fa, fb, null, found.what, pfns, endA, endB, progress), firstRawDifference: null, truncated };
  }
  const da = fa.d.digests[at - 1];
  const db = fb.d.digests[at - 1];
  const reportPfns = [...(fa.steps.get(at)?.reports ?? []), ...(fb.steps.get(at)?.reports ?? [])].flatMap((r) => (r.pfn === null ? [] : [r.pfn]));
  const pfns = [...new Set([...(da?.touched ?? []), ...(db?.touched ?? []), ...reportPfns])].sort((x, y) => x - y);
  return { ...base, alike: at - 1, divergence: divergenceAt(scn, fa, fb, at, found.what, pfns, fa.steps.get(at)?.reports ?? [], fb.steps.get(at)?.reports ?? [], progress), firstRawDifference: null, truncated };
}

/** The second pass: both runs again, taking the pages of the step where they part. */
function divergenceAt(scn: Scenario, fa: Followed, fb: Followed, step: number | null, what: string[], pfns: number[], repA: readonly Report[], repB: readonly Report[], progress: DiffProgress): Divergence {
  const capture = (variant: string): PageCapture => {
    progress(2, variant, 0);
    const c = new PageCapture(step, pfns);
    runScenario(scn, variant, { observers: [c] });
    return c;
  };
  const ca = capture(fa.run.variant);
  const cb = capture(fb.run.variant);
  const da = step === null ? undefined : fa.d.digests[step - 1];
  const db = step === null ? undefined : fb.d.digests[step - 1];
  const pageSide = (c: PageCapture, d: StepDigest | undefined, pfn: number): DiffPageSide | null => {
    const after = c.after.get(pfn);
    if (after === undefined) return null;
    return { touched: d?.touched.includes(pfn) === true, look: after.look, before: c.before.get(pfn) ?? after.raw, after: after.raw };
  };
  const all: DiffPage[] = [];
  for (const pfn of pfns) {
    const a = pageSide(ca, da, pfn);
    const b = pageSide(cb, db, pfn);
    if (a === null || b === null) continue;
    all.push({ pfn, differs: lookKey(a.look) !== lookKey(b.look), a, b });
  }
  // The pages that tell the story first: a different look, then a page only one side changed.
  const rank = (p: DiffPage): number => (p.differs ? 0 : p.a.touched !== p.b.touched ? 1 : 2);
  const interesting = all.filter((p) => rank(p) < 2 || repA.some((r) => r.pfn === p.pfn) || repB.some((r) => r.pfn === p.pfn));
  const shown = [...interesting].sort((x, y) => rank(x) - rank(y) || x.pfn - y.pfn).slice(0, MAX_SHOWN_PAGES);
  const call = step === null ? '(after the last step)' : (da ?? db)!.call;
  const stepA = step === null ? undefined : fa.steps.get(step);
  const stepB = step === null ? undefined : fb.steps.get(step);
  return {
    step,
    call,
    what,
    a: side(stepA, step === null || da !== undefined, repA),
    b: side(stepB, step === null || db !== undefined, repB),
    pages: shown,
    morePages: all.length - shown.length + ((da?.moreTouched ?? 0) + (db?.moreTouched ?? 0)),
  };
}
