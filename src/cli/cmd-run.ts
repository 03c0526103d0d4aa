/**
 * `pagesim run FILE...` (each run's steps and reports, optionally watched
 * and followed) and `pagesim [PATH...]` (the outcome matrix of many runs).
 * Both end with the same totals.
 */

import { existsSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { packageRoot } from '../util/package-root.js';
import { InputError } from '../util/errors.js';
import { parseArgs } from './args.js';
import { expandCases, loadScenario, scenarioFiles } from '../engine/load.js';
import type { RunResult } from '../engine/run.js';
import { runSuite, type SuiteOutcome, type SuiteRun } from '../engine/suite.js';
import { formatRunHuman, runJson } from '../format/run.js';
import { formatLeaks, formatTimeline, formatWatch } from '../format/observe.js';
import { LeakFinder, type LeakResult } from '../observe/leaks.js';
import { concurrentKey, formatMatrixText, formatTotals, outputWidth } from '../format/matrix.js';
import { matrixModel, type MatrixGap } from '../observe/matrix.js';
import { Timeline, type TimelineResult } from '../observe/timeline.js';
import { parseTarget, type Target } from '../observe/target.js';
import { Watcher, type WatchResult } from '../observe/watch.js';
import { Progress } from '../replay/progress.js';
import { variantProblem } from '../variants/index.js';
import type { Scenario } from '../scenario/types.js';

export const RUN_HELP = `usage: pagesim run FILE... [--variant V]... [--case NAME] [--watch TARGET]... [--timeline PAGE]... [--leaks] [--json] [--console] [--no-text]

Runs each scenario file under each variant stack given with --variant (repeatable,
e.g. --variant baseline --variant free-keeps-type), or under the variants the file
lists; a file with cases: runs each case (--case NAME: only that one). Human output
shows each step as a kernel call with its result and any report the simulated kernel
printed, and ends with the outcome (ok, bug, bad_page, warn, check) and whether the
scenario's expectations held; --console adds everything the kernel printed, --no-text
shows each report as one line. --json prints {"runs": [{"scenario", "variant",
"outcome", "expected", "summary", "steps": [{"index", "call", "args", "result",
"reports", ...}], "reports", "failures"}]}; --no-text drops the reports' text.
--watch TARGET prints every write to bytes of a struct page: the step, the kernel
function that wrote and its callers, old -> new, and the fields of struct page over
those bytes under the running variant. TARGET is a page, by handle or pfn, and
optionally bytes, by range or field: p, p+1:16..23, p:16+8, pfn:0x2016:rcu_head.func,
or a field of a struct over struct page, p:slab_cache (see docs/observe.md). --timeline PAGE (p, p+1, pfn:0x2016) prints a line for every
step after which that struct page changed: refcount, mapcount, flags, page_type and
the raw words that changed. --leaks boots with page_owner on and lists the pages
still allocated at the end, each with the step that allocated it, its refcount,
mapcount and whether it is pinned, and its /sys/kernel/debug/page_owner entry
(pages a slab cache, the huge zero folio or a queued RCU callback holds are listed
apart). Exit status 1 when an expectation failed.`;

export const SUITE_HELP = `usage: pagesim [PATH...] [--variant V]... [--wide] [--json]

Runs scenarios and prints the outcome matrix: every scenario file in the given
files and directories (default: the shipped scenarios/), each under its own
variants or under each --variant V. Scenarios are grouped by the variants they
run; each table fits $COLUMNS (or the terminal; 80 when neither says), its cells
clipped and its variants split over more tables as needed (--wide: whole cells,
no width limit). Each cell is marked ✓ (expectations held), ✗ (one failed) or ·
(none stated), then says what happened. A legend and the totals follow; exit
status 1 when an expectation failed. --json prints {"runs": [...]} as pagesim run
--json does.`;

/** Rejects variant stacks pagesim does not know, and a stack given twice, which would run twice (one line, exit 2). */
export function checkVariants(list: readonly string[]): void {
  for (const [i, v] of list.entries()) {
    const p = variantProblem(v);
    if (p !== null) throw new InputError(`--variant: ${p}`);
    if (list.indexOf(v) !== i) throw new InputError(`--variant: variant "${v}" is given twice`);
  }
}

/** Whether a command-line word names a scenario file or directory rather than a command. */
export function looksLikePath(word: string): boolean {
  return existsSync(word) || /[/\\]|\.ya?ml$/.test(word);
}

/** The scenario files of the paths given (a directory's *.yaml, sorted), or the shipped scenarios. */
function scenarioPaths(paths: readonly string[]): string[] {
  if (paths.length === 0) return scenarioFiles(join(packageRoot(), 'scenarios')).map((f) => relative(process.cwd(), f) || f);
  // A file named twice (a directory and a file in it) is one row of the matrix: it runs once.
  const seen = new Set<string>();
  return paths.flatMap((p) => {
    if (!existsSync(p)) throw new InputError('no such file or directory', p);
    return statSync(p).isDirectory() ? scenarioFiles(p) : [p];
  }).filter((f) => {
    const key = resolve(f);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

interface ObservedRun {
  readonly run: RunResult;
  readonly watch: WatchResult[];
  readonly timelines: TimelineResult[];
  readonly leaks: LeakResult | null;
}

interface Plan {
  readonly scenarios: { readonly scn: Scenario; readonly variants: readonly string[] }[];
  readonly total: number;
}

/** Every file read and checked first (bad input stops before anything runs), each with the variants to run. */
function plan(files: readonly string[], variants: readonly string[] | null, only: string | undefined): Plan {
  const scenarios = files.flatMap((f) => expandCases(loadScenario(f), only).map((scn) => ({ scn, variants: variants ?? scn.variants })));
  return { scenarios, total: scenarios.reduce((n, s) => n + s.variants.length, 0) };
}

/**
 * Runs a plan with watchpoints and timelines on every run, showing progress
 * on a terminal. With `gapsOk`, a scenario that uses an operation the
 * variant lacks is a gap (n/a), not an error: the matrix runs every
 * scenario under a --variant the scenario did not choose. Runs on the same
 * stack and machine share a boot (src/engine/suite.ts); results, gaps and
 * the first error come in the plan's order.
 */
function runPlan(p: Plan, watch: readonly Target[], follow: readonly Target[], gapsOk: boolean, leaks = false): { runs: ObservedRun[]; gaps: MatrixGap[] } {
  const planned: (SuiteRun & { readonly w: Watcher | null; readonly timelines: Timeline[]; readonly finder: LeakFinder | null })[] = [];
  for (const { scn, variants } of p.scenarios) {
    for (const v of variants) {
      const w = watch.length > 0 ? new Watcher(watch, v) : null;
      const timelines = follow.map((t) => new Timeline(t, v));
      const finder = leaks ? new LeakFinder(v) : null;
      planned.push({ scn, variant: v, opts: { observers: [...(w === null ? [] : [w]), ...timelines, ...(finder === null ? [] : [finder])], pageOwner: leaks }, w, timelines, finder });
    }
  }
  const progress = new Progress();
  let outcomes: SuiteOutcome[];
  try {
    outcomes = runSuite(planned, (i, nth) => progress.update(`pagesim: ${nth}/${p.total} ${planned[i]!.scn.name} [${planned[i]!.variant}]`));
  } finally {
    progress.done();
  }
  const runs: ObservedRun[] = [];
  const gaps: MatrixGap[] = [];
  outcomes.forEach((o, i) => {
    const { scn, variant, w, timelines, finder } = planned[i]!;
    if ('error' in o) {
      const e = o.error;
      if (!gapsOk || !(e instanceof InputError) || !/does not exist in variant/.test(e.message)) throw e;
      gaps.push({ scenario: scn.name, file: scn.file, variant, reason: e.message });
      return;
    }
    runs.push({ run: o.run, watch: w === null ? [] : w.results(), timelines: timelines.map((t) => t.result()), leaks: finder === null ? null : finder.results() });
  });
  return { runs, gaps };
}

export function cmdRun(argv: readonly string[], help: (cmd: string) => number): number {
  const a = parseArgs(argv, { flags: ['json', 'console', 'no-text', 'leaks', 'help'], options: ['variant', 'case', 'watch', 'timeline'] }, 'run');
  if (a.flags.has('help')) return help('run');
  if (a.positional.length === 0) throw new InputError('run: no scenario file given (usage: pagesim run FILE... [--variant V])');
  const variants = a.options.get('variant') ?? null;
  if (variants !== null) checkVariants(variants);
  const cases = a.options.get('case') ?? [];
  if (cases.length > 1) throw new InputError('run: give at most one --case');
  const watch = (a.options.get('watch') ?? []).map((t) => parseTarget(t, '--watch'));
  const follow = (a.options.get('timeline') ?? []).map((t) => parseTarget(t, '--timeline', false));
  const leaks = a.flags.has('leaks');
  const { runs: observed } = runPlan(plan(a.positional, variants, cases[0]), watch, follow, false, leaks);
  const opts = { console: a.flags.has('console'), noText: a.flags.has('no-text') };
  if (a.flags.has('json')) {
    const runs = observed.map((o) => ({ ...runJson(o.run, opts), ...(watch.length > 0 ? { watch: o.watch } : {}), ...(follow.length > 0 ? { timelines: o.timelines } : {}), ...(o.leaks !== null ? { leaks: o.leaks } : {}) }));
    process.stdout.write(`${JSON.stringify({ runs }, null, 2)}\n`);
  } else {
    const text = observed.map((o) => [formatRunHuman(o.run, opts), ...o.watch.map(formatWatch), ...o.timelines.map(formatTimeline), ...(o.leaks === null ? [] : [formatLeaks(o.leaks)])].join('\n'));
    // Several runs end with the totals the matrix ends with.
    if (observed.length > 1) text.push(formatTotals(matrixModel(observed.map((o) => o.run))).join('\n'));
    process.stdout.write(`${text.join('\n\n')}\n`);
  }
  return observed.some((o) => o.run.expected === 'failed') ? 1 : 0;
}

export function cmdSuite(argv: readonly string[], help: (cmd: string | null) => number): number {
  const a = parseArgs(argv, { flags: ['json', 'wide', 'help'], options: ['variant'] }, 'pagesim');
  if (a.flags.has('help')) return help('pagesim');
  const variants = a.options.get('variant') ?? null;
  if (variants !== null) checkVariants(variants);
  const p = plan(scenarioPaths(a.positional), variants, undefined);
  const { runs: observed, gaps } = runPlan(p, [], [], variants !== null);
  const runs = observed.map((o) => o.run);
  // The concurrent scenarios ran their CPUs one after another: the matrix marks them.
  const concurrent = new Set(p.scenarios.filter(({ scn }) => scn.cpus !== undefined).map(({ scn }) => concurrentKey(scn.file, scn.name)));
  if (a.flags.has('json')) process.stdout.write(`${JSON.stringify({ runs: runs.map((r) => runJson(r)) }, null, 2)}\n`);
  else process.stdout.write(`${formatMatrixText(matrixModel(runs, gaps), a.flags.has('wide') ? null : outputWidth(), concurrent)}\n`);
  return runs.some((r) => r.expected === 'failed') ? 1 : 0;
}
