/**
 * The data of `pagesim view`: a scenario run under each variant with a
 * ViewRecorder (states, bytes and dumps per step) and a Watcher on a few
 * struct pages (who wrote which bytes), and where the runs first differ.
 *
 * Which pages are watched: every page a report of any variant names, every
 * page a step hands out or takes, and the pages given with --page, in that
 * order, at most MAX_WATCHED_PAGES (each watched page is compared on every
 * kernel call, so the set is kept small). The same set is watched under
 * every variant, so the struct page view compares like with like.
 */

import type { Scenario } from '../scenario/types.js';
import type { StructLayout } from '../layout/layout.js';
import { typeName } from '../layout/ctype.js';
import { runScenario, runScenarioWithMachine, type RunResult, type ResultValue } from '../engine/run.js';
import { formatValue, summarize } from '../format/run.js';
import { Watcher } from '../observe/watch.js';
import { parseTarget } from '../observe/target.js';
import { buildVariant } from '../engine/build.js';
import type { Report } from '../report/report.js';
import { ViewRecorder } from './record.js';
import { PAGE_STATES, rleDecode, type ViewData, type ViewDivergence, type ViewLayout, type ViewReport, type ViewRun, type ViewWrite } from './data.js';

/** Struct pages watched for writes in one view. */
export const MAX_WATCHED_PAGES = 32;

export function viewLayout(l: StructLayout, variant: string): ViewLayout {
  return {
    struct: l.name,
    variant,
    size: l.size,
    fields: l.fields.filter((f) => f.leaf).map((f) => ({ path: f.path, offset: f.offset, size: f.size, type: typeName(f.type), within: f.within.length > 0 ? f.within[f.within.length - 1]! : null })),
  };
}

/** Of a whole struct page's raw words (as a watch prints them), the words over bytes [start, end). */
export function wordsOver(words: string, start: number, end: number): string {
  return words
    .split(' ')
    .filter((_, i) => i * 8 < end && start < i * 8 + 8)
    .join(' ');
}

function viewReport(r: Report): ViewReport {
  return { kind: r.kind, message: r.message, pfn: r.pfn, text: r.text };
}

function pagesOf(v: ResultValue | undefined, out: number[]): void {
  if (v !== null && typeof v === 'object' && 'pfn' in v) out.push(v.pfn);
}

/** The pages to watch, from plain runs of every variant (see the module comment). */
export function pagesToWatch(runs: readonly RunResult[], extra: readonly number[], nrPages: number): number[] {
  const reported: number[] = [];
  const handled: number[] = [];
  for (const run of runs) {
    for (const r of run.reports) if (r.pfn !== null) reported.push(r.pfn);
    for (const s of run.steps) {
      pagesOf(s.result, handled);
      for (const a of Object.values(s.args ?? {})) pagesOf(a, handled);
    }
  }
  const out: number[] = [];
  for (const pfn of [...extra, ...reported, ...handled]) if (pfn >= 0 && pfn < nrPages && !out.includes(pfn) && out.length < MAX_WATCHED_PAGES) out.push(pfn);
  return out;
}

export interface ViewOptions {
  readonly variants: readonly string[];
  /** Pages to watch besides the ones chosen (--page). */
  readonly pages: readonly number[];
  /** Called before each variant's recorded run (progress). */
  readonly progress?: (what: string) => void;
}

export function buildViewData(scn: Scenario, opts: ViewOptions): ViewData {
  // Recorded runs first; their reports and steps tell which pages to watch. The watched runs are
  // separate: a watcher wraps every kernel function, which the recorder's reads would pay for.
  const recorded = opts.variants.map((v) => {
    opts.progress?.(`${scn.name} [${v}]`);
    const recorder = new ViewRecorder();
    const { run, machine } = runScenarioWithMachine(scn, v, { observers: [recorder] });
    machine?.releaseMemory();
    return { run, rec: recorder.result() };
  });
  const watched = pagesToWatch(
    recorded.map((r) => r.run),
    opts.pages,
    Infinity,
  );
  const runs: ViewRun[] = recorded.map(({ run, rec }) => {
    const v = run.variant;
    opts.progress?.(`${scn.name} [${v}], watching ${watched.length} page${watched.length === 1 ? '' : 's'}`);
    const watcher = new Watcher(
      watched.map((pfn) => parseTarget(`pfn:0x${pfn.toString(16)}`, '--page')),
      v,
    );
    runScenario(scn, v, { observers: [watcher] });
    const writes: ViewWrite[] = watcher.results().flatMap((w) =>
      w.pfn === null ? [] : w.hits.map((h) => ({ pfn: w.pfn!, step: h.step, function: h.function, stack: h.stack, start: h.start, end: h.end, old: wordsOver(h.old, h.start, h.end), new: wordsOver(h.new, h.start, h.end), fields: h.fields, meaning: h.meaning })),
    );
    const layout = buildVariant(v).structs.get('page')!;
    return {
      variant: v,
      outcome: run.outcome,
      expected: run.expected,
      summary: summarize(run),
      failures: run.failures,
      buildErrors: run.buildErrors,
      steps: run.steps.map((s) => ({ index: s.index, call: s.call, line: s.line, result: formatValue(s.result, s.resultType), reports: s.reports.map(viewReport), expectFailure: s.expectFailure ?? null })),
      stepsRun: run.stepsRun,
      after: run.reports.filter((r) => r.step === undefined).map(viewReport),
      layout: viewLayout(layout, v),
      recordedSteps: rec.recordedSteps,
      states: rec.states,
      bytes: rec.bytes,
      dumps: rec.dumps,
      watched,
      writes,
      counters: rec.counters,
    };
  });
  const firstReport = runs.flatMap((r) => r.steps.flatMap((s) => s.reports)).find((r) => r.pfn !== null);
  return {
    kind: 'scenario',
    scenario: scn.name,
    file: scn.file,
    description: scn.description,
    nrPages: Math.max(...runs.map(sizeOf)),
    runs,
    divergence: firstDivergence(runs),
    focusPfn: firstReport?.pfn ?? watched[0] ?? 0,
    states: [...PAGE_STATES],
  };
}

/**
 * The first step at which the runs differ: in the step's result, in its
 * reports, or in the state of some pfn after it. Null with one run or when
 * all agree.
 */
export function firstDivergence(runs: readonly ViewRun[]): ViewDivergence | null {
  if (runs.length < 2) return null;
  const base = runs[0]!;
  const states = runs.map((r) => {
    const a = new Uint8Array(sizeOf(r));
    rleDecode(r.states.initial, a);
    return a;
  });
  const maxStep = Math.max(...runs.map((r) => r.stepsRun));
  for (let step = 1; step <= maxStep; step++) {
    const row = runs.map((r) => r.steps.find((s) => s.index === step));
    const b = row[0];
    for (let i = 1; i < runs.length; i++) {
      const o = row[i];
      if ((b === undefined) !== (o === undefined)) return { step, why: `${(b === undefined ? base : runs[i]!).variant} has no step ${step} (its run ended)` };
      if (b === undefined || o === undefined) continue;
      if (b.result !== o.result) return { step, why: `${base.variant} returns ${b.result || '(void)'}, ${runs[i]!.variant} returns ${o.result || '(void)'}` };
      const br = b.reports.map((r) => r.message).join('; ');
      const or = o.reports.map((r) => r.message).join('; ');
      if (br !== or) return { step, why: `${br === '' ? `${base.variant}: no report` : `${base.variant}: ${br}`}; ${or === '' ? `${runs[i]!.variant}: no report` : `${runs[i]!.variant}: ${or}`}` };
    }
    runs.forEach((r, i) => {
      const d = r.states.deltas[step - 1];
      if (d !== undefined) for (let j = 0; j + 1 < d.length; j += 2) states[i]![d[j]!] = d[j + 1]!;
    });
    for (let i = 1; i < runs.length; i++) {
      const a = states[0]!;
      const o = states[i]!;
      for (let pfn = 0; pfn < Math.min(a.length, o.length); pfn++) {
        if (a[pfn] !== o[pfn]) return { step, why: `pfn 0x${pfn.toString(16)} is ${PAGE_STATES[a[pfn]!]} under ${base.variant}, ${PAGE_STATES[o[pfn]!]} under ${runs[i]!.variant}` };
      }
    }
  }
  return null;
}

function sizeOf(r: ViewRun): number {
  let n = 0;
  for (let i = 1; i < r.states.initial.length; i += 2) n += r.states.initial[i]!;
  return n;
}
