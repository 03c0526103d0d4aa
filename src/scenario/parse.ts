/**
 * Scenario files, format v1 (docs/scenarios.md): YAML text to a checked
 * `Scenario`.
 *
 * Everything that can be wrong in the text is found here and reported as
 * one InputError at the line of the offending node, so that the runner
 * only meets problems that depend on values at run time (a handle bound
 * in an earlier iteration, an expression of `$i`).
 */

import { isMap, isScalar, isSeq } from 'yaml';
import { DEFAULT_MACHINE, machineConfigProblem } from '../kernel/mm_init.js';
import { quote, ValueError } from './problem.js';
import { StepParser } from './steps.js';
import { didYouMean } from './suggest.js';
import type { ExploreExpectation, OpLookup, ReportMatcher, Scenario, ScenarioCase, ScenarioMachine, Step, VariantExpectation, VariantLookup } from './types.js';
import { parseConstant, shown, type ScalarIn } from './values.js';
import { defaultName, loadYaml, type Entry, type SourceDoc, type YNode } from './yaml-source.js';

export { evalExpr, ExprEvalError, formatExpr } from './expr.js';
export { expandName, formatArg, formatExpect, formatHandleRef } from './values.js';
export { MAX_REPEAT_DEPTH, MAX_STEP_NODES } from './steps.js';

const TOP_KEYS: readonly string[] = ['name', 'description', 'machine', 'variants', 'steps', 'cpus', 'final', 'schedule', 'explore', 'cases', 'expect'];
const CASE_KEYS: readonly string[] = ['name', 'description', 'steps', 'expect'];
/** How many CPU lists a `cpus:` section may have. */
export const CPU_LISTS_MIN = 2;
export const CPU_LISTS_MAX = 4;
const MACHINE_KEYS: readonly string[] = ['memory', 'cpus', 'nodes', 'thp', 'rcu_grace_steps', 'panic_on_oops', 'page_owner'];
const THP_MODES: readonly string[] = ['always', 'madvise', 'never'];
export const REPORT_KINDS: readonly string[] = ['BUG', 'WARN', 'printk', 'bad_page', 'check'];
const MATCHER_KEYS = ['kind', 'function', 'reason', 'message'] as const;

/** Parses and checks a scenario; throws one InputError(message, file, line) for the first problem. */
export function parseScenario(text: string, file: string, ops: OpLookup, variants: VariantLookup): Scenario {
  const { src, root, rootLine } = loadYaml(text, file);
  if (!isMap(root)) return src.fail(rootLine, 'a scenario must be a YAML mapping with at least a "steps:" list');
  const top = topLevel(src, src.entries(root, rootLine));
  const machine = parseMachine(src, top.get('machine'));
  const variantList = parseVariants(src, top.get('variants'), variants);
  const stepsEntry = top.get('steps');
  const casesEntry = top.get('cases');
  if (stepsEntry === undefined && casesEntry === undefined) src.fail(rootLine, 'missing "steps:", the list of operations to run (or "cases:", several scenarios on fresh machines)');
  const setup = new StepParser(src, ops, machine.cpus);
  const steps = stepsEntry === undefined ? [] : setup.stepList(stepsEntry.value, stepsEntry.line, 0, 'steps');
  const concurrent = parseConcurrent(src, setup, machine, top.get('cpus'), top.get('final'));
  if (casesEntry !== undefined && concurrent.cpus !== undefined) src.fail(casesEntry.keyLine, 'cases: and cpus: do not go together; give each concurrent scenario a file of its own');
  const { expect, expectLines } = parseExpectations(src, top.get('expect'), variants);
  const cases = casesEntry === undefined ? undefined : parseCases(src, setup, casesEntry, variants);
  const schedule = parseSchedule(src, top.get('schedule'), concurrent.cpus);
  const exploreExpect = parseExploreExpect(src, top.get('explore'), concurrent.cpus, variants);
  const nameEntry = top.get('name');
  return {
    file,
    name: nameEntry === undefined ? defaultName(file) : stringOf(src, nameEntry, 'name'),
    description: description(src, top.get('description')),
    machine,
    variants: variantList,
    steps,
    ...concurrent,
    ...(cases !== undefined ? { cases } : {}),
    expect,
    expectLines,
    ...(schedule !== undefined ? { schedule: schedule.cpus, scheduleLines: schedule.lines } : {}),
    ...(exploreExpect !== undefined ? { exploreExpect } : {}),
  };
}

/** Most actions a `schedule:` may list. */
const SCHEDULE_MAX = 100_000;

/** `schedule: [0, 0, 1, ...]`: the CPU of each action, in order (what pagesim explore prints for a failing schedule). */
function parseSchedule(src: SourceDoc, entry: Entry | undefined, cpus: readonly (readonly Step[])[] | undefined): { cpus: number[]; lines: number[] } | undefined {
  if (entry === undefined) return undefined;
  if (cpus === undefined) return src.fail(entry.keyLine, 'schedule: belongs to a concurrent scenario (one with cpus:)');
  if (!isSeq(entry.value)) return src.fail(entry.line, 'schedule must be a list of CPU numbers such as [0, 0, 1, 0]');
  if (entry.value.items.length > SCHEDULE_MAX) return src.fail(entry.line, `schedule: more than ${SCHEDULE_MAX} actions`);
  const items = src.items(entry.value, entry.line);
  const schedule = items.map((item) => {
    const v = isScalar(item.node) ? item.node.value : null;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= cpus.length) return src.fail(item.line, `schedule: each action is a CPU number from 0 to ${cpus.length - 1}, got ${isScalar(item.node) ? String(item.node.value) : 'a collection'}`);
    return v;
  });
  return { cpus: schedule, lines: items.map((item) => item.line) };
}

const EXPLORE_KEYS = ['schedules', 'end_states', 'failures'] as const;

/**
 * `explore:`: what pagesim explore finds under each variant stack: `ok` (no
 * failing schedule) or a list of failure signatures, or a mapping that also
 * states the number of schedules and end states.
 */
function parseExploreExpect(src: SourceDoc, entry: Entry | undefined, cpus: readonly (readonly Step[])[] | undefined, lookup: VariantLookup): Map<string, ExploreExpectation> | undefined {
  if (entry === undefined) return undefined;
  if (cpus === undefined) return src.fail(entry.keyLine, 'explore: belongs to a concurrent scenario (one with cpus:)');
  if (!isMap(entry.value)) return src.fail(entry.line, 'explore must be a mapping from variant stack to ok, a list of failures, or {schedules, end_states, failures}');
  const out = new Map<string, ExploreExpectation>();
  const failuresOf = (e: Entry): readonly string[] | 'ok' => {
    const v = e.value;
    if (isScalar(v) && v.value === 'ok') return 'ok';
    if (!isSeq(v) || v.items.length === 0) return src.fail(e.line, `explore: ${e.key} must be ok or a non-empty list of failure signatures such as [use-after-free]`);
    return src.items(v, e.line).map((item) => {
      if (!isScalar(item.node) || typeof item.node.value !== 'string' || item.node.value === '') return src.fail(item.line, 'a failure signature is a non-empty string (use-after-free, WARN page_ref_add ...)');
      return item.node.value;
    });
  };
  for (const e of src.entries(entry.value, entry.line)) {
    const problem = lookup.problem(e.key);
    if (problem !== null) src.fail(e.keyLine, problem);
    if (!isMap(e.value)) {
      out.set(e.key, { failures: failuresOf(e), line: e.keyLine });
      continue;
    }
    let schedules: number | undefined;
    let endStates: number | undefined;
    let failures: readonly string[] | 'ok' = 'ok';
    for (const f of src.entries(e.value, e.line)) {
      const key = EXPLORE_KEYS.find((k) => k === f.key);
      if (key === undefined) src.fail(f.keyLine, `explore: ${e.key} has no key ${quote(f.key)}${didYouMean(f.key, EXPLORE_KEYS)}; its keys are ${EXPLORE_KEYS.join(', ')}`);
      if (key === 'failures') {
        failures = failuresOf(f);
        continue;
      }
      const v = isScalar(f.value) ? f.value.value : null;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) src.fail(f.line, `explore: ${e.key}: ${key} must be a whole number`);
      if (key === 'schedules') schedules = v;
      else endStates = v;
    }
    out.set(e.key, { failures, line: e.keyLine, ...(schedules !== undefined ? { schedules } : {}), ...(endStates !== undefined ? { endStates } : {}) });
  }
  return out;
}

/**
 * `cases:`: scenarios that share the file's machine, variants and setup
 * (`steps:`, run first in each case), each run on a fresh machine. A
 * case's `expect:` entries replace the top-level ones of the same variant.
 */
function parseCases(src: SourceDoc, setup: StepParser, entry: Entry, lookup: VariantLookup): ScenarioCase[] {
  const list = entry.value;
  if (!isSeq(list) || list.items.length === 0) return src.fail(entry.line, 'cases must be a non-empty list such as - {name: second-free, steps: [...]}');
  const seen = new Set<string>();
  return src.items(list, entry.line).map((item) => {
    if (!isMap(item.node)) return src.fail(item.line, `a case must be a mapping with ${CASE_KEYS.join(', ')}`);
    const keys = new Map<string, Entry>();
    for (const e of src.entries(item.node, item.line)) {
      if (!CASE_KEYS.includes(e.key)) src.fail(e.keyLine, `a case has no key ${quote(e.key)}${didYouMean(e.key, CASE_KEYS)}; its keys are ${CASE_KEYS.join(', ')}`);
      keys.set(e.key, e);
    }
    const nameEntry = keys.get('name') ?? src.fail(item.line, 'a case needs a name: (it names the case in reports and the matrix)');
    const name = stringOf(src, nameEntry, 'case name');
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) src.fail(nameEntry.line, `case name ${quote(name)} must be letters, digits, '.', '_' and '-'`);
    if (seen.has(name)) src.fail(nameEntry.line, `case ${quote(name)} is listed twice`);
    seen.add(name);
    const stepsEntry = keys.get('steps') ?? src.fail(item.line, `case ${quote(name)} needs steps:`);
    const steps = setup.fork(null).stepList(stepsEntry.value, stepsEntry.line, 0, `case ${name}: steps`);
    const { expect, expectLines } = parseExpectations(src, keys.get('expect'), lookup);
    return { name, description: description(src, keys.get('description')), line: item.line, steps, expect, expectLines };
  });
}

/**
 * `cpus:` (a list of two to four step lists, one per CPU, each starting
 * from the names the setup bound) and `final:` (run after them, seeing
 * every name bound before it).
 */
function parseConcurrent(src: SourceDoc, setup: StepParser, machine: ScenarioMachine, cpusEntry: Entry | undefined, finalEntry: Entry | undefined): { cpus?: Step[][]; final?: Step[] } {
  if (cpusEntry === undefined) {
    if (finalEntry !== undefined) src.fail(finalEntry.keyLine, 'final: belongs to a concurrent scenario; add cpus: (the step list of each CPU) or put these steps at the end of steps:');
    return {};
  }
  const lists = cpusEntry.value;
  if (!isSeq(lists) || lists.items.length < CPU_LISTS_MIN || lists.items.length > CPU_LISTS_MAX) {
    return src.fail(cpusEntry.line, `cpus must be a list of ${CPU_LISTS_MIN} to ${CPU_LISTS_MAX} step lists, one per CPU: cpus: [[steps of CPU 0], [steps of CPU 1]]`);
  }
  if (lists.items.length > machine.cpus) src.fail(cpusEntry.keyLine, `cpus: has ${lists.items.length} step lists but the machine has ${machine.cpus} CPUs (set machine: {cpus: ${lists.items.length}})`);
  const final = setup.fork(null);
  const cpus = src.items(lists, cpusEntry.line).map((item, cpu) => {
    if (!isSeq(item.node)) return src.fail(item.line, `cpus: item ${cpu} must be the list of steps CPU ${cpu} runs`);
    const p = setup.fork(cpu);
    const list = p.stepList(item.node, item.line, 0, `cpus: the list of CPU ${cpu}`);
    final.absorbNames(p);
    return list;
  });
  if (finalEntry === undefined) return { cpus };
  return { cpus, final: final.stepList(finalEntry.value, finalEntry.line, 0, 'final') };
}

/** Top-level entries by key; an unknown key is an error naming the allowed ones. */
function topLevel(src: SourceDoc, entries: readonly Entry[]): Map<string, Entry> {
  for (const e of entries) {
    if (!TOP_KEYS.includes(e.key)) src.fail(e.keyLine, `unknown top-level key ${quote(e.key)}${didYouMean(e.key, TOP_KEYS)}; allowed keys: ${TOP_KEYS.join(', ')}`);
  }
  return new Map(entries.map((e) => [e.key, e]));
}

/** The scalar of an entry, which must be a scalar (a missing value reads as null). */
function scalarOf(src: SourceDoc, entry: Entry, what: string): ScalarIn {
  if (entry.value === null) return { value: null, source: '' };
  if (!isScalar(entry.value)) src.fail(entry.line, `${what} must be a single value`);
  return src.scalar(entry.value, entry.line, what);
}

/** A non-empty string value. */
function stringOf(src: SourceDoc, entry: Entry, what: string): string {
  const s = scalarOf(src, entry, what);
  if (typeof s.value !== 'string' || s.value === '') src.fail(entry.line, `${what} must be a non-empty string, got ${shown(s)}`);
  return s.value;
}

/** The scenario's description: any string, empty when absent or left empty. */
function description(src: SourceDoc, entry: Entry | undefined): string {
  return entry === undefined || entry.value === null ? '' : stringOf(src, entry, 'description');
}

/** `machine:`: memory, cpus and nodes, defaults from DEFAULT_MACHINE, checked by machineConfigProblem. */
function parseMachine(src: SourceDoc, entry: Entry | undefined): ScenarioMachine {
  if (entry === undefined) return { ...DEFAULT_MACHINE };
  if (!isMap(entry.value)) return src.fail(entry.line, 'machine must be a mapping such as {memory: 1GiB, cpus: 2, nodes: 1}');
  const m: { memoryBytes: number; cpus: number; nodes: number; thp?: 'always' | 'madvise' | 'never'; rcu_grace_steps?: number; panic_on_oops?: 0 | 1; page_owner?: boolean } = {
    memoryBytes: DEFAULT_MACHINE.memoryBytes,
    cpus: DEFAULT_MACHINE.cpus,
    nodes: DEFAULT_MACHINE.nodes,
  };
  for (const e of src.entries(entry.value, entry.line)) {
    if (e.key === 'memory') m.memoryBytes = machineSize(src, e);
    else if (e.key === 'cpus') m.cpus = machineCount(src, e);
    else if (e.key === 'nodes') m.nodes = machineCount(src, e);
    else if (e.key === 'thp') m.thp = thpMode(src, e);
    else if (e.key === 'rcu_grace_steps') {
      m.rcu_grace_steps = machineCount(src, e);
      if (m.rcu_grace_steps < 0 || m.rcu_grace_steps > 1_000_000) src.fail(e.line, 'machine: rcu_grace_steps must be between 0 and 1000000');
    } else if (e.key === 'panic_on_oops') {
      const v = machineCount(src, e);
      if (v !== 0 && v !== 1) src.fail(e.line, `machine: panic_on_oops must be 0 (an oops kills the task and the machine goes on) or 1 (an oops panics), got ${v}`);
      m.panic_on_oops = v as 0 | 1;
    } else if (e.key === 'page_owner') {
      // The kernel's page_owner= boot parameter takes on/off (kstrtobool: also true/false, 1/0).
      const s = scalarOf(src, e, 'machine: page_owner');
      const v = s.value;
      if (v === 'on' || v === true || v === 1) m.page_owner = true;
      else if (v === 'off' || v === false || v === 0) m.page_owner = false;
      else src.fail(e.line, `machine: page_owner must be on or off (the kernel's page_owner= boot parameter), got ${shown(s)}`);
    }
    else src.fail(e.keyLine, `machine has no key ${quote(e.key)}${didYouMean(e.key, MACHINE_KEYS)}; its keys are ${MACHINE_KEYS.join(', ')}`);
  }
  const problem = machineConfigProblem(m);
  if (problem !== null) src.fail(entry.keyLine, `machine: ${problem}`);
  return m;
}

function thpMode(src: SourceDoc, e: Entry): 'always' | 'madvise' | 'never' {
  const s = scalarOf(src, e, 'machine: thp');
  if (typeof s.value !== 'string' || !THP_MODES.includes(s.value)) return src.fail(e.line, `machine: thp must be one of ${THP_MODES.join(', ')}, got ${shown(s)}`);
  return s.value as 'always' | 'madvise' | 'never';
}

function machineSize(src: SourceDoc, e: Entry): number {
  const s = scalarOf(src, e, 'machine: memory');
  try {
    return parseConstant(s);
  } catch (err) {
    if (!(err instanceof ValueError)) throw err;
    return src.fail(e.line, `machine: memory must be a size such as 256MiB or 1GiB, or a byte count, got ${shown(s)}`);
  }
}

function machineCount(src: SourceDoc, e: Entry): number {
  const s = scalarOf(src, e, `machine: ${e.key}`);
  try {
    return parseConstant(s);
  } catch (err) {
    if (err instanceof ValueError) src.fail(e.line, `machine: ${e.key} ${err.message}`);
    throw err;
  }
}

/** `variants:`: a non-empty list of distinct variant stacks, each accepted by the registry. */
function parseVariants(src: SourceDoc, entry: Entry | undefined, lookup: VariantLookup): string[] {
  if (entry === undefined) return ['baseline'];
  const value: YNode | null = entry.value;
  if (!isSeq(value) || value.items.length === 0) return src.fail(entry.line, 'variants must be a non-empty list of variant stacks, such as [baseline, a+b]');
  const out: string[] = [];
  for (const item of src.items(value, entry.line)) {
    const stack = variantName(src, item.node, item.line, lookup);
    if (out.includes(stack)) src.fail(item.line, `variant ${quote(stack)} is listed twice`);
    out.push(stack);
  }
  return out;
}

/** A variant stack name, checked by the variant registry (whose message is reported as is). */
function variantName(src: SourceDoc, node: YNode | null, line: number, lookup: VariantLookup): string {
  if (!isScalar(node) || typeof node.value !== 'string') return src.fail(line, 'a variant stack must be a name such as baseline or a+b');
  const problem = lookup.problem(node.value);
  if (problem !== null) src.fail(line, problem);
  return node.value;
}

/** Top-level `expect:`: per variant stack, `ok` or a list of report matchers. */
function parseExpectations(
  src: SourceDoc,
  entry: Entry | undefined,
  lookup: VariantLookup,
): { expect: Map<string, VariantExpectation>; expectLines: Map<string, number> } {
  const expect = new Map<string, VariantExpectation>();
  const expectLines = new Map<string, number>();
  if (entry === undefined) return { expect, expectLines };
  if (!isMap(entry.value)) return src.fail(entry.line, 'expect must be a mapping from variant stack to ok or a list of reports');
  for (const e of src.entries(entry.value, entry.line)) {
    const problem = lookup.problem(e.key);
    if (problem !== null) src.fail(e.keyLine, problem);
    expect.set(e.key, variantExpectation(src, e));
    expectLines.set(e.key, e.keyLine);
  }
  return { expect, expectLines };
}

function variantExpectation(src: SourceDoc, e: Entry): VariantExpectation {
  const v = e.value;
  if (isScalar(v) && v.value === 'ok') return { kind: 'ok' };
  if (!isSeq(v) || v.items.length === 0) {
    return src.fail(e.line, `expect: ${e.key} must be ok or a non-empty list of reports such as - {kind: BUG, function: __free_pages}`);
  }
  return { kind: 'reports', matchers: src.items(v, e.line).map((item) => reportMatcher(src, item.node, item.line)) };
}

/** `{kind: BUG, function: f, reason: r, message: m}`: at least one field, all strings. */
function reportMatcher(src: SourceDoc, node: YNode | null, line: number): ReportMatcher {
  if (!isMap(node)) return src.fail(line, `a report matcher must be a mapping with some of ${MATCHER_KEYS.join(', ')}`);
  const m: { -readonly [K in keyof ReportMatcher]: string } = {};
  const entries = src.entries(node, line);
  if (entries.length === 0) src.fail(line, `a report matcher needs at least one of ${MATCHER_KEYS.join(', ')}`);
  for (const e of entries) {
    const key = MATCHER_KEYS.find((k) => k === e.key);
    if (key === undefined) src.fail(e.keyLine, `a report matcher has no key ${quote(e.key)}${didYouMean(e.key, MATCHER_KEYS)}; its keys are ${MATCHER_KEYS.join(', ')}`);
    const text = stringOf(src, e, `report ${key}`);
    if (key === 'kind' && !REPORT_KINDS.includes(text)) src.fail(e.line, `report kind must be one of ${REPORT_KINDS.join(', ')}, got ${quote(text)}${didYouMean(text, REPORT_KINDS)}`);
    m[key] = text;
  }
  return m;
}
