/**
 * Shrinking a finding: delta debugging over the program's body steps, then
 * over their arguments, keeping a candidate only when it is still a legal
 * program (replayed through the operation specs' needs, with the teardown
 * made anew from what the shorter body leaves) and its oracles still give
 * the finding's signature. Then the result as a scenario file that `pagesim
 * run` reproduces.
 */

import { fuzzSpec, type GArg, type GStep, type Obj } from './model.js';
import { GenState, teardown } from './generate.js';
import { ProbeRng, Rng } from './rng.js';
import { runOracles, type Finding, type Observation, baseOf } from './oracle.js';
import { programYaml, parseProgramYaml, DEFAULT_FUZZ_MACHINE, type FuzzMachine } from './program.js';
import { LIMITS } from '../kernel/config.js';
import { runScenario } from '../engine/run.js';
import { misuseMove, victimArg } from './misuse.js';

/**
 * Replays body steps through the specs: every step's needs must be met by
 * the objects its arguments name, and every argument the spec derives from
 * those objects (an order, the mm of a mapping) must be what it derives now.
 * Returns the whole program (body and a fresh teardown), or null when the
 * body is not legal.
 */
export function replay(body: readonly GStep[], misuse = false): GStep[] | null {
  const g = new GenState(new Rng(0, 0, 1), misuse);
  for (const step of body) if (!replayStep(g, step)) return null;
  try {
    teardown(g);
  } catch {
    return null;
  }
  return g.steps;
}

function nameIn(v: GArg | undefined): string | null {
  if (typeof v !== 'object') return null;
  if ('h' in v) return v.h;
  if ('ref' in v) return v.ref;
  return null;
}

export function replayStep(g: GenState, step: GStep): boolean {
  if (step.misuse !== undefined) return replayMisuse(g, step);
  const spec = fuzzSpec(step.op);
  if (spec === undefined || (spec.misuse === true && !g.misuse)) return false;
  if (spec.when !== undefined && !spec.when(g)) return false;
  // Every handle or address an argument names must be live.
  for (const v of Object.values(step.args)) {
    const n = nameIn(v);
    if (n !== null && !g.objs.some((o) => o.name === n)) return false;
  }
  const picked: Record<string, Obj> = {};
  for (const [param, need] of Object.entries(spec.needs ?? {})) {
    let name = nameIn(step.args[param]);
    // A need that is no parameter (the mapping of an address) is named by the address argument.
    if (name === null) for (const v of Object.values(step.args)) if (typeof v === 'object' && 'ref' in v) name = v.ref;
    const o = g.objs.find((x) => x.name === name && x.kind === need.kind);
    if (o === undefined || Object.values(picked).includes(o) || (need.where !== undefined && !need.where(o, g))) return false;
    picked[param] = o;
  }
  if (spec.args !== undefined) {
    const args = spec.args;
    const a = g.drawingFrom(new ProbeRng(false), (v) => args(v, picked));
    const b = g.drawingFrom(new ProbeRng(true), (v) => args(v, picked));
    if (a === null || b === null) return false;
    for (const k of Object.keys(a)) {
      const va = JSON.stringify(a[k]);
      if (va === JSON.stringify(b[k]) && va !== JSON.stringify(step.args[k])) return false;
    }
  }
  if (step.as !== undefined && g.objs.some((o) => o.name === step.as)) return false;
  for (const o of Object.values(picked)) o.used = g.tick();
  g.steps.push(step);
  spec.effect?.(g, picked, step.as ?? null, { ...step.args });
  return true;
}

/** A misuse step replays when its victim is still what the move takes and its arguments follow from it. */
function replayMisuse(g: GenState, step: GStep): boolean {
  const m = misuseMove(step.misuse!);
  if (m === undefined || !g.misuse || m.op !== step.op) return false;
  const name = nameIn(step.args[m.param]);
  const o = (m.dead ? g.dead : g.objs).find((x) => x.name === name && x.kind === m.kind);
  const live = (n: string): boolean => g.objs.some((x) => x.name === n);
  if (o === undefined || !m.fits(o, live)) return false;
  const want: Record<string, GArg> = { [m.param]: victimArg(m, o), ...m.args(o) };
  const keys = Object.keys(want);
  if (keys.length !== Object.keys(step.args).length || keys.some((k) => JSON.stringify(want[k]) !== JSON.stringify(step.args[k]))) return false;
  o.used = g.tick();
  g.steps.push(step);
  if (m.drops === true) g.drop(o);
  return true;
}

export interface ShrinkResult {
  readonly steps: GStep[];
  readonly body: number;
  readonly tests: number;
  /** The smallest machine that still shows the finding. */
  readonly machine: FuzzMachine;
}

/** The most oracle runs one shrink may make. */
const SHRINK_TESTS = 400;

/**
 * Minimises a program while it still shows `signature` under `variant` on
 * a machine no larger than `machine`: its steps, their arguments, then the
 * machine (one CPU, then the least memory).
 */
export function shrink(steps: readonly GStep[], body: number, variant: string, signature: string, misuse = false, machine: FuzzMachine = DEFAULT_FUZZ_MACHINE): ShrinkResult {
  let tests = 0;
  let mach = machine;
  const cache = new Map<string, boolean>();
  const shows = (full: readonly GStep[], m: FuzzMachine): boolean => runOracles(full, variant, undefined, { machine: m }).findings.some((f) => f.signature === signature);
  const holds = (cand: readonly GStep[], m: FuzzMachine = mach): GStep[] | null => {
    const full = replay(cand, misuse);
    if (full === null) return null;
    const key = `${m.mib}/${m.cpus} ${JSON.stringify(full)}`;
    let ok = cache.get(key);
    if (ok === undefined) {
      if (tests >= SHRINK_TESTS) return null;
      tests++;
      ok = shows(full, m);
      cache.set(key, ok);
    }
    return ok ? full : null;
  };
  let cur = steps.slice(0, body);
  if (holds(cur) === null) return { steps: [...steps], body, tests, machine };
  // ddmin over the body's steps.
  let n = 2;
  while (cur.length >= 2) {
    const chunk = Math.ceil(cur.length / n);
    let reduced = false;
    for (let i = 0; i < n && !reduced; i++) {
      const without = [...cur.slice(0, i * chunk), ...cur.slice((i + 1) * chunk)];
      if (without.length < cur.length && holds(without) !== null) {
        cur = without;
        n = Math.max(n - 1, 2);
        reduced = true;
      }
    }
    if (!reduced) {
      if (n >= cur.length) break;
      n = Math.min(cur.length, n * 2);
    }
  }
  // One step at a time, until no single step can go.
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = cur.length - 1; i >= 0; i--) {
      const without = [...cur.slice(0, i), ...cur.slice(i + 1)];
      if (holds(without) !== null) {
        cur = without;
        changed = true;
      }
    }
  }
  // Arguments: offsets to the mapping's start, flags off, numbers smaller.
  for (let i = 0; i < cur.length; i++) {
    for (const [k, v] of Object.entries(cur[i]!.args)) {
      for (const smaller of smallerArgs(v)) {
        const cand = cur.slice();
        cand[i] = { ...cur[i]!, args: { ...cur[i]!.args, [k]: smaller } };
        if (holds(cand) !== null) {
          cur = cand;
          break;
        }
      }
    }
  }
  // The machine: one CPU, then the least memory a scenario may have that still shows it.
  if (mach.cpus > 1 && holds(cur, { ...mach, cpus: 1 }) !== null) mach = { ...mach, cpus: 1 };
  // Memory from the least a scenario may name upwards, doubling: the first that holds is the least.
  for (let mib = LIMITS.memoryBytesMin / 2 ** 20; mib < mach.mib; mib *= 2) {
    if (holds(cur, { ...mach, mib }) !== null) {
      mach = { ...mach, mib };
      break;
    }
  }
  let full = replay(cur, misuse)!;
  // The teardown's closing steps (grace periods, the pools' delayed work, draining) go when the finding does not need them.
  for (let i = full.length - 1; i >= cur.length; i--) {
    const op = full[i]!.op;
    if (!['synchronize_rcu', 'rcu_barrier', 'msleep', 'drain_all_pages'].includes(op)) continue;
    const cand = [...full.slice(0, i), ...full.slice(i + 1)];
    if (tests >= SHRINK_TESTS) break;
    tests++;
    if (shows(cand, mach)) full = cand;
  }
  return { steps: full, body: cur.length, tests, machine: mach };
}

function smallerArgs(v: GArg): GArg[] {
  if (typeof v === 'boolean') return v ? [false] : [];
  if (typeof v === 'number') return [0, 1, 100, 4096].filter((x) => x < v);
  if (typeof v === 'object' && 'ref' in v) return v.add > 0 ? [{ ref: v.ref, add: 0 }] : [];
  return [];
}

/** What the runs of a shrunk program show, for its scenario's expectations. */
function expectLines(stack: string, o: Observation | null): string {
  if (o === null || o.reports.length === 0) return `${stack}: ok`;
  const seen = new Set<string>();
  const lines = [`${stack}:`];
  for (const r of o.reports) {
    const key = `${r.kind}\u0000${r.function}\u0000${r.reason}`;
    if (seen.has(key)) continue;
    seen.add(key);
    lines.push(`    - {kind: ${r.kind}, function: ${r.function}, reason: ${JSON.stringify(r.reason)}}`);
  }
  return lines.join('\n');
}

export interface FindingScenario {
  readonly name: string;
  readonly yaml: string;
  /** Whether `pagesim run` on the text holds every expectation (it should; false is a fuzzer bug). */
  readonly reproduces: boolean;
}

/** The scenario file of a shrunk finding: `variants: [base, X]`, the expectations as the runs showed them. */
export function findingScenario(f: Finding, steps: readonly GStep[], seed: number, index: number, from: number, machine: FuzzMachine = DEFAULT_FUZZ_MACHINE): FindingScenario {
  const base = f.variant === 'baseline' ? null : baseOf(f.variant);
  const { x, b, findings } = runOracles(steps, f.variant, undefined, { machine });
  // The differing step as the shrunk program numbers it.
  const now = findings.find((g) => g.signature === f.signature) ?? f;
  const name = `fuzz-${f.variant.replace(/\+/g, '-')}-${slug(`${f.kind}-${f.function}-${f.reason}`)}`;
  const what = f.kind === 'model-bug' ? `a report under baseline on a legal program, a bug in pagesim's model: ${f.report!.kind} in ${f.function}: ${f.reason}` : f.kind === 'differential' ? `${f.function} ${now.reason} (step ${(now.step?.index ?? 0) + 1} is shown)` : `${f.kind} in ${f.function}: ${f.reason}`;
  const description = `Found by pagesim fuzz --variant ${f.variant} --seed ${seed} (program ${index}) and shrunk from ${from} to ${steps.length} steps: ${what}.`;
  const variants = base === null ? ['baseline'] : [base, f.variant];
  const expect = base === null ? [expectLines('baseline', b)] : [expectLines(base, b), expectLines(f.variant, x)];
  const extras = now.step !== undefined ? new Map([[now.step.index, ['show: true']]]) : undefined;
  const yaml = programYaml(steps, { name, description, variants, expect, machine, ...(extras !== undefined ? { extras } : {}) });
  let reproduces = false;
  try {
    const scn = parseProgramYaml(yaml, `${name}.yaml`);
    reproduces = variants.every((v) => runScenario(scn, v).expected === 'held');
  } catch {
    reproduces = false;
  }
  return { name, yaml, reproduces };
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60)
    .replace(/-$/, '');
}

