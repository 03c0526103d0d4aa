/**
 * The oracles, run on every program: the reports of the variant's run
 * (BUG, WARN, bad page, checker), the end state after teardown (pages not
 * back in the allocator), and the differential against the stack's base
 * (the same program under `baseline`, or under `a` for a stack `a+b`): a
 * report the base does not make, or a step whose result differs from the
 * base's where the operation's fuzz spec says results are comparable. A
 * report under `baseline` itself is a bug in pagesim's model (`model-bug`).
 */

import type { RunObserver, StepResult } from '../engine/run.js';
import type { Kernel } from '../kernel/kernel.js';
import type { Report, Site } from '../report/report.js';
import type { Scenario } from '../scenario/types.js';
import { runOnKeptMachine } from './machine.js';
import { errnoName } from '../kernel/errno.js';
import { NR_FREE_PAGES, NR_SLAB_RECLAIMABLE_B, NR_SLAB_UNRECLAIMABLE_B } from '../kernel/vmstat.js';
import { InputError } from '../util/errors.js';
import { noteWrapper } from '../check/page-reader.js';
import { fuzzSpec, type GStep } from './model.js';
import { fuzzMachine, programScenario, type FuzzMachine } from './program.js';

export type FindingKind = 'BUG' | 'bad_page' | 'WARN' | 'printk' | 'check' | 'differential' | 'leak' | 'model-bug';

export interface Finding {
  /** kind + function + reason: what deduplicates findings. */
  readonly signature: string;
  readonly kind: FindingKind;
  readonly function: string;
  readonly reason: string;
  /** The stack the finding is about (`baseline` for a model bug). */
  readonly variant: string;
  /** For a report: its kind, function and reason, to match in the scenario's expect. */
  readonly report?: { readonly kind: string; readonly function: string; readonly reason: string };
  /** For a differential result: the step's index and both results. */
  readonly step?: { readonly index: number; readonly base: string; readonly variant: string };
}

/** What one run of a program under one stack shows the oracles. */
export interface Observation {
  readonly reports: readonly Report[];
  readonly steps: readonly StepResult[];
  /** The run stopped at a BUG (the steps after it did not run). */
  readonly stopped: boolean;
  /** Pages in the allocator plus pages slab keeps, after teardown (null when the run stopped). */
  readonly pages: number | null;
}

/**
 * The kernel's check macros (src/kernel/machine.ts), by where each takes
 * its Site: every evaluation of one is a check site reached, whether it
 * fires or not (the SITES table and the sites variants declare).
 */
const CHECKS: Readonly<Record<string, number>> = {
  VM_BUG_ON_PAGE: 2,
  VM_BUG_ON_FOLIO: 2,
  VM_BUG_ON: 1,
  VM_WARN_ON_ONCE_PAGE: 2,
  VM_WARN_ON_ONCE_FOLIO: 2,
  VM_WARN_ON_PAGE: 2,
  VM_WARN_ON_FOLIO: 2,
  WARN_ON_ONCE: 1,
  WARN_ON: 1,
  WARN_ONCE: 1,
};

/** A check site as coverage names it (each site's name made once: a site is a constant of the kernel's). */
export function siteName(s: Site): string {
  let n = siteNames.get(s);
  if (n === undefined) siteNames.set(s, (n = `${s.fn} ${s.file}:${s.line}`));
  return n;
}
const siteNames = new WeakMap<Site, string>();

/**
 * A machine's coverage probes: every kernel function (one with a symbol)
 * and every check macro of the machine's own class (machine.ts) is wrapped
 * once, when the machine is first followed, and stays wrapped: a wrapper
 * marks its function in `marks` (a typed-array store) and calls it; a
 * check macro's adds its site to `sites`. Nothing is changed per run (a
 * prototype changed under running code throws away its optimised code).
 *
 * Each wrapper is compiled from a text of its own (its function's index
 * written in it), so each has its own feedback: its call of the wrapped
 * function sees one target and the compiler can inline it, where one
 * closure shared by every wrapper calls hundreds of targets through
 * `apply` and inlines none. A function that sees only its declared
 * parameters gets them by name; any other (a default, a rest parameter,
 * `arguments`) through `apply`, with exactly the arguments it was given.
 */
interface Probe {
  readonly names: readonly string[];
  readonly marks: Uint8Array;
  /** Each function's number among every machine's of this thread (functionIds). */
  readonly ids: Int32Array;
  readonly sites: Set<Site>;
}

/** Kernel function names, numbered once per thread, so that a run's coverage is a byte array over every machine's functions. */
const functionIds = new Map<string, number>();
function functionId(name: string): number {
  let id = functionIds.get(name);
  if (id === undefined) functionIds.set(name, (id = functionIds.size));
  return id;
}
const probes = new WeakMap<Kernel, Probe>();

type Method = (...a: unknown[]) => unknown;
type MakeWrapper = (fn: Method, marks: Uint8Array, sites: Set<Site>) => Method;
/** Wrapper makers by their text (a class's methods are the same for every machine of it). */
const makers = new Map<string, MakeWrapper>();

/**
 * Whether `fn` sees nothing of how it is called but its declared
 * parameters: none has a default, none is a rest or a pattern, and it
 * never reads `arguments`. Such a function called with its parameters
 * passed by name behaves as called with whatever its caller passed.
 */
function plainParams(fn: Method): boolean {
  const src = Function.prototype.toString.call(fn);
  const open = src.indexOf('(');
  const close = src.indexOf(')', open);
  if (open < 0 || close < 0) return false;
  const params = src.slice(open + 1, close);
  return !/[=.{[(]/.test(params) && !/\barguments\b/.test(src);
}

/** A wrapper of `fn`: marks[index] = 1 (index >= 0), or adds its argument number `site` to sites (site >= 0). */
function wrapper(name: string, fn: Method, index: number, site: number, marks: Uint8Array, sites: Set<Site>): Method {
  const mark = site >= 0 ? `sites.add(${plainParams(fn) && site < fn.length ? `a${site}` : `arguments[${site}]`});` : `marks[${index}] = 1;`;
  const params = Array.from({ length: fn.length }, (_, i) => `a${i}`).join(', ');
  // A plain function gets its parameters by name (an interpreted function that reads `arguments` makes the object at every call).
  const call = plainParams(fn) ? `fn.call(this${params === '' ? '' : `, ${params}`})` : 'fn.apply(this, arguments)';
  const text = `"use strict"; return function probe_${/^[A-Za-z_$][\w$]*$/.test(name) ? name : 'method'}(${params}) { ${mark} return ${call}; };`;
  let make = makers.get(text);
  if (make === undefined) makers.set(text, (make = new Function('fn', 'marks', 'sites', text) as MakeWrapper));
  return make(fn, marks, sites);
}

function probe(k: Kernel): Probe {
  const had = probes.get(k);
  if (had !== undefined) return had;
  const own = Object.getPrototypeOf(k) as Record<string, unknown>;
  if (Object.getOwnPropertyNames(own).some((n) => n !== 'constructor')) throw new Error('fuzz coverage: the machine has no class of its own (machine.ts boot())');
  const names: string[] = [];
  const seen = new Set<string>();
  const wrap: { name: string; fn: Method; index: number; site: number }[] = [];
  for (let proto = Object.getPrototypeOf(own) as object | null; proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (seen.has(name) || name === 'constructor') continue;
      seen.add(name);
      const d = Object.getOwnPropertyDescriptor(proto, name);
      if (d === undefined || typeof d.value !== 'function') continue;
      const fn = d.value as Method;
      const at = CHECKS[name];
      if (at !== undefined) {
        wrap.push({ name, fn, index: -1, site: at });
        continue;
      }
      if (k.symbols.get(name) === undefined) continue;
      wrap.push({ name, fn, index: names.length, site: -1 });
      names.push(name);
    }
  }
  const p: Probe = { names, marks: new Uint8Array(names.length), ids: Int32Array.from(names, functionId), sites: new Set() };
  for (const { name, fn, index, site } of wrap) {
    const w = wrapper(name, fn, index, site, p.marks, p.sites);
    // The checker reads struct pages' words itself where the helpers are the kernel's (page-reader.ts).
    noteWrapper(w, (Object.getPrototypeOf(own) as Record<string, unknown>)[name]);
    // As a class's method is: not enumerable (a checkpoint counts an object's enumerable properties).
    Object.defineProperty(own, name, { value: w, writable: true, enumerable: false, configurable: true });
  }
  probes.set(k, p);
  return p;
}

/** Follows which kernel functions and check sites a run reaches (coverage). */
export class Coverage implements RunObserver {
  /** The kernel functions reached, each once, in the order the runs' probes list them. */
  readonly functions: string[] = [];
  /** Check sites evaluated (by object: a site is one constant of the kernel's). */
  readonly checkSites = new Set<Site>();
  private p: Probe | null = null;
  /** By function number (functionIds): whether `functions` has it. */
  private has = new Uint8Array(0);
  start(k: Kernel): void {
    this.p = probe(k);
    this.p.marks.fill(0);
    this.p.sites.clear();
  }
  beforeStep(): void {}
  afterStep(): void {}
  finish(): void {
    const p = this.p;
    if (p === null) return;
    if (this.has.length < functionIds.size) {
      const grown = new Uint8Array(functionIds.size);
      grown.set(this.has);
      this.has = grown;
    }
    const { marks, ids, names } = p;
    const has = this.has;
    for (let i = 0; i < marks.length; i++) {
      if (marks[i] === 0) continue;
      const id = ids[i]!;
      if (has[id] === 0) {
        has[id] = 1;
        this.functions.push(names[i]!);
      }
    }
    for (const s of p.sites) this.checkSites.add(s);
    this.p = null;
  }
  /** The check sites reached, by name. */
  sites(): string[] {
    const names = new Set<string>();
    for (const s of this.checkSites) names.add(siteName(s));
    return [...names];
  }
}

export interface OracleOptions {
  /** Boot a machine for each run instead of restoring the kept one (the tests compare the two). */
  readonly fresh?: boolean;
  /** The machine (default DEFAULT_FUZZ_MACHINE; shrinking tries smaller ones). */
  readonly machine?: FuzzMachine;
}

/**
 * Runs a program under a stack; null when the program is not valid input
 * (a pagesim bug in a spec, or a shrink candidate that lost a binding).
 */
export function observe(scn: Scenario, variant: string, coverage?: Coverage, opts: OracleOptions = {}): Observation | null {
  let out;
  try {
    out = runOnKeptMachine(scn, variant, coverage === undefined ? [] : [coverage], opts.fresh === true);
  } catch (e) {
    if (e instanceof InputError) return null;
    throw e;
  }
  if (out === null) return { reports: [], steps: [], stopped: false, pages: null };
  const { run, machine } = out;
  const stopped = run.outcome === 'bug' && run.stepsRun < scn.steps.length;
  let pages: number | null = null;
  if (machine !== null && !stopped) {
    // The slab counters count pages here (vmstat keeps them in pages; /proc shows kB).
    // The exact sums (vm_node_stat()): a variant with per-CPU deltas leaves some unfolded.
    pages = machine.global_zone_page_state(NR_FREE_PAGES) + machine.vm_node_stat(NR_SLAB_RECLAIMABLE_B) + machine.vm_node_stat(NR_SLAB_UNRECLAIMABLE_B);
  }
  if (opts.fresh === true) machine?.releaseMemory();
  return { reports: run.reports, steps: run.steps, stopped, pages };
}

/** The stack a variant is judged against. */
export function baseOf(stack: string): string {
  const i = stack.lastIndexOf('+');
  return i < 0 ? 'baseline' : stack.slice(0, i);
}

/**
 * A report's signature: kind, function, reason. A checker's reason carries
 * the counts it found ("NR_FILE_MAPPED is -2 but ..."): they are numbers
 * of this program, not a different finding, so they read N.
 */
export const reportKey = (r: { kind: string; function: string; reason: string }): string => `${r.kind} ${r.function}: ${r.kind === 'check' ? r.reason.replace(/-?\b\d+\b/g, 'N') : r.reason}`;

function show(v: StepResult['result']): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number' && v < 0) return errnoName(v) ?? String(v);
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

/**
 * The findings of one program: `x` is its run under `variant`, `b` under
 * the base (the same observation when variant is baseline).
 */
export function judge(steps: readonly GStep[], variant: string, x: Observation | null, b: Observation | null): Finding[] {
  const out: Finding[] = [];
  if (x === null || b === null) return out;
  const base = variant === 'baseline' ? 'baseline' : baseOf(variant);
  // Under --misuse a misused program's reports under baseline are the misuse's, not the model's.
  const misused = steps.some((s) => s.misuse !== undefined);
  if (base === 'baseline' && !misused) {
    for (const r of b.reports) out.push({ signature: `model-bug ${reportKey(r)}`, kind: 'model-bug', function: r.function, reason: r.reason, variant: 'baseline', report: { kind: r.kind, function: r.function, reason: r.reason } });
  }
  if (variant === 'baseline') return dedup(out);
  const inBase = new Set(b.reports.map(reportKey));
  for (const r of x.reports) {
    if (inBase.has(reportKey(r))) continue;
    out.push({ signature: reportKey(r), kind: r.kind as FindingKind, function: r.function, reason: r.reason, variant, report: { kind: r.kind, function: r.function, reason: r.reason } });
  }
  // Results compared where both runs reached the step, up to the first difference (later ones follow from it).
  const n = Math.min(x.steps.length, b.steps.length);
  for (let i = 0; i < n; i++) {
    const sx = x.steps[i]!;
    const sb = b.steps[i]!;
    if (sx.killed === true || sb.killed === true) break;
    const spec = fuzzSpec(sx.op);
    if (spec?.diff === undefined) continue;
    const rx = sx.result;
    const rb = sb.result;
    const xErr = typeof rx === 'number' && rx < 0;
    const bErr = typeof rb === 'number' && rb < 0;
    if (spec.diff === 'errno' ? xErr && !bErr : JSON.stringify(rx) !== JSON.stringify(rb)) {
      const reason = spec.diff === 'errno' ? `${show(rx)} where ${base} succeeded` : `returned ${show(rx)} where ${base} returned ${show(rb)}`;
      out.push({ signature: `differential ${sx.op}: ${spec.diff === 'errno' ? `${show(rx)} where ${base} succeeded` : `result differs from ${base}`}`, kind: 'differential', function: sx.op, reason, variant, step: { index: i, base: show(rb), variant: show(rx) } });
      break;
    }
  }
  if (x.reports.length === 0 && x.pages !== null && b.pages !== null && x.pages !== b.pages) {
    const d = x.pages - b.pages;
    out.push({ signature: `leak teardown: ${d < 0 ? 'pages not returned' : 'more pages free'} after teardown (vs ${base})`, kind: 'leak', function: 'teardown', reason: `${Math.abs(d)} page(s) ${d < 0 ? 'fewer' : 'more'} free or in slab after teardown than under ${base}`, variant });
  }
  return dedup(out);
}

function dedup(fs: Finding[]): Finding[] {
  const seen = new Set<string>();
  return fs.filter((f) => (seen.has(f.signature) ? false : (seen.add(f.signature), true)));
}

/** Runs the oracles on one program. */
export function runOracles(steps: readonly GStep[], variant: string, coverage?: Coverage, opts: OracleOptions = {}): { findings: Finding[]; x: Observation | null; b: Observation | null } {
  const base = variant === 'baseline' ? null : baseOf(variant);
  // One scenario for both runs (the runner plans its steps once).
  const scn = programScenario(steps, 'fuzz', [], fuzzMachine(opts.machine));
  const b = observe(scn, base ?? 'baseline', coverage, opts);
  const x = base === null ? b : observe(scn, variant, coverage, opts);
  return { findings: judge(steps, variant, x, b), x, b };
}
