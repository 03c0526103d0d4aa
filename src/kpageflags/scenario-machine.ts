/**
 * Running a scenario for the machine it leaves behind.
 *
 * src/engine/run.ts runs a scenario and returns its results, but not the
 * Kernel instance. Until it offers that (see the note in
 * docs/kpageflags.md: a `runScenarioWithMachine()` export), this module
 * re-implements the runner's minimal loop: boot, execute the steps with
 * their handles and repeat loops, stop at a kernel BUG. It judges no
 * expectations and runs no checker: the caller wants the memory, not a
 * verdict. Argument resolution follows run.ts step for step.
 */

import type { Kernel } from '../kernel/kernel.js';
import { buildVariant, createMachine } from '../engine/build.js';
import { getOp } from '../engine/registry.js';
import { opAvailable, type HandleValue, type OpArgs, type OpReturn } from '../engine/ops.js';
import { evalExpr, expandName } from '../scenario/parse.js';
import type { ArgValue, HandleRef, OpStep, Scenario, Step } from '../scenario/types.js';
import { KernelBug, type Report } from '../report/report.js';
import { LIMITS } from '../kernel/config.js';
import { InputError } from '../util/errors.js';

export interface KeptMachine {
  readonly machine: Kernel;
  readonly variant: string;
  /** Operations executed. */
  readonly steps: number;
  /** The BUG that ended the run early, if one did. */
  readonly bug: Report | null;
}

type Bound = HandleValue | null;
type ArgOut = number | boolean | string | HandleValue | null;

class MachineRunner {
  private readonly handles = new Map<string, Bound>();
  executed = 0;

  constructor(
    readonly k: Kernel,
    private readonly scn: Scenario,
    private readonly variant: string,
  ) {}

  run(steps: readonly Step[], i: number | null): void {
    for (const step of steps) {
      if (step.kind === 'repeat') {
        const times = evalExpr(step.times, i);
        if (times < 0 || times > LIMITS.repeatMax) throw new InputError(`repeat: times must be between 0 and ${LIMITS.repeatMax}, got ${times}`, this.scn.file, step.line);
        for (let j = 0; j < times; j++) this.run(step.steps, j);
      } else {
        this.runOp(step, i);
      }
    }
  }

  private runOp(step: OpStep, i: number | null): void {
    if (++this.executed > LIMITS.stepsMax) throw new InputError(`the scenario runs more than ${LIMITS.stepsMax} steps`, this.scn.file, step.line);
    const def = getOp(step.op)!;
    if (!opAvailable(this.k, def)) throw new InputError(`${step.op} does not exist in variant ${this.variant} (it is added by a variant that provides ${def.requires})`, this.scn.file, step.line);
    const args: Record<string, ArgOut> = {};
    for (const p of def.params) args[p.name] = this.resolveArg(step, p.name, step.args.get(p.name)!, i, p.type === 'page');
    this.k.current.cpu = step.cpu ?? 0;
    let ret: OpReturn;
    try {
      ret = def.run(this.k, args as OpArgs);
    } catch (e) {
      if (e instanceof InputError && e.line === undefined) throw new InputError(e.message, this.scn.file, step.line);
      throw e;
    }
    if (step.as !== null) this.handles.set(expandName(step.as, i), toHandle(ret, def.result));
  }

  private resolveArg(step: OpStep, name: string, v: ArgValue, i: number | null, isPage: boolean): ArgOut {
    switch (v.kind) {
      case 'int':
        return evalExpr(v.expr, i);
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
    if (!this.handles.has(hname)) throw new InputError(`${step.op}: ${name}: handle "${hname}" is not bound (at this point of the run)`, this.scn.file, step.line);
    const h = this.handles.get(hname)!;
    if (!isPage) return h;
    // A NULL struct page * handed to the kernel: it dereferences it (as run.ts does).
    if (h === null) this.k.oopsBadPointer(0, 0x34);
    if (h.kind !== 'page') throw new InputError(`${step.op}: ${name}: handle "${hname}" holds a ${h.type}, not a page`, this.scn.file, step.line);
    const pfn = h.pfn + (ref.offset === null ? 0 : evalExpr(ref.offset, i));
    if (pfn < 0 || pfn >= this.k.nr_pages) throw new InputError(`${step.op}: ${name}: pfn 0x${pfn.toString(16)} is outside the memmap (0x0-0x${(this.k.nr_pages - 1).toString(16)})`, this.scn.file, step.line);
    return pfn;
  }
}

function toHandle(ret: OpReturn, type: string): Bound {
  if (type === 'page') return typeof ret === 'number' && ret >= 0 ? { kind: 'page', pfn: ret } : null;
  if (ret !== null && typeof ret === 'object') return ret;
  return null;
}

/**
 * Runs a scenario under one variant stack and returns the machine as the
 * steps left it (or as it was when a BUG stopped the run). Bad input raises
 * InputError, as runScenario does.
 */
export function runScenarioKeepMachine(scn: Scenario, variant: string): KeptMachine {
  const built = buildVariant(variant);
  if (built.assertionFailures.length > 0) {
    throw new InputError(`variant ${variant} does not build: ${built.assertionFailures.map((f) => f.message).join('; ')}`, scn.file);
  }
  const k = createMachine(built, scn.machine);
  k.current.comm = 'pagesim';
  const runner = new MachineRunner(k, scn, variant);
  let bug: Report | null = null;
  try {
    runner.run(scn.steps, null);
  } catch (e) {
    if (!(e instanceof KernelBug)) throw e;
    bug = e.report;
  }
  return { machine: k, variant, steps: runner.executed, bug };
}
