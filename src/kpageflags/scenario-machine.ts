/**
 * Running a scenario for the machine it leaves behind (the kpageflags and
 * footprint commands read memory after the run, whatever its verdict).
 */

import type { Kernel } from '../kernel/kernel.js';
import { runScenarioWithMachine } from '../engine/run.js';
import type { Scenario } from '../scenario/types.js';
import type { Report } from '../report/report.js';
import { InputError } from '../util/errors.js';

export interface KeptMachine {
  readonly machine: Kernel;
  readonly variant: string;
  /** Operations executed. */
  readonly steps: number;
  /** The BUG that ended the run early, if one did. */
  readonly bug: Report | null;
}

export function runScenarioKeepMachine(scn: Scenario, variant: string): KeptMachine {
  const { run, machine } = runScenarioWithMachine(scn, variant);
  if (machine === null) throw new InputError(run.failures.join('; '), scn.file);
  return { machine, variant, steps: run.steps.length, bug: run.reports.find((r) => r.kind === 'BUG') ?? null };
}
