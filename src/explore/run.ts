/**
 * `pagesim run` of a concurrent scenario (one with `cpus:`): the setup
 * steps, then every CPU's list, then `final:`.
 *
 * Without a schedule the CPUs run one after another, CPU 0's whole list
 * first: the interleaving with no preemption. Each CPU starts from the
 * handles the setup bound and binds its own; `final:` sees all of them (a
 * name two CPUs bound is the higher-numbered CPU's).
 */

import type { BuiltVariant } from '../engine/build.js';
import { createMachine } from '../engine/build.js';
import { finishRun, Runner, Unlisted, type Bound, type RunResult, type StepResult } from '../engine/run.js';
import type { Kernel } from '../kernel/kernel.js';
import { KernelBug } from '../report/report.js';
import type { Scenario, Step } from '../scenario/types.js';
import { InputError } from '../util/errors.js';
import { runSchedule, ScheduleError } from './search.js';

export function runConcurrentScenario(built: BuiltVariant, scn: Scenario, variant: string): { run: RunResult; machine: Kernel } {
  if (scn.schedule !== undefined) return runScheduled(built, scn, variant, scn.schedule);
  const k = createMachine(built, scn.machine);
  k.current.comm = 'pagesim';
  const steps: StepResult[] = [];
  const unlisted = new Unlisted();
  let executed = 0;
  let bug = false;
  /** Runs a list with a runner of its own that numbers its steps after the ones before. */
  const runList = (list: readonly Step[], handles: ReadonlyMap<string, Bound>): Runner => {
    const r = new Runner(k, scn, variant, handles, steps, unlisted);
    r.executed = executed;
    try {
      r.run(list);
    } finally {
      executed = r.executed;
    }
    return r;
  };
  try {
    const setup = runList(scn.steps, new Map());
    const seen = new Map<string, Bound>(setup.bindings());
    for (const list of scn.cpus ?? []) for (const [name, value] of runList(list, setup.bindings()).bindings()) seen.set(name, value);
    runList(scn.final ?? [], seen);
  } catch (e) {
    if (!(e instanceof KernelBug)) throw e;
    bug = true;
  }
  return { run: finishRun(k, scn, variant, steps, executed, bug, true, unlisted), machine: k };
}

/**
 * `pagesim run` of a scenario with `schedule:`: the CPUs' atomic actions in
 * exactly that order (what `pagesim explore` printed for a schedule), then
 * final:; the reference-ownership oracle's findings are failures.
 */
function runScheduled(built: BuiltVariant, scn: Scenario, variant: string, schedule: readonly number[]): { run: RunResult; machine: Kernel } {
  let r: ReturnType<typeof runSchedule>;
  try {
    r = runSchedule(built, scn, variant, schedule, false);
  } catch (e) {
    if (e instanceof ScheduleError) throw new InputError(`schedule: ${e.message}`, scn.file, scn.scheduleLines?.[e.index]);
    throw e;
  }
  const v = r.leaf.violations.map((x) => x.text);
  const run: RunResult = { ...r.leaf.run, failures: [...r.leaf.run.failures, ...v], expected: v.length > 0 ? 'failed' : r.leaf.run.expected };
  return { run, machine: r.exec.k };
}
