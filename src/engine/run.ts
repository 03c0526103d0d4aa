/**
 * Running a scenario under one variant stack: build the variant, boot the
 * machine, execute the steps, run the checker, and judge the expectations.
 * The engine returns structured results and never prints; the formatters
 * in src/format render them.
 */

import type { Kernel } from '../kernel/kernel.js';
import { PageOwner, pageOwnerOf } from '../kernel/page_owner.js';
import { KernelBug, type Report } from '../report/report.js';
import type { ArgValue, HandleRef, OpStep, ReportMatcher, ResultLiteral, Scenario, Step } from '../scenario/types.js';
import { ExprEvalError, evalExpr as evalExprRaw, expandName, formatArg, formatExpect } from '../scenario/parse.js';
import { InputError } from '../util/errors.js';
import { buildVariant, createMachine } from './build.js';
import { getOp, opAvailable, type HandleValue, type OpArgs, type OpDef, type OpReturn } from './ops.js';
import { runConcurrentScenario } from '../explore/run.js';
import { checkMachine, reportViolations } from '../check/checker.js';
import { LIMITS } from '../kernel/config.js';
import { errnoName } from '../kernel/errno.js';
import { VMEMMAP_HI } from '../kernel/machine.js';
import { convertArg } from '../scenario/cint.js';
import type { ScalarType } from '../layout/ctype.js';

/**
 * What happened in a run, by its most serious report: a BUG or oops, a bad
 * page, a WARN, a checker finding, nothing; or the variant did not build.
 */
export type Outcome = 'ok' | 'bug' | 'bad_page' | 'warn' | 'check' | 'no_build';
/** Whether the scenario's expectations held (`none` when it states none for the variant). */
export type Expected = 'held' | 'failed' | 'none';

/** A step result as JSON shows it. */
export type ResultValue = number | boolean | string | null | { readonly page: string; readonly pfn: number } | { readonly handle: string };

export interface StepResult {
  readonly index: number;
  readonly op: string;
  /** The step as a call: `alloc_pages(gfp=GFP_KERNEL, order=0)`. */
  readonly call: string;
  readonly line: number;
  /** Nesting of repeat loops and iteration indexes, for display. */
  readonly iteration: readonly number[];
  readonly result: ResultValue | undefined;
  /** The operation's result type, for printing (an `int` of -1 is not an errno). */
  readonly resultType: string;
  /** Result shown in the suite matrix (`show: true`). */
  readonly show: boolean;
  readonly reports: readonly Report[];
  readonly expectFailure?: string;
  /** The CPU the step ran on, when the scenario says (`cpu:`, or the step is in a CPU's list of `cpus:`). */
  readonly cpu?: number;
  /** The arguments as the kernel function received them, by parameter name (as JSON shows them). */
  readonly args?: Readonly<Record<string, ResultValue>>;
  /** The step oopsed and the oops killed its task; the machine went on (panic_on_oops: 0). */
  readonly killed?: boolean;
  /** A concurrent run's step that was between two of its actions when another CPU's oops ended the run. */
  readonly unfinished?: boolean;
}

export interface RunResult {
  readonly scenario: string;
  readonly file: string;
  readonly variant: string;
  readonly outcome: Outcome;
  readonly expected: Expected;
  /**
   * The steps run, in order. A run lists every step up to LIMITS.stepsListed;
   * after that, only the notable ones (see notableStep()), so that a long
   * loop runs in flat memory. `index` is the step's number in the run.
   */
  readonly steps: StepResult[];
  /** How many steps ran (the last index), listed or not. */
  readonly stepsRun: number;
  /** Notable steps (reports, failed expectations, show:) past the listing limits that are not listed. */
  readonly stepsUnlisted?: number;
  readonly reports: Report[];
  /** Expectations that did not hold, one sentence each. */
  readonly failures: string[];
  /** Everything the simulated kernel printed. */
  readonly console: string[];
  /** The layout assertion failures that kept the variant from building, if any. */
  readonly buildErrors: string[];
}

/**
 * Whether a step is worth showing by itself: every top-level step and the
 * first iteration of a loop, and any loop step that reported, failed an
 * expectation or shows its result.
 */
export function notableStep(s: StepResult): boolean {
  return s.iteration.every((i) => i === 0) || s.reports.length > 0 || s.expectFailure !== undefined || s.show;
}

export type Bound = HandleValue | null;

/**
 * Something that follows a run step by step (src/observe: watchpoints,
 * page timelines, page_owner). The runner calls it only when one is
 * given, once per step: nothing is added to the kernel's own paths.
 */
export interface RunObserver {
  /** The machine is booted; no step has run. */
  start(k: Kernel): void;
  /** Step `index` is about to call its operation. */
  beforeStep(index: number, step: ObservedStep): void;
  /** Step `index` has ended: it returned, or its oops killed the task. */
  afterStep(index: number, step: ObservedStep, handles: (name: string) => Bound | undefined): void;
  /** The run is over (its last step may have ended in an oops); the checker has not run. */
  finish(k: Kernel): void;
}

/** What an observer is told of a step. */
export interface ObservedStep {
  readonly op: string;
  readonly line: number;
  /** The call text (built when asked). */
  call(): string;
}

/**
 * Where in a struct page handed to an operation the kernel is taken to read
 * first, for the fault address of a NULL or wild page pointer: _refcount
 * (page_ref_*, get_page and put_page start there).
 */
const FIRST_PAGE_ACCESS = 0x34;

/** The file and line of the step being run, for errors that only run time can find. */
let whereFile = '';
let whereLine = 0;

/** evalExpr(), with run-time failures (a division by zero that depends on $i) reported at the step's line. */
function evalExpr(...args: Parameters<typeof evalExprRaw>): number {
  try {
    return evalExprRaw(...args);
  } catch (e) {
    if (e instanceof ExprEvalError) throw new InputError(e.message, whereFile, whereLine);
    throw e;
  }
}

/** What the runner needs of an operation step, worked out once per step of the scenario. */
export interface PlannedStep {
  readonly step: OpStep;
  readonly def: OpDef;
  readonly params: readonly { readonly name: string; readonly arg: ArgValue; readonly isPage: boolean; readonly ctype: ScalarType | undefined }[];
  /** The call text, built the first time something prints it. */
  call: string | null;
}

const plans = new WeakMap<OpStep, PlannedStep>();

function planStep(step: OpStep): PlannedStep {
  let p = plans.get(step);
  if (p === undefined) {
    const def = getOp(step.op)!;
    p = { step, def, params: def.params.map((d) => ({ name: d.name, arg: step.args.get(d.name)!, isPage: d.type === 'page', ctype: d.ctype })), call: null };
    plans.set(step, p);
  }
  return p;
}

function callText(p: PlannedStep): string {
  if (p.call === null) p.call = `${p.step.op}(${[...p.step.args].map(([n, v]) => `${n}=${formatArg(v)}`).join(', ')})`;
  return p.call;
}

const NO_REPORTS: readonly Report[] = Object.freeze([]);

/**
 * One step's result. What only printing needs (the call text, the result as
 * JSON shows it) is built when asked, so running a step costs the kernel
 * call and little else.
 */
class StepRecord implements StepResult {
  constructor(
    readonly index: number,
    private readonly plan: PlannedStep,
    private readonly structPageSize: number,
    private readonly ret: OpReturn,
    readonly reports: readonly Report[],
    readonly expectFailure: string | undefined,
    readonly iteration: readonly number[],
    private readonly rawArgs: OpArgs | undefined,
    readonly killed: boolean,
    readonly unfinished: boolean,
  ) {}

  get args(): Readonly<Record<string, ResultValue>> | undefined {
    const raw = this.rawArgs;
    if (raw === undefined) return undefined;
    const out: Record<string, ResultValue> = {};
    for (const p of this.plan.params) {
      const v = raw[p.name];
      if (v === undefined) continue;
      if (p.isPage && typeof v === 'number') out[p.name] = { page: pageAddress(this.structPageSize, v), pfn: v };
      else if (v !== null && typeof v === 'object') out[p.name] = { handle: v.kind === 'page' ? `page ${v.pfn}` : v.label };
      else out[p.name] = v;
    }
    return out;
  }

  get op(): string {
    return this.plan.step.op;
  }

  get call(): string {
    return callText(this.plan);
  }

  get line(): number {
    return this.plan.step.line;
  }

  get resultType(): string {
    return this.plan.def.result;
  }

  get show(): boolean {
    return this.plan.step.show;
  }

  get cpu(): number | undefined {
    return this.plan.step.cpu ?? undefined;
  }

  get result(): ResultValue | undefined {
    const ret = this.ret;
    if (ret === undefined) return undefined;
    if (this.plan.def.result === 'page') {
      if (typeof ret !== 'number' || ret < 0) return null;
      return { page: pageAddress(this.structPageSize, ret), pfn: ret };
    }
    if (ret !== null && typeof ret === 'object') return { handle: ret.kind === 'page' ? `page ${ret.pfn}` : ret.label };
    return ret;
  }
}

/** An operation step made ready to call: its plan and its number in the run. */
export interface PreparedOp {
  readonly plan: PlannedStep;
  readonly index: number;
}

/**
 * Runs steps against one machine, keeping the handles they bind. A
 * concurrent scenario (src/explore) gives each CPU a Runner of its own,
 * started from the setup's handles, and drives its steps one part at a
 * time (prepareOp, callOp, completeOp, recordOp).
 */
/**
 * What a long run did not list (docs/limits.md): notable steps past
 * LIMITS.notableListed, and how many of them failed an expectation. The
 * runners of one run share one.
 */
export class Unlisted {
  notable = 0;
  failures = 0;
}

export class Runner {
  private readonly handles: Map<string, Bound>;
  executed = 0;
  /** Struct pages this runner's check steps have walked (LIMITS.checkedPagesMax). */
  private checkedPages = 0;
  /** Who follows the steps (empty: nobody; the usual case costs one length test per step). */
  observers: readonly RunObserver[] = [];

  /**
   * `handles`: names bound before (a copy is taken); `steps`: the list the
   * step results go to, which the runners of one run share.
   */
  constructor(
    private readonly k: Kernel,
    private readonly scn: Scenario,
    private readonly variant: string,
    handles: ReadonlyMap<string, Bound> = new Map(),
    readonly steps: StepResult[] = [],
    readonly unlisted: Unlisted = new Unlisted(),
  ) {
    this.handles = new Map(handles);
  }

  /** The handles bound so far (by this runner, or handed to it). */
  bindings(): ReadonlyMap<string, Bound> {
    return this.handles;
  }

  /** Iteration indexes of the enclosing repeat loops, outermost first. */
  private readonly iter: number[] = [];
  /** A copy of iter for the steps kept in this iteration, made when the first one is kept. */
  private iterCopy: readonly number[] | null = null;

  /** Runs steps; `first` is whether every enclosing loop is in its first iteration. */
  run(steps: readonly Step[], first = true): void {
    const depth = this.iter.length;
    const i = depth > 0 ? this.iter[depth - 1]! : null;
    for (const step of steps) {
      whereFile = this.scn.file;
      whereLine = step.line;
      if (step.kind === 'repeat') {
        const times = evalExpr(step.times, i, this.names);
        if (times < 0 || times > LIMITS.repeatMax) throw new InputError(`repeat: times must be between 0 and ${LIMITS.repeatMax}, got ${times}`, this.scn.file, step.line);
        this.iter.push(0);
        for (let j = 0; j < times; j++) {
          this.iter[depth] = j;
          this.iterCopy = null;
          this.run(step.steps, first && j === 0);
        }
        this.iter.pop();
        this.iterCopy = null;
      } else {
        this.runOp(step, i, first);
      }
    }
  }

  private where(step: OpStep): string {
    return `${this.scn.file}:${step.line}`;
  }

  /** Looks up a step's operation and gives the step its number; nothing runs yet. */
  prepareOp(step: OpStep): PreparedOp {
    whereFile = this.scn.file;
    whereLine = step.line;
    if (++this.executed > LIMITS.stepsMax) throw new InputError(`the scenario runs more than ${LIMITS.stepsMax} steps`, this.scn.file, step.line);
    if (step.op === 'check' && (this.checkedPages += this.k.nr_pages) > LIMITS.checkedPagesMax) {
      throw new InputError(`the scenario's check steps walk more than ${LIMITS.checkedPagesMax} struct pages, the limit (${Math.floor(LIMITS.checkedPagesMax / this.k.nr_pages)} checks of this machine; docs/limits.md)`, this.scn.file, step.line);
    }
    const plan = planStep(step);
    const def = plan.def;
    if (!opAvailable(this.k, def)) {
      throw new InputError(`${step.op} does not exist in variant ${this.variant} (it is added by a variant that provides ${def.requires})`, this.scn.file, step.line);
    }
    return { plan, index: this.executed };
  }

  /**
   * Calls a prepared operation. Its arguments are resolved here, inside the
   * step: a page argument the kernel faults on is this step's oops.
   */
  callOp(op: PreparedOp, i: number | null): OpReturn {
    const args = this.resolveArgs(op.plan, op.plan.step, i);
    this.lastArgs = args;
    return this.call(op.plan.def, args, op.plan.step);
  }

  /** The arguments of the last operation called (kept with its result when the step is listed). */
  private lastArgs: OpArgs | undefined = undefined;

  /** The arguments of the operation being called (src/explore's oracles read them). */
  currentArgs(): OpArgs | undefined {
    return this.lastArgs;
  }

  /** What follows a call that returned: the result bound with as:; the expect: failure, if any. */
  completeOp(op: PreparedOp, ret: OpReturn, i: number | null): string | undefined {
    const step = op.plan.step;
    if (step.as !== null) {
      const name = expandName(step.as, i);
      if (this.handles.size >= LIMITS.handlesMax && !this.handles.has(name)) throw new InputError(`the scenario binds more than ${LIMITS.handlesMax} names with as:`, this.scn.file, step.line);
      this.handles.set(name, this.toHandle(ret, op.plan.def.result, step));
    }
    return step.expect !== null ? this.judge(op.plan, op.index, ret, i) : undefined;
  }

  /** Lists a step that ran; a loop step that went quietly only while the run is short (see notableStep()). */
  recordOp(op: PreparedOp, ret: OpReturn, mine: readonly Report[], expectFailure: string | undefined, completed: boolean, first: boolean, killed = false, unfinished = false): void {
    const listed = this.steps.length;
    if (listed < LIMITS.stepsListed) this.listOp(op, ret, mine, expectFailure, killed, unfinished);
    else if (!completed || first || mine.length > 0 || expectFailure !== undefined || op.plan.step.show) {
      // Notable steps past the listing limit, up to a limit of their own; the step that ends the run is always listed.
      if (!completed || listed < LIMITS.stepsListed + LIMITS.notableListed) this.listOp(op, ret, mine, expectFailure, killed, unfinished);
      else {
        this.unlisted.notable++;
        if (expectFailure !== undefined) this.unlisted.failures++;
      }
    }
    this.lastArgs = undefined;
  }

  private listOp(op: PreparedOp, ret: OpReturn, mine: readonly Report[], expectFailure: string | undefined, killed: boolean, unfinished: boolean): void {
    this.steps.push(new StepRecord(op.index, op.plan, this.k.structPageSize, ret, mine, expectFailure, (this.iterCopy ??= this.iter.slice()), this.lastArgs, killed, unfinished));
  }

  private runOp(step: OpStep, i: number | null, first: boolean): void {
    const op = this.prepareOp(step);
    const reports = this.k.reports;
    const before = reports.length;
    let ret: OpReturn = undefined;
    let expectFailure: string | undefined;
    let completed = false;
    let killed = false;
    this.k.current.cpu = step.cpu ?? 0;
    const observed = this.observers.length > 0 ? observedStep(op.plan) : null;
    if (observed !== null) for (const o of this.observers) o.beforeStep(op.index, observed);
    try {
      const r = this.callOp(op, i);
      this.k.rcuStep();
      ret = r;
      expectFailure = this.completeOp(op, r, i);
      completed = true;
    } catch (e) {
      // An oops ends the step; whether it ends the run is the kernel's oops_end() decision.
      if (!(e instanceof KernelBug) || !this.k.oopsEnd(e.report)) throw e;
      killed = true;
    } finally {
      this.recordOp(op, ret, attributeReports(reports, before, op.index), expectFailure, completed, first, killed);
    }
    if (observed !== null) for (const o of this.observers) o.afterStep(op.index, observed, (name) => this.handles.get(name));
  }

  /** The step's arguments as the kernel function receives them. */
  private resolveArgs(plan: PlannedStep, step: OpStep, i: number | null): OpArgs {
    const args: Record<string, number | boolean | string | HandleValue | null> = {};
    for (const p of plan.params) {
      const v = this.resolveArg(step, p.name, p.arg, i, p.isPage);
      // An integer reaches the kernel function as C converts it to the parameter's type.
      if (p.ctype !== undefined && typeof v === 'number') convertArg(args, p.name, v, p.ctype);
      else args[p.name] = v;
    }
    return args;
  }

  /** Calls the kernel; an InputError from an operation gets the step's file and line. */
  private call(def: OpDef, args: OpArgs, step: OpStep): OpReturn {
    try {
      return def.run(this.k, args);
    } catch (e) {
      if (e instanceof InputError && e.line === undefined) throw new InputError(e.message, this.scn.file, step.line);
      throw e;
    }
  }

  private resolveArg(step: OpStep, name: string, v: ArgValue, i: number | null, isPage: boolean): number | boolean | string | HandleValue | null {
    switch (v.kind) {
      case 'int':
        return evalExpr(v.expr, i, this.names);
      case 'gfp':
        return v.mask;
      case 'bool':
        return v.value;
      case 'string':
        return expandName(v.value, i);
      case 'handle':
        return this.resolveHandle(step, name, v, i, isPage);
    }
  }

  private resolveHandle(step: OpStep, name: string, ref: HandleRef, i: number | null, isPage: boolean): number | HandleValue | null {
    const hname = expandName(ref.name, i);
    const h = this.handles.get(hname);
    if (h === undefined) throw new InputError(`${step.op}: ${name}: handle "${hname}" is not bound (at this point of the run)`, this.scn.file, step.line);
    if (!isPage) return h;
    if (h === null) {
      // A NULL struct page * handed to the kernel: it dereferences it.
      this.k.oopsBadPointer(0, FIRST_PAGE_ACCESS);
    }
    if (h.kind !== 'page') throw new InputError(`${step.op}: ${name}: handle "${hname}" holds a ${h.type}, not a page`, this.scn.file, step.line);
    const pfn = h.pfn + (ref.offset === null ? 0 : evalExpr(ref.offset, i, this.names));
    // A struct page pointer past the memmap (p + a wild offset): vmemmap has nothing mapped there.
    this.k.touchPage(pfn, FIRST_PAGE_ACCESS);
    return pfn;
  }

  /** Integers bound with `as:` (an address from mmap), for names in integer expressions. */
  private readonly names = (name: string): number => {
    const h = this.handles.get(name);
    if (h === undefined) throw new ExprEvalError(`"${name}" is not bound (at this point of the run)`);
    if (h === null || h.kind !== 'object' || h.type !== 'int') throw new ExprEvalError(`"${name}" is not an integer (it holds ${h === null ? 'NULL' : h.kind === 'page' ? 'a page' : `a ${h.type}`})`);
    return h.id;
  };

  private toHandle(ret: OpReturn, type: string, step: OpStep): Bound {
    if (type === 'page') return typeof ret === 'number' && ret >= 0 ? { kind: 'page', pfn: ret } : null;
    if ((type === 'int' || type === 'errno') && typeof ret === 'number') return { kind: 'object', type: 'int', id: ret, label: ret < 0 ? String(ret) : `0x${ret.toString(16)}` };
    if (ret !== null && typeof ret === 'object') return ret;
    if (ret === null || ret === undefined) return null;
    throw new InputError(`${step.op}: its result cannot be bound with as:`, this.scn.file, step.line);
  }

  /** Why the step's result is not what it expects, or undefined when it is. */
  private judge(plan: PlannedStep, index: number, ret: OpReturn, i: number | null): string | undefined {
    const step = plan.step;
    const want = step.expect!;
    if (matchesLiteral(this, ret, plan.def.result, want, i)) return undefined;
    const got = describeValue(ret, plan.def.result);
    return `step ${index} (${this.where(step)}): ${callText(plan)} returned ${got}, expected ${formatExpect(want)}`;
  }

  lookupHandle(name: string): Bound | undefined {
    return this.handles.get(name);
  }
}

function observedStep(plan: PlannedStep): ObservedStep {
  return { op: plan.step.op, line: plan.step.line, call: () => callText(plan) };
}

/** The reports made since `before`, each marked as made by step `index`. */
export function attributeReports(reports: readonly Report[], before: number, index: number): readonly Report[] {
  if (reports.length === before) return NO_REPORTS;
  const attributed: Report[] = [];
  for (let r = before; r < reports.length; r++) {
    const rep = reports[r]!;
    rep.step = index;
    attributed.push(rep);
  }
  return attributed;
}

function pageAddress(structPageSize: number, pfn: number): string {
  return (VMEMMAP_HI.toString(16) + (pfn * structPageSize).toString(16).padStart(8, '0')).padStart(16, '0');
}

function describeValue(ret: OpReturn, type: string): string {
  if (ret === undefined) return 'nothing';
  if (type === 'page') return typeof ret === 'number' && ret >= 0 ? `page pfn 0x${ret.toString(16)}` : 'NULL';
  // As the step line prints it: an errno result by name, an int as the number it is.
  if (typeof ret === 'number' && type === 'errno' && ret < 0) return errnoName(ret) ?? String(ret);
  // An address or a raw word with the top bit set in hex, as the step line shows it (formatValue()).
  if (typeof ret === 'number' && ret >= 0x80000000) return `0x${ret.toString(16)}`;
  if (typeof ret === 'string') return JSON.stringify(ret.length > 60 ? `${ret.slice(0, 60)}...` : ret);
  if (ret !== null && typeof ret === 'object') return ret.kind === 'page' ? `page pfn 0x${ret.pfn.toString(16)}` : ret.label;
  return String(ret);
}

function matchesLiteral(r: Runner, ret: OpReturn, type: string, want: ResultLiteral, i: number | null): boolean {
  switch (want.kind) {
    case 'null':
      return ret === null || (type === 'page' && typeof ret === 'number' && ret < 0);
    case 'bool':
      return ret === want.value;
    case 'int':
    case 'errno':
      return ret === want.value;
    case 'string':
      return ret === want.value;
    case 'handle': {
      const h = r.lookupHandle(expandName(want.ref.name, i));
      if (h === undefined || h === null) return ret === null || ret === -1;
      const off = want.ref.offset === null ? 0 : evalExpr(want.ref.offset, i);
      if (h.kind === 'page') return ret === h.pfn + off;
      // Kernel objects are equal when they are the same object (the same address).
      return ret !== null && typeof ret === 'object' && ret.kind === 'object' && ret.type === h.type && ret.id === h.id;
    }
  }
}

function matches(rep: Report, m: ReportMatcher): boolean {
  if (m.kind !== undefined && rep.kind !== m.kind) return false;
  if (m.function !== undefined && rep.function !== m.function) return false;
  if (m.reason !== undefined && !rep.reason.includes(m.reason)) return false;
  if (m.message !== undefined && !rep.message.includes(m.message)) return false;
  return true;
}

/**
 * The reports of a run closest to a matcher that matched none, best first:
 * the most fields matched, then the function name nearest to the one asked
 * for (`free_pages_prepare` finds `__free_pages_prepare`).
 */
function closestReports(reports: readonly Report[], m: ReportMatcher): Report[] {
  const score = (r: Report): number => {
    let n = 0;
    if (m.kind !== undefined && r.kind === m.kind) n += 1000;
    if (m.reason !== undefined && r.reason.includes(m.reason)) n += 1000;
    if (m.message !== undefined && r.message.includes(m.message)) n += 1000;
    if (m.function !== undefined) n += r.function === m.function ? 1000 : r.function.includes(m.function) || m.function.includes(r.function) ? 500 - Math.abs(r.function.length - m.function.length) : -editDistance(r.function, m.function);
    return n;
  };
  const seen = new Set<string>();
  return [...reports]
    .map((r, i) => ({ r, s: score(r), i }))
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .map((x) => x.r)
    .filter((r) => {
      const key = `${r.kind} ${r.function} ${r.reason}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .slice(0, 3);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = cur;
  }
  return prev[b.length]!;
}

function describeReport(r: Report): string {
  return `{kind: ${r.kind}, function: ${r.function}, reason: ${r.reason}, message: ${r.message}}`;
}

function describeMatcher(m: ReportMatcher): string {
  return `{${Object.entries(m)
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(', ')}}`;
}

/** Runs one scenario under one variant stack. Bad input raises InputError; everything the kernel does is in the result. */
export function runScenario(scn: Scenario, variant: string, opts: RunOptions = {}): RunResult {
  const { run, machine } = runScenarioWithMachine(scn, variant, opts);
  // The result keeps no view of the machine's memory; observers may, so their machine is left alone.
  if (opts.observers === undefined || opts.observers.length === 0) machine?.releaseMemory();
  return run;
}

export interface RunOptions {
  /** Followers of the run's steps (src/observe); not supported for concurrent scenarios. */
  readonly observers?: readonly RunObserver[];
  /** Boot with page_owner on, whatever the scenario's machine: says (run --leaks). */
  readonly pageOwner?: boolean;
}

/** Tells page_owner which step is running, for its records and its clock. */
function pageOwnerSteps(po: PageOwner): RunObserver {
  return {
    start: () => {},
    beforeStep: (index, step) => po.setStep(index, step.call()),
    afterStep: () => {},
    finish: () => {},
  };
}

/**
 * runScenario() that also hands back the machine as the run left it (null
 * when the variant does not build), for commands that inspect memory
 * afterwards (kpageflags, footprint).
 */
export function runScenarioWithMachine(scn: Scenario, variant: string, opts: RunOptions = {}): { run: RunResult; machine: Kernel | null } {
  if (scn.cases !== undefined) throw new InputError(`the file holds ${scn.cases.length} cases (${scn.cases.map((c) => c.name).join(', ')}); this command runs one scenario: pick one with --case NAME where the command has it, or use pagesim run`, scn.file);
  const built = buildVariant(variant);
  if (built.assertionFailures.length > 0) {
    const msgs = built.assertionFailures.map((f) => f.message);
    return { run: { scenario: scn.name, file: scn.file, variant, outcome: 'no_build', expected: 'failed', steps: [], stepsRun: 0, reports: [], failures: [`variant ${variant} does not build: ${msgs.join('; ')}`], console: msgs, buildErrors: msgs }, machine: null };
  }
  const observers = opts.observers ?? [];
  if (scn.cpus !== undefined) {
    if (observers.length > 0) throw new InputError('following a run step by step (--watch, --timeline, --leaks, pagesim diff, pagesim view) is not supported for concurrent scenarios (cpus:)', scn.file);
    return runConcurrentScenario(built, scn, variant);
  }
  const k = createMachine(built, scn.machine);
  k.current.comm = 'pagesim';
  if (opts.pageOwner === true) PageOwner.enable(k);
  // With page_owner on, its records say which step allocated: it follows the steps too.
  const po = pageOwnerOf(k);
  const all = po === null ? observers : [pageOwnerSteps(po), ...observers];
  return { run: runStepsOn(k, scn, variant, all), machine: k };
}

/**
 * The scenario's steps on a booted machine, with the observers following
 * them, to the end of the run (a kernel BUG ends it), then finishRun().
 * Shared by runScenario() and the fuzzer's kept machines.
 */
export function runStepsOn(k: Kernel, scn: Scenario, variant: string, observers: readonly RunObserver[]): RunResult {
  const runner = new Runner(k, scn, variant);
  runner.observers = observers;
  for (const o of observers) o.start(k);
  let bug = false;
  try {
    runner.run(scn.steps);
  } catch (e) {
    if (!(e instanceof KernelBug)) throw e;
    bug = true;
  } finally {
    for (const o of observers) o.finish(k);
  }
  return finishRun(k, scn, variant, runner.steps, runner.executed, bug, true, runner.unlisted);
}

/** The end of a run: the checkers (unless it BUGged), the scenario's expectations judged, the outcome. */
export function finishRun(k: Kernel, scn: Scenario, variant: string, steps: StepResult[], stepsRun: number, bug: boolean, check = true, unlisted: Unlisted = new Unlisted()): RunResult {
  if (!bug && check) reportViolations(k, checkMachine(k));
  const failed = steps.filter((s) => s.expectFailure !== undefined);
  // A run words its first LIMITS.failuresListed expectation failures and counts the rest.
  const failures: string[] = failed.slice(0, LIMITS.failuresListed).map((s) => s.expectFailure!);
  const more = failed.length - failures.length + unlisted.failures;
  if (more > 0) failures.push(`${more} more step expectation${more === 1 ? '' : 's'} did not hold (a run words the first ${LIMITS.failuresListed}: docs/limits.md)`);
  const expectation = scn.expect.get(variant);
  if (expectation !== undefined) {
    if (expectation.kind === 'ok') {
      if (k.reports.length > 0) failures.push(`expected ok under ${variant}, but the run reported: ${k.reports.map((r) => `${r.kind} ${r.function}: ${r.reason}`).join('; ')}`);
    } else {
      // Worded up to LIMITS.failuresListed, as step expectations are; the rest counted.
      let worded = 0;
      let unmatched = 0;
      for (const m of expectation.matchers) {
        if (k.reports.some((r) => matches(r, m))) continue;
        if (worded++ >= LIMITS.failuresListed) {
          unmatched++;
          continue;
        }
        const near = closestReports(k.reports, m);
        failures.push(`expected a report matching ${describeMatcher(m)} under ${variant}; none did (${near.length === 0 ? 'the run reported nothing' : `closest: ${near.map(describeReport).join('; ')}`})`);
      }
      if (unmatched > 0) failures.push(`${unmatched} more report matcher${unmatched === 1 ? '' : 's'} under ${variant} matched no report (a run words the first ${LIMITS.failuresListed}: docs/limits.md)`);
    }
  }
  const stated = expectation !== undefined || failed.length > 0 || hasStepExpectations(scn);
  const expected: Expected = failures.length > 0 ? 'failed' : stated ? 'held' : 'none';
  const console = k.consoleDropped > 0 ? [...k.console, `[pagesim: ${k.consoleDropped} more console lines not kept: docs/limits.md]`] : k.console;
  return { scenario: scn.name, file: scn.file, variant, outcome: outcomeOf(k.reports, bug), expected, steps, stepsRun, ...(unlisted.notable > 0 ? { stepsUnlisted: unlisted.notable } : {}), reports: k.reports, failures, console, buildErrors: [] };
}

/** The outcome a run's reports make: the most serious kind among them. */
export function outcomeOf(reports: readonly Report[], bug: boolean): Outcome {
  if (bug || reports.some((r) => r.kind === 'BUG')) return 'bug';
  if (reports.some((r) => r.kind === 'bad_page')) return 'bad_page';
  // A printk complaint is no WARN() to the kernel (no banner, no taint), but the run is as serious: the kernel said something is wrong.
  if (reports.some((r) => r.kind === 'WARN' || r.kind === 'printk')) return 'warn';
  if (reports.some((r) => r.kind === 'check')) return 'check';
  return 'ok';
}

/** Whether any step of a scenario states its result with `expect:`. */
function hasStepExpectations(scn: Scenario): boolean {
  const walk = (list: readonly Step[] | undefined): boolean => (list ?? []).some((st) => (st.kind === 'repeat' ? walk(st.steps) : st.expect !== null));
  return walk(scn.steps) || (scn.cpus ?? []).some(walk) || walk(scn.final);
}
