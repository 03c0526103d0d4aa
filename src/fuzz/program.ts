/**
 * A generated program as a scenario: YAML text that `pagesim run` reads,
 * parsed by the scenario parser like any file, so what the fuzzer runs and
 * what it writes out are one thing.
 */

import { parseScenario } from '../scenario/parse.js';
import type { ArgValue, Expr, OpStep, ParamType, Scenario, ScenarioMachine } from '../scenario/types.js';
import { parseArg } from '../scenario/values.js';
import { DEFAULT_MACHINE } from '../kernel/mm_init.js';
import { getOp, opLookup } from '../engine/registry.js';
import { variantLookup } from '../engine/load.js';
import type { GArg, GStep } from './model.js';

/**
 * The machine programs run on, in MiB: the smallest a scenario may name
 * (LIMITS.memoryBytesMin; the kernel image sits at 16-32 MiB), so that
 * restoring it and the whole-machine checker cost least, with room for a
 * few THPs. `--memory` runs a campaign on a larger one; shrinking tries
 * smaller ones and fewer CPUs (shrink.ts).
 */
export const FUZZ_MEMORY_MIB = 64;

/** The machine a program runs on: memory in MiB and CPUs (one node). */
export interface FuzzMachine {
  readonly mib: number;
  readonly cpus: number;
}

export const DEFAULT_FUZZ_MACHINE: FuzzMachine = { mib: FUZZ_MEMORY_MIB, cpus: DEFAULT_MACHINE.cpus };

/** The scenario machine of a fuzz machine. */
export function fuzzMachine(m: FuzzMachine = DEFAULT_FUZZ_MACHINE): ScenarioMachine {
  return { ...DEFAULT_MACHINE, memoryBytes: m.mib * 2 ** 20, cpus: m.cpus };
}

/** The machine as a scenario's `machine:` line writes it (cpus only when not the default). */
export function machineText(m: FuzzMachine): string {
  return `{memory: ${m.mib}MiB${m.cpus !== DEFAULT_MACHINE.cpus ? `, cpus: ${m.cpus}` : ''}}`;
}

export function formatGArg(v: GArg): string {
  if (typeof v === 'number') return String(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'string') return JSON.stringify(v);
  if ('h' in v) return v.h;
  if ('gfp' in v) return v.gfp;
  return v.add === 0 ? v.ref : `${v.ref} + ${v.add}`;
}

/** One step as a YAML list item (two lines when it binds a handle). */
export function formatStep(s: GStep, extra: readonly string[] = []): string {
  const args = Object.entries(s.args).map(([k, v]) => `${k}: ${formatGArg(v)}`);
  const lines = s.misuse !== undefined ? [`  # API misuse (--misuse): ${s.misuse}`] : [];
  lines.push(`  - ${s.op}: {${args.join(', ')}}`);
  if (s.as !== undefined) lines.push(`    as: ${s.as}`);
  for (const e of extra) lines.push(`    ${e}`);
  return lines.join('\n');
}

export interface ScenarioText {
  readonly name: string;
  readonly description?: string;
  readonly variants: readonly string[];
  /** Lines of the `expect:` mapping, without indentation (`baseline: ok`). */
  readonly expect?: readonly string[];
  /** Step extras by step index (`show: true`). */
  readonly extras?: ReadonlyMap<number, readonly string[]>;
  /** The machine (default DEFAULT_FUZZ_MACHINE). */
  readonly machine?: FuzzMachine;
}

/** The scenario file for a list of steps. */
export function programYaml(steps: readonly GStep[], t: ScenarioText): string {
  const out = [`name: ${t.name}`];
  if (t.description !== undefined) {
    out.push('description: >');
    for (const line of wrap(t.description, 76)) out.push(`  ${line}`);
  }
  out.push(`machine: ${machineText(t.machine ?? DEFAULT_FUZZ_MACHINE)}`);
  out.push(`variants: [${t.variants.join(', ')}]`);
  out.push('steps:');
  steps.forEach((s, i) => out.push(formatStep(s, t.extras?.get(i) ?? [])));
  if (t.expect !== undefined && t.expect.length > 0) {
    out.push('expect:');
    for (const e of t.expect) out.push(`  ${e}`);
  }
  return `${out.join('\n')}\n`;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let cur = '';
  for (const w of text.split(/\s+/)) {
    if (cur !== '' && cur.length + 1 + w.length > width) {
      lines.push(cur);
      cur = w;
    } else cur = cur === '' ? w : `${cur} ${w}`;
  }
  if (cur !== '') lines.push(cur);
  return lines;
}

/** The scenario file's text parsed back, as `pagesim run` reads it. */
export function parseProgramYaml(text: string, file: string): Scenario {
  return parseScenario(text, file, opLookup, variantLookup);
}

/**
 * The steps as a scenario, built without YAML (a YAML parse costs more than
 * running the program): each argument goes through the same value parser a
 * scenario file's scalar does, defaults filled as the step parser fills them.
 */
export function programScenario(steps: readonly GStep[], name: string, variants: readonly string[], machine: ScenarioMachine = fuzzMachine()): Scenario {
  const out: OpStep[] = steps.map((s, line) => {
    const def = getOp(s.op)!;
    const args = new Map<string, ArgValue>();
    for (const p of def.params) {
      const v = s.args[p.name];
      if (v !== undefined) args.set(p.name, argValue(p.type, v));
      else if (p.default !== undefined) args.set(p.name, parseArg(p.type, { value: p.default, source: String(p.default) }, false));
      else throw new Error(`fuzz: ${s.op} has no ${p.name}`);
    }
    return { kind: 'op', op: s.op, args, as: s.as ?? null, expect: null, cpu: null, show: false, line: line + 1 };
  });
  return { file: `${name}.yaml`, name, description: '', machine, variants, steps: out, expect: new Map(), expectLines: new Map() };
}

function argValue(type: ParamType, v: GArg): ArgValue {
  if (typeof v === 'object' && 'ref' in v) {
    const ref: Expr = { kind: 'ref', name: v.ref };
    return { kind: 'int', expr: v.add === 0 ? ref : { kind: 'bin', op: '+', left: ref, right: { kind: 'num', value: v.add } } };
  }
  if (typeof v === 'object' && 'h' in v) {
    const plus = v.h.indexOf('+');
    if (plus < 0) return { kind: 'handle', name: v.h, offset: null };
    return { kind: 'handle', name: v.h.slice(0, plus), offset: { kind: 'num', value: Number(v.h.slice(plus + 1)) } };
  }
  const text = typeof v === 'object' ? v.gfp : typeof v === 'string' ? v : String(v);
  // A literal parses to the same value every time (parsed values are never changed): parsed once.
  const key = `${type}\u0000${typeof v}\u0000${text}`;
  let parsed = literals.get(key);
  if (parsed === undefined) {
    parsed = parseArg(type, { value: typeof v === 'object' ? v.gfp : v, source: text }, false);
    if (literals.size < 4096) literals.set(key, parsed);
  }
  return parsed;
}

/** Literal arguments parsed, by type and text. */
const literals = new Map<string, ArgValue>();
