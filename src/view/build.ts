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
import { runScenario, runScenarioWithMachine, type Bound, type RunObserver, type RunResult, type ResultValue } from '../engine/run.js';
import type { Kernel } from '../kernel/kernel.js';
import { formatValue, summarize } from '../format/run.js';
import { Watcher } from '../observe/watch.js';
import { parseTarget, resolvePage, type Target } from '../observe/target.js';
import { firstDivergence as runsPart, StepDigester, stepTrace, type StepTrace } from '../observe/diff.js';
import { buildVariant } from '../engine/build.js';
import type { Report } from '../report/report.js';
import { ViewRecorder } from './record.js';
import { InputError } from '../util/errors.js';
import { PAGE_STATES, STATE_ALLOCATED, type ViewData, type ViewDivergence, type ViewLayout, type ViewReport, type ViewRun, type ViewWrite } from './data.js';

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
  /** Pages to watch besides the ones chosen (--page): targets as `--timeline` takes them (a handle, `p+1`, `pfn:0x2016`; parsePage()). */
  readonly pages: readonly Target[];
  /** Called before each variant's recorded run (progress). */
  readonly progress?: (what: string) => void;
}

/** The option's name in errors. */
const PAGE_OPTION = 'view: --page';

/** Parses a `--page` argument with the parser of `--timeline` (a handle, `p+1`, `pfn:N`); a bare pfn is `pfn:` it. */
export function parsePage(text: string): Target {
  const t = text.trim();
  return { ...parseTarget(/^(0x[0-9a-fA-F]+|\d+)$/.test(t) ? `pfn:${t}` : t, PAGE_OPTION, false), text };
}

/** Resolves --page targets in a run: a pfn at once, a handle when a step binds it to a page (its first binding). */
class PageResolver implements RunObserver {
  readonly pfns: (number | null)[];
  private nrPages = 0;

  constructor(private readonly targets: readonly Target[]) {
    this.pfns = targets.map(() => null);
  }

  start(k: Kernel): void {
    this.nrPages = k.nr_pages;
    this.targets.forEach((t, i) => {
      if (t.page.kind === 'pfn') this.pfns[i] = resolvePage(t, null, this.nrPages, PAGE_OPTION);
    });
  }

  beforeStep(): void {}

  afterStep(_index: number, _step: unknown, handles: (name: string) => Bound | undefined): void {
    this.targets.forEach((t, i) => {
      if (this.pfns[i] === null) this.pfns[i] = resolvePage(t, handles, this.nrPages, PAGE_OPTION);
    });
  }

  finish(): void {}
}

export function buildViewData(scn: Scenario, opts: ViewOptions): ViewData {
  const targets = opts.pages;
  // The step digests only serve the first divergence, which needs two runs to compare.
  const compared = opts.variants.length > 1;
  // Recorded runs first; their reports and steps tell which pages to watch. The watched runs are
  // separate: a watcher wraps every kernel function, which the recorder's reads would pay for.
  const recorded = opts.variants.map((v) => {
    opts.progress?.(`${scn.name} [${v}]`);
    const recorder = new ViewRecorder();
    const digester = compared ? new StepDigester() : null;
    const resolver = new PageResolver(targets);
    const { run, machine } = runScenarioWithMachine(scn, v, { observers: digester === null ? [recorder, resolver] : [recorder, digester, resolver] });
    machine?.releaseMemory();
    return { run, rec: recorder.result(), trace: digester === null ? null : stepTrace(run, digester), resolver };
  });
  // A handle is the page it is bound to in the first run that binds it.
  const extra = targets.map((t, i) => {
    const pfn = recorded.map((r) => r.resolver.pfns[i]!).find((p) => p !== null);
    if (pfn === undefined) throw new InputError(`${PAGE_OPTION} ${t.text}: no step binds handle "${t.page.kind === 'handle' ? t.page.name : ''}" to a page`, scn.file);
    return pfn;
  });
  const watched = pagesToWatch(
    recorded.map((r) => r.run),
    extra,
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
    divergence: compared ? firstDivergence(recorded.map((r) => r.trace!)) : null,
    focusPfn: firstReport?.pfn ?? watched[0] ?? firstAllocated(runs[0]!) ?? 0,
    states: [...PAGE_STATES],
  };
}

/**
 * The view's first divergence: where some variant's run parts from the
 * first variant's, by the definition `pagesim diff` uses (firstDivergence()
 * of src/observe/diff.ts: a step's result, reports, the set of struct pages
 * it changed, or the state of one of them: refcount, mapcount, flags,
 * page_type; else the whole-machine checker at the end, step null). The
 * earliest over the variants; null with one run or when all agree.
 */
export function firstDivergence(traces: readonly StepTrace[]): ViewDivergence | null {
  if (traces.length < 2) return null;
  const base = traces[0]!;
  let best: { step: number | null; what: string[]; other: StepTrace } | null = null;
  for (const other of traces.slice(1)) {
    const found = runsPart(base, other);
    if (found === null) continue;
    if (best === null || (found.step !== null && (best.step === null || found.step < best.step))) best = { ...found, other };
  }
  return best === null ? null : { step: best.step, why: why(base, best.other, best.step, best.what) };
}

/** How two runs differ at a step, in words, each side's values named by variant (`what`: diff's phrases). */
function why(a: StepTrace, b: StepTrace, step: number | null, what: readonly string[]): string {
  const va = a.run.variant;
  const vb = b.run.variant;
  if (step === null) {
    const end = (t: StepTrace): string => t.run.reports.filter((r) => r.step === undefined).map((r) => r.message).join('; ') || 'no report';
    return `the whole-machine checker: ${va}: ${end(a)}; ${vb}: ${end(b)}`;
  }
  const sa = a.steps.get(step);
  const sb = b.steps.get(step);
  const da = a.d.digests[step - 1];
  const db = b.d.digests[step - 1];
  const out: string[] = [];
  for (const w of what) {
    if (w === 'steps run') out.push(`${da === undefined ? va : vb} has no step ${step} (its run ended)`);
    else if (w === 'result') {
      const res = (s: typeof sa): string => (s === undefined ? '(not listed)' : formatValue(s.result, s.resultType) || '(void)');
      out.push(`${va} returns ${res(sa)}, ${vb} returns ${res(sb)}`);
    } else if (w === 'the oops killed the task') out.push(`the oops killed the task under ${sa?.killed === true ? va : vb} only`);
    else if (w === 'reports') {
      const rep = (s: typeof sa): string => (s?.reports ?? []).map((r) => r.message).join('; ');
      const ra = rep(sa);
      const rb = rep(sb);
      out.push(`${ra === '' ? `${va}: no report` : `${va}: ${ra}`}; ${rb === '' ? `${vb}: no report` : `${vb}: ${rb}`}`);
    } else if (w === 'pages changed' && da !== undefined && db !== undefined) {
      const only = (x: readonly number[], y: readonly number[]): number[] => x.filter((p) => !y.includes(p));
      const list = (ps: number[]): string => `${ps.slice(0, 3).map((p) => `pfn 0x${p.toString(16)}`).join(', ')}${ps.length > 3 ? ` and ${ps.length - 3} more` : ''}`;
      const oa = only(da.touched, db.touched);
      const ob = only(db.touched, da.touched);
      const parts = [oa.length > 0 ? `${list(oa)} under ${va} only` : '', ob.length > 0 ? `${list(ob)} under ${vb} only` : ''].filter((x) => x !== '');
      out.push(`the struct pages changed differ: ${parts.length > 0 ? parts.join('; ') : `${da.touched.length + da.moreTouched} under ${va}, ${db.touched.length + db.moreTouched} under ${vb}`}`);
    } else if (w.startsWith('state of ') && da !== undefined && db !== undefined) {
      const j = da.touched.findIndex((_, i) => da.looks[i] !== db.looks[i]);
      const pfn = da.touched[j]!;
      // Only the fields that differ: `refcount 0 under A, 1 under B`.
      const fa = da.looks[j]!.split(', ');
      const fb = db.looks[j]!.split(', ');
      const fields = fa.flatMap((f, i) => {
        if (f === fb[i]) return [];
        const name = f.slice(0, f.indexOf(' '));
        return [`${name} ${f.slice(name.length + 1)} under ${va}, ${fb[i]!.slice(name.length + 1)} under ${vb}`];
      });
      out.push(`pfn 0x${pfn.toString(16)}: ${fields.join('; ')}`);
    } else out.push(w);
  }
  return out.join('; ');
}

/** The first pfn a step of the run made allocated, of any kind (the view's page when nothing names one). */
function firstAllocated(r: ViewRun): number | undefined {
  for (const d of r.states.deltas) {
    for (let j = 0; j + 1 < d.length; j += 2) if (d[j + 1]! >= STATE_ALLOCATED && PAGE_STATES[d[j + 1]!] !== 'reserved') return d[j]!;
  }
  return undefined;
}

function sizeOf(r: ViewRun): number {
  let n = 0;
  for (let i = 1; i < r.states.initial.length; i += 2) n += r.states.initial[i]!;
  return n;
}
