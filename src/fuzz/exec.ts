/**
 * The work a campaign hands out: run the oracles on a batch of programs,
 * and shrink a finding. The same functions run in the main thread (one
 * job) and in worker threads (worker.ts), so results do not depend on
 * --jobs.
 */

import '../engine/registry.js';
import { generateProgram, type Program } from './generate.js';
import { mutate } from './mutate.js';
import { Coverage, runOracles, type Finding } from './oracle.js';
import { findingScenario, shrink } from './shrink.js';
import type { GStep } from './model.js';
import { machineText, type FuzzMachine } from './program.js';

/** Which program an index is: a fresh one, or a mutant of a corpus program. */
export interface ProgramRef {
  readonly index: number;
  /** The corpus program to mutate (its steps and body), or null for a fresh program. */
  readonly parent: { readonly steps: readonly GStep[]; readonly body: number } | null;
}

export interface RunTask {
  readonly seed: number;
  readonly variant: string;
  readonly misuse: boolean;
  /** The machine programs run on (default DEFAULT_FUZZ_MACHINE). */
  readonly machine?: FuzzMachine;
  readonly programs: readonly ProgramRef[];
}

export interface ProgramOutcome {
  readonly index: number;
  readonly steps: readonly GStep[];
  readonly body: number;
  /** Steps run, under the variant and under the base. */
  readonly ops: number;
  readonly findings: readonly Finding[];
  /** Kernel functions the program reached (both runs), in the probes' order. */
  readonly functions: readonly string[];
  /** Report signatures the runs made (check sites reached). */
  readonly sites: readonly string[];
}

export function programOf(seed: number, ref: ProgramRef, misuse: boolean): Program {
  if (ref.parent !== null) {
    const m = mutate(ref.parent.steps.slice(0, ref.parent.body), seed, ref.index, misuse);
    if (m !== null) return { seed, index: ref.index, steps: m.steps, body: m.body };
  }
  return generateProgram(seed, ref.index, { misuse });
}

export function runTask(t: RunTask): ProgramOutcome[] {
  return t.programs.map((ref) => {
    const p = programOf(t.seed, ref, t.misuse);
    const cov = new Coverage();
    const { findings, x, b } = runOracles(p.steps, t.variant, cov, t.machine === undefined ? {} : { machine: t.machine });
    const ops = (x?.steps.length ?? 0) + (x === b ? 0 : (b?.steps.length ?? 0));
    // Sites: the check sites evaluated, and where reports were made (bad_page's and the checker's have no check site).
    const sites = new Set<string>(cov.sites());
    for (const o of [x, b]) for (const r of o?.reports ?? []) sites.add(`${r.kind} ${r.function}`);
    // In the probes' order, unsorted (the campaign only unions them; a shard file sorts its own).
    return { index: ref.index, steps: p.steps, body: p.body, ops, findings, functions: cov.functions, sites: [...sites] };
  });
}

export interface ShrinkTask {
  readonly seed: number;
  readonly index: number;
  readonly finding: Finding;
  readonly steps: readonly GStep[];
  readonly body: number;
  readonly misuse: boolean;
  readonly machine?: FuzzMachine;
}

export interface ShrunkFinding {
  readonly finding: Finding;
  readonly index: number;
  readonly steps: number;
  readonly from: number;
  readonly name: string;
  readonly yaml: string;
  readonly reproduces: boolean;
  /** The machine the shrunk scenario names. */
  readonly machine: string;
}

export function shrinkTask(t: ShrinkTask): ShrunkFinding {
  const r = shrink(t.steps, t.body, t.finding.kind === 'model-bug' ? 'baseline' : t.finding.variant, t.finding.signature, t.misuse, t.machine);
  const sc = findingScenario(t.finding, r.steps, t.seed, t.index, t.steps.length, r.machine);
  return { finding: t.finding, index: t.index, steps: r.steps.length, from: t.steps.length, name: sc.name, yaml: sc.yaml, reproduces: sc.reproduces, machine: machineText(r.machine) };
}
