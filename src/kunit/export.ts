/**
 * A scenario as a KUnit suite in C for linux 6.12: one test case per
 * scenario (per case of a `cases:` file), the steps as calls of the real
 * kernel functions in order, handles as local variables (a handle bound in
 * a loop, `p$i`, as an array), and after every step a line
 * `pagesim: step N op = value` so a console can be compared with
 * `pagesim run`. Step expectations become KUNIT_EXPECT checks. Above each
 * case, a comment says what pagesim's run of it under linux-6.12 predicts
 * (kunitRuns(): the same runs test/kernel/ compares the kernel's console
 * with). A step with no 6.12 counterpart makes the export fail with one
 * line naming it.
 */

import type { ArgValue, Expr, HandleRef, OpStep, ResultLiteral, Scenario, Step } from '../scenario/types.js';
import { getOp } from '../engine/registry.js';
import { expandCases } from '../engine/load.js';
import { runScenario, type RunResult } from '../engine/run.js';
import type { Report } from '../report/report.js';
import { InputError } from '../util/errors.js';
import { BASE_HEADERS, HELPERS, PRINTERS } from './helpers.js';
import { kunitOp, PP_STATS, statEnum, type KunitOp } from './ops.js';

/** The kernel the export targets; the variant whose answers it is compared with. */
export const KUNIT_VARIANT = 'linux-6.12';

/** Steps pagesim runs on its own machine that have no kernel call: printed as skipped. */
const PAGESIM_ONLY: Readonly<Record<string, string>> = {
  check: "pagesim's whole-machine checker",
  proc: 'a /proc file pagesim renders',
};

const C_RESERVED = new Set(
  `auto break case char const continue default do double else enum extern float for goto if inline int long register
restrict return short signed sizeof static struct switch typedef union unsigned void volatile while bool true false
current test i j k NULL jiffies`.split(/\s+/),
);

/** The C identifier of a scenario name (`net-page-pool` -> `net_page_pool`). */
export function cIdent(name: string): string {
  const s = name.replace(/[^A-Za-z0-9_]/g, '_').replace(/_+/g, '_');
  return /^[0-9]/.test(s) ? `_${s}` : s;
}

/**
 * A C string literal holding any text: printable ASCII as itself, quote and
 * backslash escaped, every other byte of its UTF-8 (control characters, NUL,
 * non-ASCII) as a three-digit octal escape, which no following digit can
 * extend. JSON's escapes are not C's (a \u escape of a control character
 * is not a valid universal character name).
 */
export function cString(text: string): string {
  let out = '"';
  for (const b of Buffer.from(text, 'utf8')) {
    if (b === 0x22 || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\${b.toString(8).padStart(3, '0')}`;
  }
  return `${out}"`;
}

/** Text for inside a C comment: a star and slash in it would end the comment, and control characters (NUL) do not belong in a source file. */
export function cComment(text: string): string {
  return text.replace(/\*\//g, '* /').replace(/[\u0000-\u001f\u007f]/g, ' ');
}

/** The file an export is written to: `pagesim_<name>_kunit.c`. */
export function kunitFileName(scn: Scenario): string {
  return `pagesim_${cIdent(scn.name)}_kunit.c`;
}

/** The suite name in KTAP output (and kunit.py's filter). */
export function kunitSuiteName(scn: Scenario): string {
  return `pagesim_${cIdent(scn.name)}`;
}

interface Local {
  readonly c: string;
  readonly type: string;
  /** Bound in a loop: an array of this many elements. */
  readonly array: number | null;
}

/** One test case's translation state. */
class CaseWriter {
  readonly lines: string[] = [];
  readonly locals = new Map<string, Local>();
  loopDepth = 0;
  /** Extra indentation inside a `{ }` block a step opens for its value. */
  block = 0;
  readonly helpers: Set<string>;

  constructor(
    readonly scn: Scenario,
    helpers: Set<string>,
    /** The lines of kmem_cache_create steps whose cache pagesim's run merges with another (mergedCacheLines()). */
    readonly merged: ReadonlySet<number>,
  ) {
    this.helpers = helpers;
  }

  fail(line: number, msg: string): never {
    throw new InputError(`${msg} (pagesim kunit exports for ${KUNIT_VARIANT})`, this.scn.file, line);
  }

  loopVar(depth = this.loopDepth): string {
    return 'ijk'[depth - 1]!;
  }

  indent(): string {
    return '\t'.repeat(this.loopDepth + this.block + 1);
  }

  emit(s: string): void {
    for (const l of s.split('\n')) this.lines.push(`${this.indent()}${l}`);
  }

  /** The C lvalue of a handle name as written (`p`, `p$i`, `p58`). */
  handle(name: string, line: number): string {
    const direct = this.locals.get(name);
    if (direct !== undefined && direct.array === null) return direct.c;
    if (name.endsWith('$i') && !name.slice(0, -2).includes('$i')) {
      const arr = this.locals.get(name);
      if (arr !== undefined) {
        if (this.loopDepth === 0) this.fail(line, `${name}: $i outside a repeat`);
        return `${arr.c}[${this.loopVar()}]`;
      }
    }
    const m = /^(.*?)([0-9]+)$/.exec(name);
    if (m !== null) {
      const arr = this.locals.get(`${m[1]}$i`);
      if (arr !== undefined && arr.array !== null) {
        if (Number(m[2]) >= arr.array) this.fail(line, `${name}: index ${m[2]} is past the ${arr.array} the loop bound`);
        return `${arr.c}[${Number(m[2])}]`;
      }
    }
    return this.fail(line, `handle "${name}" cannot be exported (only NAME and NAME$i bound in a repeat are)`);
  }

  /** Declares the local a step binds and returns its C lvalue. */
  bind(name: string, type: string, line: number, times: number | null): string {
    if (name.includes('$i')) {
      if (!name.endsWith('$i') || name.slice(0, -2).includes('$i')) this.fail(line, `as: ${name}: only NAME$i handles can be exported`);
      if (this.loopDepth === 0 || times === null) this.fail(line, `as: ${name}: $i outside a repeat with a constant count`);
      if (!this.locals.has(name)) this.locals.set(name, { c: this.fresh(name.slice(0, -2)), type, array: times });
      return this.handle(name, line);
    }
    const existing = this.locals.get(name);
    if (existing !== undefined) {
      if (existing.type !== type) this.fail(line, `as: ${name}: rebound as another type (${existing.type.trim()} -> ${type.trim()})`);
      return existing.c;
    }
    const c = this.fresh(name);
    this.locals.set(name, { c, type, array: null });
    return c;
  }

  private fresh(name: string): string {
    let c = cIdent(name);
    if (C_RESERVED.has(c) || c.startsWith('pagesim_')) c = `${c}_`;
    const taken = new Set([...this.locals.values()].map((l) => l.c));
    while (taken.has(c)) c = `${c}_`;
    return c;
  }

  expr(e: Expr, line: number): string {
    switch (e.kind) {
      case 'num':
        return e.value > 0x7fffffff || e.value < -0x80000000 ? `${e.value}L` : String(e.value);
      case 'var':
        if (this.loopDepth === 0) this.fail(line, '$i outside a repeat');
        return this.loopVar();
      case 'ref':
        return this.handle(e.name, line);
      case 'neg':
        return `(-${this.expr(e.arg, line)})`;
      case 'bin':
        return `(${this.expr(e.left, line)} ${e.op} ${this.expr(e.right, line)})`;
    }
  }

  page(ref: HandleRef, line: number): string {
    const base = this.handle(ref.name, line);
    if (ref.offset === null) return base;
    const off = this.expr(ref.offset, line);
    return off.startsWith('(-') ? `${base} - ${off.slice(2, -1)}` : `${base} + ${off}`;
  }

  /** The C of one argument as the template asks for it (`{name}`, `{name:folio}` ...). */
  arg(step: OpStep, param: string, how: string | undefined): string {
    if (how === 'slabflags') return this.merged.has(step.line) ? '0' : 'SLAB_NO_MERGE';
    const v: ArgValue | undefined = step.args.get(param);
    if (v === undefined) this.fail(step.line, `${step.op}: no argument ${param}`);
    const str = (): string => (v.kind === 'string' ? v.value : this.fail(step.line, `${step.op}: ${param} is not a string`));
    switch (how) {
      case 'folio':
        if (v.kind !== 'handle') this.fail(step.line, `${step.op}: ${param} is not a page`);
        return `page_folio(${this.page(v, step.line)})`;
      case 'page':
        if (v.kind !== 'handle') this.fail(step.line, `${step.op}: ${param} is not a page`);
        return this.page(v, step.line);
      case 'raw': {
        const s = str().trim();
        if (!/^[A-Za-z0-9_ |]+$/.test(s)) this.fail(step.line, `${step.op}: ${param} "${s}" is not a C constant expression of names and numbers`);
        return s.replace(/\s*\|\s*/g, ' | ');
      }
      case 'ppstat': {
        const f = PP_STATS[str()];
        return f ?? this.fail(step.line, `${step.op}: page_pool statistic "${str()}" has no field in 6.12's struct page_pool_stats`);
      }
      case 'nodestat':
      case 'zonestat': {
        const e = statEnum(str());
        return e ?? this.fail(step.line, `${step.op}: "${str()}" is not a vmstat item`);
      }
    }
    switch (v.kind) {
      case 'int':
        return this.expr(v.expr, step.line);
      case 'gfp':
        return /^[A-Za-z0-9_ |]+$/.test(v.text) ? v.text.replace(/\s*\|\s*/g, '|') : `0x${v.mask.toString(16)}`;
      case 'bool':
        return v.value ? 'true' : 'false';
      case 'string':
        return v.value.includes('$i') ? this.loopString(v.value, step) : cString(v.value);
      case 'handle':
        return this.page(v, step.line);
    }
  }

  /**
   * A string with `$i` in a loop, as pagesim expands it for each index
   * (`cache$i`: cache0, cache1...): formatted into a buffer of the call
   * site. The functions that take such a string (kmem_cache_create's name,
   * dump_page's reason) copy or print it before they return.
   */
  private loopString(text: string, step: OpStep): string {
    if (this.loopDepth === 0) this.fail(step.line, `${step.op}: $i outside a repeat`);
    const parts = text.split('$i');
    const format = parts.map((p) => p.replaceAll('%', '%%')).join('%d');
    // An int prints in at most 11 characters.
    const size = Buffer.byteLength(parts.join(''), 'utf8') + 11 * (parts.length - 1) + 1;
    const args = Array.from({ length: parts.length - 1 }, () => this.loopVar()).join(', ');
    return `({ static char pagesim_str[${size}]; snprintf(pagesim_str, sizeof(pagesim_str), ${cString(format)}, ${args}); pagesim_str; })`;
  }

  steps(list: readonly Step[]): void {
    for (const st of list) {
      if (st.kind === 'repeat') this.repeat(st.times, st.steps, st.line);
      else this.step(st, null);
    }
  }

  private loopTimes: (number | null)[] = [];

  repeat(times: Expr, body: readonly Step[], line: number): void {
    if (this.loopDepth >= 3) this.fail(line, 'repeat nested more than three deep');
    const n = times.kind === 'num' ? times.value : null;
    const v = this.loopVar(this.loopDepth + 1);
    this.emit(`for (${v} = 0; ${v} < ${this.expr(times, line)}; ${v}++) {`);
    this.loopDepth++;
    this.loopTimes.push(n);
    this.steps(body);
    this.loopTimes.pop();
    this.loopDepth--;
    this.emit('}');
  }

  step(st: OpStep, _unused: null): void {
    if (st.cpu !== null) this.fail(st.line, `${st.op}: a step on a chosen CPU (cpu: ${st.cpu}) cannot be exported`);
    if (PAGESIM_ONLY[st.op] !== undefined) {
      this.emit(`/* ${st.op}: ${PAGESIM_ONLY[st.op]}, nothing to run */`);
      this.emit(`pagesim_skip("${st.op}");`);
      return;
    }
    const def = getOp(st.op);
    const k: KunitOp | null = kunitOp(st.op, def?.params[0]?.name);
    if (def === undefined || k === null) this.fail(st.line, `operation ${st.op} has no counterpart a KUnit test can call in linux 6.12`);
    for (const h of k.helpers ?? []) this.helpers.add(h);
    if (st.op === 'kmem_cache_create' && this.merged.has(st.line)) {
      this.emit('/* merged with another cache of the scenario, as pagesim runs it: no SLAB_NO_MERGE */');
    }
    const call = k.c.replace(/\{([A-Za-z_0-9]+)(?::([a-z]+))?\}/g, (_m, p: string, how: string | undefined) => this.arg(st, p, how));
    const print = k.print ?? (def.result === 'errno' ? 'int' : def.result === 'handle' ? 'ptr' : def.result === 'text' ? 'void' : def.result);
    const op = JSON.stringify(st.op);
    if (print === 'void') {
      if (st.as !== null) this.fail(st.line, `${st.op} returns nothing to bind with as:`);
      this.emit(`${call};`);
      this.emit(`pagesim_void(${op});`);
      return;
    }
    const type = print === 'page' ? 'struct page *' : print === 'ptr' ? (k.type ?? 'void *') : print === 'bool' ? 'bool' : 'long';
    let value = call;
    if (st.as !== null) {
      const lv = this.bind(st.as, type, st.line, this.loopTimes[this.loopTimes.length - 1] ?? null);
      this.emit(`${lv} = ${call};`);
      value = lv;
    } else if (st.expect !== null) {
      this.emit(`{`);
      this.block++;
      this.emit(`${type.endsWith('*') ? type : `${type} `}v = ${call};`);
      value = 'v';
    }
    switch (print) {
      case 'page':
        this.emit(`pagesim_page(${op}, ${value});`);
        break;
      case 'ptr':
        this.emit(`pagesim_ptr(${op}, "${k.label ?? 'object'}", ${value});`);
        break;
      case 'bool':
        this.emit(`pagesim_bool(${op}, ${value});`);
        break;
      default:
        this.emit(`pagesim_int(${op}, ${value});`);
    }
    if (st.expect !== null) this.emit(this.expectation(st, value, st.expect, print));
    if (st.as === null && st.expect !== null) {
      this.block--;
      this.emit('}');
    }
  }

  expectation(st: OpStep, value: string, e: ResultLiteral, print: string): string {
    switch (e.kind) {
      case 'null':
        return `KUNIT_EXPECT_NULL(test, ${value});`;
      case 'bool':
        return `KUNIT_EXPECT_EQ(test, ${value}, ${e.value});`;
      case 'int':
        return `KUNIT_EXPECT_EQ(test, (long)${value}, ${e.value}L);`;
      case 'errno':
        return `KUNIT_EXPECT_EQ(test, (long)${value}, (long)-${e.name.replace(/^-/, '')});`;
      case 'string':
        return `/* expect: ${cComment(JSON.stringify(e.value))} (pagesim's text, not compared here) */`;
      case 'handle':
        if (print === 'page') return `KUNIT_EXPECT_PTR_EQ(test, ${value}, ${this.page(e.ref, st.line)});`;
        return `KUNIT_EXPECT_PTR_EQ(test, (const void *)${value}, (const void *)${this.handle(e.ref.name, st.line)});`;
    }
  }

  /** The function body: declarations, then the steps. */
  body(): string[] {
    const decls: string[] = [];
    for (const l of this.locals.values()) {
      const t = l.type.endsWith('*') ? l.type : `${l.type} `;
      decls.push(l.array === null ? `\t${t}${l.c};` : `\tstatic ${t}${l.c}[${l.array}];`);
    }
    const loops = this.maxDepth;
    if (loops > 0) decls.push(`\tint ${'ijk'.slice(0, loops).split('').join(', ')};`);
    return [...decls, ...(decls.length > 0 ? [''] : []), '\tpagesim_step = 0;', ...this.lines];
  }

  get maxDepth(): number {
    let d = 0;
    for (const l of this.lines) {
      const m = /^\t+for \(([ijk]) = 0/.exec(l);
      if (m !== null) d = Math.max(d, 'ijk'.indexOf(m[1]!) + 1);
    }
    return d;
  }
}

/**
 * pagesim's run of each case of a scenario (the scenario itself when it has
 * no cases:) under the variant the export targets, in the order of the
 * suite's cases: what each exported case's comment predicts, and what the
 * differential run (test/kernel/) compares the kernel's console with.
 */
export function kunitRuns(scn: Scenario): RunResult[] {
  return expandCases(scn).map((c) => runScenario(c, KUNIT_VARIANT));
}

/** The C text of a scenario's KUnit suite. */
export function exportKunit(scn: Scenario): string {
  return kunitExport(scn).text;
}

/**
 * The C text of a scenario's KUnit suite and the runs its comments predict
 * from (kunitRuns(), run once the scenario is known to export, unless given).
 */
export function kunitExport(scn: Scenario, runs?: readonly RunResult[]): { readonly text: string; readonly runs: readonly RunResult[] } {
  if (scn.cpus !== undefined) throw new InputError(`a concurrent scenario (cpus:) cannot be exported: KUnit runs a case's steps on one thread (pagesim kunit exports for ${KUNIT_VARIANT})`, scn.file);
  const id = cIdent(scn.name);
  const list = scn.cases === undefined ? [{ name: null as string | null, steps: scn.steps, description: '' }] : scn.cases.map((c) => ({ name: c.name as string | null, steps: [...scn.steps, ...c.steps], description: c.description }));
  // Translated once without the runs: an operation 6.12 lacks is refused before anything runs.
  for (const c of list) new CaseWriter(scn, new Set(), new Set()).steps(c.steps);
  if (list.some((c) => readsNodeStat(c.steps))) {
    // The suite holds the vmstat worker off (helpers.ts, nodestat); pagesim
    // folds every CPU's node deltas at a sleep of a second or more, as that
    // worker would have: the kernel, held off, would not.
    const sleep = list.flatMap((c) => longSleeps(c.steps))[0];
    if (sleep !== undefined) throw new InputError(`msleep of a second or more in a scenario that reads global_node_page_state cannot be exported: the test holds the vmstat worker off while it runs (pagesim kunit exports for ${KUNIT_VARIANT})`, scn.file, sleep.line);
  }
  const predicted = runs ?? kunitRuns(scn);
  if (predicted.length !== list.length) throw new Error(`exportKunit: ${predicted.length} runs for ${list.length} cases`);
  const helpers = new Set<string>();
  const cases: { fn: string; body: string[]; description: string; prediction: string[] }[] = [];
  for (const [i, c] of list.entries()) {
    const run = predicted[i]!;
    const w = new CaseWriter(scn, helpers, mergedCacheLines(run));
    w.steps(c.steps);
    cases.push({ fn: c.name === null ? `pagesim_${id}_test` : `pagesim_${id}_${cIdent(c.name)}_test`, body: w.body(), description: c.description, prediction: prediction(run) });
  }
  const headers = new Set(BASE_HEADERS);
  for (const h of helpers) for (const x of HELPERS[h]!.headers) headers.add(x);
  const order = Object.keys(HELPERS).filter((h) => helpers.has(h));
  const out: string[] = [];
  // The licence is stated in our words; whoever submits the file adds the
  // identifier line checkpatch asks for.
  out.push('/*');
  out.push(` * KUnit test for the pagesim scenario "${cComment(scn.name)}" (${KUNIT_VARIANT}).`);
  out.push(' * Licence: GPL version 2, as the rest of mm/.');
  out.push(' *');
  for (const l of wrap(cComment(scn.description.trim()), 72)) out.push(` * ${l}`.trimEnd());
  out.push(' *');
  out.push(' * Each step prints "pagesim: step N op = value" after it returns, so the');
  out.push(' * console can be compared with `pagesim run --variant linux-6.12`; above');
  out.push(' * each case, what that run predicts the kernel prints.');
  out.push(' */');
  out.push('');
  for (const h of headers) out.push(`#include <${h}>`);
  out.push('#include <asm/pgalloc.h>');
  out.push('#include <asm/set_memory.h>');
  out.push('');
  out.push('#include "internal.h"');
  out.push('');
  out.push(PRINTERS);
  for (const h of order) {
    out.push('');
    out.push(HELPERS[h]!.code);
  }
  for (const c of cases) {
    out.push('');
    out.push('/*');
    if (c.description) {
      for (const l of wrap(cComment(c.description.trim()), 72)) out.push(` * ${l}`.trimEnd());
      out.push(' *');
    }
    for (const l of c.prediction) out.push(` * ${l}`.trimEnd());
    out.push(' */');
    out.push(`static void ${c.fn}(struct kunit *test)`);
    out.push('{');
    out.push(...c.body);
    out.push('}');
  }
  out.push('');
  out.push(`static struct kunit_case pagesim_${id}_cases[] = {`);
  for (const c of cases) out.push(`\tKUNIT_CASE(${c.fn}),`);
  out.push('\t{}');
  out.push('};');
  out.push('');
  out.push(`static struct kunit_suite pagesim_${id}_suite = {`);
  out.push(`\t.name = "${kunitSuiteName(scn)}",`);
  out.push(`\t.test_cases = pagesim_${id}_cases,`);
  if (helpers.has('nodestat')) {
    out.push('\t.init = pagesim_vmstat_hold,');
    out.push('\t.exit = pagesim_vmstat_release,');
  }
  out.push('};');
  out.push('');
  out.push(`kunit_test_suite(pagesim_${id}_suite);`);
  out.push('');
  out.push(`MODULE_DESCRIPTION(${cString(`pagesim scenario ${scn.name}`)});`);
  out.push('MODULE_LICENSE("GPL");');
  return { text: `${out.join('\n')}\n`, runs: predicted };
}

/**
 * The lines of the kmem_cache_create steps whose cache the run merged with
 * another (6.12 merges compatible caches, mm/slab_common.c
 * find_mergeable(), and pagesim's linux-6.12 does): two calls returned the
 * same cache. Every other cache is created SLAB_NO_MERGE, so that on a real
 * kernel it does not merge with one of the kernel's own caches of that size
 * (pagesim's machine has none): a slab page the test frees or breaks then
 * holds its objects alone. Two caches of one name count as merged, which
 * leaves both mergeable rather than part a pair pagesim merges.
 */
function mergedCacheLines(run: RunResult): Set<number> {
  const byCache = new Map<string, number[]>();
  for (const s of run.steps) {
    if (s.op !== 'kmem_cache_create' || s.result === null || s.result === undefined) continue;
    const key = JSON.stringify(s.result);
    byCache.set(key, [...(byCache.get(key) ?? []), s.line]);
  }
  return new Set([...byCache.values()].filter((lines) => lines.length > 1).flat());
}

/** How many predicted lines a case's comment lists before it counts the rest. */
const PREDICTION_LINES = 20;

/** The report's line a reader looks for: `kernel BUG at ...`, `BUG: ...`, `WARNING: ...`, else its first line of text. */
export function reportHeadline(r: Report): string {
  const lines = r.text.split('\n');
  return lines.find((l) => /^(kernel BUG at |BUG: |WARNING: |Oops: )/.test(l)) ?? lines.find((l) => l.trim() !== '' && !l.startsWith('------------[ cut here ]')) ?? r.message;
}

/**
 * The comment lines that say what pagesim's run of a case predicts: each
 * report's headline at its step (what the kernel prints; a checker finding
 * is pagesim's alone), each step expectation that does not hold, and how the
 * case ends. Made from the run alone, so the same run gives the same text.
 */
function prediction(run: RunResult): string[] {
  const ops = new Map(run.steps.map((s) => [s.index, s.op]));
  const at = (step: number | undefined): string => (step === undefined ? 'after the last step' : `step ${step} ${ops.get(step) ?? ''}`.trimEnd());
  const items: { step: number; text: string }[] = [];
  for (const r of run.reports) {
    const where = r.kind === 'check' ? `${at(r.step)}, pagesim's checker (the kernel prints nothing of it)` : at(r.step);
    const note = r.suppressed ? ' (rate-limited: not printed)' : '';
    items.push({ step: r.step ?? Infinity, text: `${where}: ${cComment(reportHeadline(r))}${note}` });
  }
  for (const s of run.steps) {
    if (s.expectFailure === undefined) continue;
    // `step N (FILE:LINE): CALL returned ...`: the file is left out, so the text does not depend on the path given
    const cut = s.expectFailure.indexOf('): ');
    const said = cut < 0 ? s.expectFailure : s.expectFailure.slice(cut + 3);
    items.push({ step: s.index, text: `step ${s.index} ${s.op}: its KUNIT_EXPECT fails (${cComment(said)})` });
  }
  items.sort((a, b) => a.step - b.step);
  const out = [`What pagesim predicts for this case (pagesim run --variant ${KUNIT_VARIANT};`, "pfns, addresses, processes and offsets are pagesim's machine's):"];
  if (run.outcome === 'no_build') return [...out, `  nothing: the variant does not build (${cComment(run.failures.join('; '))})`];
  if (items.length === 0) out.push(`  no report and no failed expectation: ${run.stepsRun === 1 ? 'its one step returns' : `all ${run.stepsRun} steps return`}.`);
  for (const it of items.slice(0, PREDICTION_LINES)) out.push(`  ${it.text}`);
  if (items.length > PREDICTION_LINES) out.push(`  ... ${items.length - PREDICTION_LINES} more (pagesim run --variant ${KUNIT_VARIANT} shows them all)`);
  const bug = run.outcome === 'bug' ? run.reports.find((r) => r.kind === 'BUG') : undefined;
  if (bug !== undefined) {
    const step = bug.step === undefined ? 'the last step' : `step ${bug.step}`;
    out.push(
      bug.irq
        ? `Expected end: ${step}'s BUG comes in an RCU callback, in softirq context, where an oops panics the kernel: the boot ends there.`
        : `Expected end: ${step}'s BUG. The oops kills the test's thread, so the case stops there and KUnit fails it ("try faulted", lib/kunit/try-catch.c): that is the outcome predicted, not a fault of the test.`,
    );
  } else if (items.length > 0) out.push(`The case runs to its end (${run.stepsRun} ${run.stepsRun === 1 ? 'step' : 'steps'}).`);
  return out.flatMap((l) => (l.length > 76 && !l.startsWith('  ') ? wrap(l, 72) : [l]));
}

function readsNodeStat(steps: readonly Step[]): boolean {
  return steps.some((st) => (st.kind === 'repeat' ? readsNodeStat(st.steps) : st.op === 'global_node_page_state'));
}

/** The msleep steps of a second or more (or of a length known only when run). */
function longSleeps(steps: readonly Step[]): OpStep[] {
  return steps.flatMap((st): OpStep[] => {
    if (st.kind === 'repeat') return longSleeps(st.steps);
    if (st.op !== 'msleep') return [];
    const v = st.args.get('msecs');
    return v !== undefined && v.kind === 'int' && v.expr.kind === 'num' && v.expr.value < 1000 ? [] : [st];
  });
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const para of text.split(/\n\s*\n/)) {
    let line = '';
    for (const word of para.split(/\s+/).filter((w) => w !== '')) {
      if (line !== '' && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line === '' ? word : `${line} ${word}`;
    }
    if (line !== '') out.push(line);
    out.push('');
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}
