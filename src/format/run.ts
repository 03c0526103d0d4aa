/**
 * Rendering run results: human text (a run's steps as call sequences with
 * the kernel's reports under the step that produced them), JSON, and the
 * suite matrix.
 */

import { notableStep, type RunResult, type ResultValue, type StepResult } from '../engine/run.js';
import type { Report } from '../report/report.js';
import { errnoName } from '../kernel/errno.js';

export function formatValue(v: ResultValue | undefined, type = 'int'): string {
  if (v === undefined) return '';
  if (v === null) return 'NULL';
  if (typeof v === 'object') return 'page' in v ? `page ${v.page} (pfn 0x${v.pfn.toString(16)})` : v.handle;
  if (typeof v === 'number' && v < 0 && type === 'errno') return errnoName(v) ?? String(v);
  if (typeof v === 'string') return v.includes('\n') ? '(text below)' : JSON.stringify(v);
  // Addresses (mmap's) and raw words with the top bit set (a page_type) read best in hex, as the kernel prints them.
  if (typeof v === 'number' && v >= 0x80000000) return `0x${v.toString(16)}`;
  return String(v);
}

/** One line that says what happened in a run: `ok`, `BUG put_page_testzero`, `bad_page: nonzero mapcount`, `-EINVAL`. */
export function summarize(run: RunResult): string {
  if (run.buildErrors.length > 0) return 'does not build';
  const first = run.reports.find((r) => r.kind === 'BUG') ?? run.reports[0];
  let s: string;
  if (first === undefined) s = 'ok';
  else if (first.kind === 'bad_page') s = `bad_page: ${first.reason}`;
  else if (first.kind === 'check') s = `check: ${first.function}`;
  else s = `${first.kind} ${first.function}`;
  const more = run.reports.length - (first === undefined ? 0 : 1);
  if (more > 0 && first?.kind !== 'BUG') s += ` (+${more})`;
  const shown = run.steps.filter((st) => st.show).map(shownValue);
  if (shown.length > 0) s = first === undefined ? shown.join(', ') : `${s}; ${shown.join(', ')}`;
  return s;
}

/** A `show: true` step's result as the matrix shows it. */
function shownValue(st: StepResult): string {
  return typeof st.result === 'string' && st.result.includes('\n') ? `${st.op}: text` : formatValue(st.result, st.resultType);
}

function indent(text: string, prefix: string): string[] {
  return text.split('\n').map((l) => `${prefix}${l}`);
}

/** Options of the human and JSON renderings. */
export interface RunFormatOptions {
  /** Add everything the simulated kernel printed. */
  readonly console?: boolean;
  /** Reports as one line each (human) or without their text (JSON). */
  readonly noText?: boolean;
}

function formatReport(r: Report, opts: RunFormatOptions): string[] {
  if (opts.noText) return [`     | ${r.message} (${r.kind} ${r.function}: ${r.reason})`];
  return indent(r.text, '     | ');
}

/**
 * Reports as the console shows them: those a kernel rate limit kept off
 * the console are one line, counted by function (--json lists each).
 */
function formatReports(reports: readonly Report[], opts: RunFormatOptions): string[] {
  const out: string[] = [];
  const dropped = new Map<string, number>();
  for (const r of reports) {
    if (r.suppressed === true) dropped.set(r.function, (dropped.get(r.function) ?? 0) + 1);
    else out.push(...formatReport(r, opts));
  }
  for (const [fn, n] of dropped) out.push(`     | (${n} ${fn} report${n === 1 ? '' : 's'} not printed: the kernel's rate limit)`);
  return out;
}

/** The last line of a run: what happened, and whether that was what the scenario expects. */
export function outcomeLine(run: RunResult): string {
  const summary = summarize(run);
  const detail = summary.startsWith(`${run.outcome}: `) ? summary.slice(run.outcome.length + 2) : summary;
  const what = detail === run.outcome ? `outcome: ${run.outcome}` : `outcome: ${run.outcome} (${detail})`;
  return run.expected === 'none' ? what : `${what}; expected: ${run.expected}`;
}

export function formatRunHuman(run: RunResult, opts: RunFormatOptions = {}): string {
  const out: string[] = [`=== ${run.scenario} [${run.variant}]  ${run.file}`];
  if (run.buildErrors.length > 0) {
    out.push('  the variant does not build:', ...run.buildErrors.map((e) => `    ${e}`));
  }
  // Steps between two notable ones are quiet loop steps, listed or not: the gap in indexes counts them.
  let shown = 0;
  const flush = (upTo: number): void => {
    const hidden = upTo - shown - 1;
    if (hidden > 0) out.push(`     ... ${hidden} more loop step${hidden === 1 ? '' : 's'} ${run.stepsUnlisted ? 'not listed' : 'without reports'} ...`);
    shown = upTo;
  };
  for (const s of run.steps) {
    if (!notableStep(s)) continue;
    flush(s.index);
    const iter = s.iteration.length > 0 ? ` [i=${s.iteration.join(',')}]` : '';
    const value = formatValue(s.result, s.resultType);
    const cpu = s.cpu !== undefined ? `CPU${s.cpu} ` : '';
    out.push(`  ${String(s.index).padStart(3)}  ${cpu}${s.call}${value !== '' ? ` = ${value}` : ''}${iter}`);
    if (typeof s.result === 'string' && s.result.includes('\n')) out.push(...indent(s.result, '       '));
    out.push(...formatReports(s.reports, opts));
    if (s.killed) out.push('     ! the oops killed the task; the machine goes on (panic_on_oops: 0), the next steps in a new task');
    if (s.unfinished === true) out.push("     ! not finished: another CPU's oops ended the run while this step was between two of its actions");
    if (s.expectFailure !== undefined) out.push(`     ! ${s.expectFailure}`);
  }
  flush(run.stepsRun + 1);
  const after = run.reports.filter((r) => r.step === undefined);
  if (after.length > 0) {
    out.push('  after the last step, the whole-machine checker:');
    out.push(...formatReports(after, opts));
  }
  if (opts.console) out.push('  console:', ...run.console.map((l) => `    ${l}`));
  out.push(outcomeLine(run));
  for (const f of run.failures) out.push(`  FAILED: ${f}`);
  return out.join('\n');
}

function reportJson(r: Report, opts: RunFormatOptions): Record<string, unknown> {
  return {
    kind: r.kind,
    function: r.function,
    reason: r.reason,
    message: r.message,
    pfn: r.pfn,
    ...(opts.noText ? {} : { text: r.text }),
    ...(r.step !== undefined ? { step: r.step } : {}),
    ...(r.irq ? { irq: true } : {}),
    ...(r.suppressed ? { suppressed: true } : {}),
  };
}

export function runJson(run: RunResult, opts: RunFormatOptions = {}): Record<string, unknown> {
  const rep = (r: Report): Record<string, unknown> => reportJson(r, opts);
  return {
    scenario: run.scenario,
    file: run.file,
    variant: run.variant,
    outcome: run.outcome,
    expected: run.expected,
    summary: summarize(run),
    steps: run.steps.map((s) => ({
      index: s.index,
      op: s.op,
      call: s.call,
      ...(s.args !== undefined ? { args: s.args } : {}),
      line: s.line,
      ...(s.cpu !== undefined ? { cpu: s.cpu } : {}),
      ...(s.iteration.length > 0 ? { iteration: s.iteration } : {}),
      result: s.result === undefined ? null : s.result,
      ...(s.show ? { show: true, shown: shownValue(s) } : {}),
      ...(s.killed ? { killed: true } : {}),
      ...(s.unfinished === true ? { unfinished: true } : {}),
      ...(s.expectFailure !== undefined ? { expect_failure: s.expectFailure } : {}),
      reports: s.reports.map(rep),
    })),
    // A long run lists its notable steps only; then it says how many ran.
    ...(run.steps.length < run.stepsRun ? { steps_run: run.stepsRun } : {}),
    ...(run.stepsUnlisted ? { steps_unlisted: run.stepsUnlisted } : {}),
    reports: run.reports.map(rep),
    failures: run.failures,
    ...(opts.console ? { console: run.console } : {}),
  };
}

/** The suite matrix: scenarios down, variants across, each cell a few words. */
/** Widest a matrix cell gets. */
const MATRIX_CELL = 30;

export function formatMatrix(runs: readonly RunResult[], variants: readonly string[]): string {
  const scenarios = [...new Set(runs.map((r) => r.scenario))];
  const cell = (scn: string, v: string): string => {
    const r = runs.find((x) => x.scenario === scn && x.variant === v);
    if (r === undefined) return '-';
    return r.expected === 'failed' ? `FAILED: ${summarize(r)}` : summarize(r);
  };
  // Cells are kept to a few words; `pagesim run` shows the whole story.
  const clip = (c: string): string => (c.length > MATRIX_CELL ? `${c.slice(0, MATRIX_CELL - 1)}…` : c);
  const rows = [['scenario', ...variants], ...scenarios.map((s) => [s, ...variants.map((v) => clip(cell(s, v)))])];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}
