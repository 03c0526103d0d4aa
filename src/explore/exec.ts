/**
 * One machine running a concurrent scenario action by action: the setup
 * once, then whichever CPU the explorer picks takes its next action, and
 * any action can be undone. `pagesim explore` drives it through every
 * interleaving (search.ts); `pagesim run` of a scenario with `schedule:`
 * drives it through one.
 *
 * Undo: an atomic action changed one word, and the CPU's own bookkeeping
 * (which step it is at, the log of its operation, its handles, the
 * ownership oracle's state) is kept per action, so it is undone word by
 * word. An action that may have touched anything (a lock section, an
 * operation run whole, a report, an RCU grace period) is undone by
 * restoring the checkpoint taken after the setup and running the schedule's
 * prefix again, which is deterministic.
 */

import type { BuiltVariant } from '../engine/build.js';
import { createMachine } from '../engine/build.js';
import { attributeReports, finishRun, Runner, type Bound, type PreparedOp, type RunResult, type StepResult } from '../engine/run.js';
import type { OpArgs, OpReturn } from '../engine/ops.js';
import { KernelBug, type Report } from '../report/report.js';
import type { OpStep, Scenario, Step } from '../scenario/types.js';
import { evalExpr } from '../scenario/expr.js';
import { InputError } from '../util/errors.js';
import { Checkpoint } from './checkpoint.js';
import { CpuExec, exploreClass, PREEMPT, type ExploreKernel, type LogEntry } from './machine.js';
import { Ownership, SETUP, type Violation } from './ownership.js';
import { LIMITS } from '../kernel/config.js';

/**
 * The operations whose kernel functions run as atomic actions (the
 * refcount API and the paths down to the free). Every other operation is
 * one action.
 */
export const INTERLEAVABLE: ReadonlySet<string> = new Set([
  'page_ref_count', 'page_count', 'folio_ref_count',
  'set_page_count', 'init_page_count', 'folio_set_count', 'folio_init_count', 'set_page_count_frozen', 'set_page_refcounted',
  'page_ref_add', 'page_ref_sub', 'page_ref_inc', 'page_ref_dec',
  'folio_ref_add', 'folio_ref_sub', 'folio_ref_inc', 'folio_ref_dec',
  'page_ref_sub_and_test', 'page_ref_dec_and_test', 'folio_ref_sub_and_test', 'folio_ref_dec_and_test',
  'page_ref_inc_return', 'page_ref_dec_return', 'folio_ref_sub_return',
  'page_ref_add_unless', 'page_ref_add_unless_zero', 'folio_ref_add_unless_zero', 'page_ref_add_unless_frozen', 'folio_ref_add_unless_frozen',
  'folio_try_get', 'folio_ref_try_add', 'get_page_unless_zero', 'try_get_page',
  'page_ref_freeze', 'page_ref_unfreeze', 'folio_ref_freeze', 'folio_ref_unfreeze',
  'folio_get', 'get_page', 'folio_put', 'put_page', 'folio_put_refs', 'put_page_testzero',
  'folio_mapcount',
  '__free_pages', 'free_frozen_pages',
  // Mapping a page: folio_get() and the mapcount atomics of folio_add_file_rmap_pte(), the rest as lock sections (machine.ts).
  'vm_insert_page', 'vm_insert_pages',
  // Faulting a page in: the mapcount atomics of folio_add_new_anon_rmap(); the allocation, the tables, the pte or PMD as sections.
  'handle_mm_fault',
  // Unmapping: the mapcount atomics of folio_remove_rmap_ptes()/_pmd() and the folio_put_refs() of tlb_finish_mmu() as
  // actions; the VMAs, each pte, the page tables and the rss and vmstat counters as sections.
  'munmap', 'madvise_dontneed',
]);

/** Operations whose page argument the ownership oracle takes as its folio (the reference is the folio's). */
const MAPS_FOLIO: ReadonlySet<string> = new Set(['vm_insert_page', 'vm_insert_pages']);

/** Operations in `final:` that only read, so a schedule's end needs no restore. */
const READS_ONLY: ReadonlySet<string> = new Set(['page_ref_count', 'page_count', 'folio_ref_count', 'folio_mapcount', 'check', 'dump_page']);

/** Most actions one operation may take (a CAS loop that never wins is a livelock, and a bug to report; an unmap of 2 MiB of ptes takes about 3,000). */
export const MAX_OP_ACTIONS = 1024;

/** Where an action touched memory: one word (read or written), nothing shared, or anything. */
export interface Footprint {
  /** The word; -1 anything (a lock section, a whole operation); -2 nothing shared; below -2 a place outside the memory (machine.ts, LogEntry.scope). */
  readonly word: number;
  readonly write: boolean;
}

/** Whether two actions of different CPUs commute. */
export function independent(a: Footprint, b: Footprint): boolean {
  if (a.word === -1 || b.word === -1) return false;
  if (a.word === -2 || b.word === -2) return true;
  return a.word !== b.word || (!a.write && !b.write);
}

interface CpuSnap {
  readonly pc: number;
  readonly op: PreparedOp | null;
  readonly log: LogEntry[];
  readonly logLen: number;
  readonly handles: [string, Bound][];
  readonly executed: number;
  readonly opReports: Report[];
  readonly opReportsLen: number;
  readonly drops: readonly Drop[];
}

/** References an operation drops inside the kernel (an unmap's TLB-gather puts), as it goes. */
interface Drop {
  readonly pfn: number;
  readonly n: number;
}

/** An action as the trail keeps it. */
export interface Action {
  readonly cpu: number;
  /** The operation (scenario step) it belongs to, and that step's line. */
  readonly op: string;
  readonly line: number;
  /** What it performed: one atomic access or lock section, or none (local code only, or a whole operation). */
  readonly entry: LogEntry | null;
  /** The operation ran as one action (not interleavable). */
  readonly whole: boolean;
  /** The operation returned in this action: its result as the step shows it. */
  readonly returned: { readonly value: OpReturn } | null;
  readonly footprint: Footprint;
  /** Undone by restoring the checkpoint. */
  readonly opaque: boolean;
  readonly undo: readonly number[];
  /** Undoes what its section changed outside the memory (machine.ts, ExploreHooks.onUndo), last first. */
  readonly undoJs: readonly (() => void)[];
  readonly before: CpuSnap;
  readonly own: ReturnType<Ownership['snapshot']>;
  readonly steps: number;
  /** Steps numbered before it (the next step's number is one more). */
  readonly executed: number;
  readonly bug: boolean;
  /**
   * Which sequence of opaque actions led here, from what states (an interned
   * id, 0 for none): memory outside the words atomic actions touched changes
   * only in opaque actions, so with this id the touched words and the CPUs'
   * locals determine the whole machine (see stateKey()).
   */
  chain: number;
}

interface CpuState {
  readonly id: number;
  readonly list: readonly { readonly step: OpStep; readonly i: number | null }[];
  readonly runner: Runner;
  pc: number;
  op: PreparedOp | null;
  x: CpuExec;
  /** The reports the current operation made so far. */
  opReports: Report[];
  /** The references the current operation has dropped (or is dropping) inside the kernel so far: rebuilt at each action, as the operation runs again. */
  drops: Drop[];
}

/** What a finished schedule left: its oracles' findings and its end state. */
export interface Leaf {
  readonly schedule: readonly number[];
  readonly run: RunResult;
  readonly violations: readonly Violation[];
  /** One line per failure: reports, expectations that did not hold, ownership violations. */
  readonly failures: readonly string[];
  /** The failures' signatures (a report's kind, function and reason; a violation's kind). */
  readonly signatures: readonly string[];
  /** A key of the end state: touched words, step results, findings. */
  readonly endState: string;
}

export class Exec {
  readonly k: ExploreKernel;
  readonly cpus: CpuState[] = [];
  readonly trail: Action[] = [];
  readonly own = new Ownership();
  private readonly checkpoint: Checkpoint;
  private readonly setupBindings: ReadonlyMap<string, Bound>;
  private readonly steps: StepResult[] = [];
  private readonly setupSteps: number;
  private setupExecuted = 0;
  /** Steps numbered so far (setup and every CPU: each step gets the next number when it starts). */
  private executed = 0;
  /** A BUG ended the schedule. */
  bugged = false;
  /** Words written by atomic actions, and the same sorted (state keys and end states). */
  private readonly touched = new Set<number>();
  private readonly touchedList: number[] = [];
  /** The words as the setup left them (the checkpoint's copy). */
  private setupWords: Int32Array = new Int32Array(0);
  /** Interned chains of opaque actions (see Action.chain). */
  private readonly chains = new Map<string, number>();
  /** The state key at the current trail depth, when the search computed it (an opaque action's chain starts from it). */
  private keyCache: { depth: number; key: string } | null = null;
  /** Chains of the actions a restore replays (they were computed when the actions first ran). */
  private replayChains: number[] | null = null;
  private undoBuf: number[] = [];
  private undoJsBuf: (() => void)[] = [];
  /** Restores of the checkpoint, and actions run again after them (figures). */
  restores = 0;
  replayed = 0;
  /** Record the kernel function of each access (printing a schedule). */
  trace = false;
  /** The checker's findings by end state (see finish()). */
  private readonly checked = new Map<string, string[]>();
  /** Run the checker at every schedule's end, not once per end state (pagesim run of a schedule). */
  checkEvery = false;
  /** The setup itself failed: a BUG or an expectation, so there is nothing to explore. */
  readonly setupResult: RunResult | null = null;
  /** The large folios the setup's page handles head, and their sizes (naming the words of their tail pages). */
  readonly setupFolioPages = new Map<number, number>();
  /** Reports the setup made (the same in every schedule). */
  private setupReports = 0;

  constructor(
    built: BuiltVariant,
    readonly scn: Scenario,
    readonly variant: string,
  ) {
    const cls = exploreClass(built.kernelClass);
    this.k = createMachine({ ...built, kernelClass: cls as unknown as BuiltVariant['kernelClass'] }, scn.machine) as ExploreKernel;
    const k = this.k;
    k.current.comm = 'pagesim';
    k.xhooks = this.hooks();
    const setup = new Runner(k, scn, variant, new Map(), this.steps);
    this.outside = { runner: setup, drops: [] };
    try {
      setup.run(scn.steps);
    } catch (e) {
      if (!(e instanceof KernelBug)) throw e;
      this.setupResult = finishRun(k, scn, variant, this.steps, setup.executed, true);
    }
    this.setupExecuted = setup.executed;
    this.setupSteps = this.steps.length;
    this.setupReports = k.reports.length;
    this.applyOutside(0);
    this.setupBindings = new Map(setup.bindings());
    for (const v of this.setupBindings.values()) if (v !== null && v.kind === 'page' && v.pfn >= 0 && v.pfn < k.nr_pages && k.folio_test_large(v.pfn)) this.setupFolioPages.set(v.pfn, k.folio_nr_pages(v.pfn));
    (scn.cpus ?? []).forEach((list, id) => {
      const runner = new Runner(k, scn, variant, this.setupBindings, this.steps);
      this.cpus.push({ id, list: flatten(list, scn.file), runner, pc: 0, op: null, x: new CpuExec(), opReports: [], drops: [] });
    });
    this.checkpoint = new Checkpoint(k, [k.symbols, k.layouts, k.PF, k.FF, built]);
    this.setupWords = this.checkpoint.words();
    this.resetCpus();
  }

  /** The hooks the explore kernel calls (machine.ts): the oracle's view of frees and in-kernel drops, and the undo log. */
  private hooks(): NonNullable<ExploreKernel['xhooks']> {
    return {
      onFree: (pfn, order) => this.onFree(pfn, order),
      onDrop: (pfn, n) => {
        const c = this.running;
        if (c !== null) c.drops.push({ pfn, n });
        else if (this.outside !== null) this.outside.drops.push({ pfn, n, index: this.outside.runner.executed });
      },
      onUndo: (fn) => {
        this.undoJsBuf.push(fn);
      },
      onWrite: (w, old) => {
        this.undoBuf.push(w, old);
        if (!this.touched.has(w)) {
          this.touched.add(w);
          let i = this.touchedList.length;
          this.touchedList.push(w);
          while (i > 0 && this.touchedList[i - 1]! > w) {
            this.touchedList[i] = this.touchedList[i - 1]!;
            i--;
          }
          this.touchedList[i] = w;
        }
      },
    };
  }

  /**
   * The setup or `final:` running (no CPU action): the runner that numbers
   * its steps, and the references its operations dropped inside the kernel
   * (an munmap's or an mmput's TLB-gather puts), each with the number of the
   * step that dropped it.
   */
  private outside: { readonly runner: Runner; readonly drops: { pfn: number; n: number; index: number }[] } | null = null;

  /**
   * The ownership effects of the setup's or final:'s steps from `from` on,
   * in order: each step's in-kernel drops, then the step itself, as for a
   * CPU's operation; drops of steps too many to be listed come last.
   */
  private applyOutside(from: number): void {
    const o = this.outside;
    this.outside = null;
    const drops = o?.drops ?? [];
    let d = 0;
    for (let s = from; s < this.steps.length; s++) {
      const st = this.steps[s]!;
      for (; d < drops.length && drops[d]!.index <= st.index; d++) this.own.dropRefs(SETUP, drops[d]!.pfn, drops[d]!.n);
      this.applyOwnership(SETUP, st, 0);
    }
    for (; d < drops.length; d++) this.own.dropRefs(SETUP, drops[d]!.pfn, drops[d]!.n);
  }

  private resetCpus(): void {
    for (const c of this.cpus) {
      c.pc = 0;
      c.op = null;
      c.x = new CpuExec();
      c.x.trace = this.trace;
      c.opReports = [];
      c.drops = [];
      c.runner.executed = this.setupExecuted;
      const h = c.runner.bindings() as Map<string, Bound>;
      h.clear();
      for (const [n, v] of this.setupBindings) h.set(n, v);
    }
    this.steps.length = this.setupSteps;
    this.executed = this.setupExecuted;
    this.own.restore(this.initialOwn ?? this.own.snapshot());
    this.initialOwn ??= this.own.snapshot();
    this.bugged = false;
  }

  private initialOwn: ReturnType<Ownership['snapshot']> | null = null;

  /** The CPU running the current action, for the free hook. */
  private running: CpuState | null = null;

  private onFree(pfn: number, order: number): void {
    const c = this.running;
    if (c === null || c.op === null) return;
    this.own.free(pfn, order, c.id, c.op.plan.step.op, (c.runner.currentArgs() ?? {}) as OpArgs, this.trail.length + 1, (p) => this.pendingDrops(p));
  }

  /** References to page `pfn` that operations in flight have dropped inside the kernel but not yet returned from. */
  private pendingDrops(pfn: number): number {
    let n = 0;
    for (const c of this.cpus) for (const d of c.drops) if (d.pfn === pfn) n += d.n;
    return n;
  }

  /** CPUs that have an action to take. */
  enabled(): number[] {
    if (this.bugged) return [];
    const out: number[] = [];
    for (const c of this.cpus) if (c.pc < c.list.length) out.push(c.id);
    return out;
  }

  private snapCpu(c: CpuState): CpuSnap {
    return { pc: c.pc, op: c.op, log: c.x.log, logLen: c.x.log.length, handles: [...c.runner.bindings()], executed: c.runner.executed, opReports: c.opReports, opReportsLen: c.opReports.length, drops: c.drops };
  }

  private restoreCpu(c: CpuState, s: CpuSnap): void {
    c.pc = s.pc;
    c.op = s.op;
    c.x.log = s.log;
    s.log.length = s.logLen;
    const h = c.runner.bindings() as Map<string, Bound>;
    h.clear();
    for (const [n, v] of s.handles) h.set(n, v);
    c.runner.executed = s.executed;
    c.opReports = s.opReports;
    s.opReports.length = s.opReportsLen;
    c.drops = s.drops as Drop[];
  }

  /** CPU `id` takes its next action. */
  step(id: number): Action {
    const k = this.k;
    const c = this.cpus[id]!;
    const before = this.snapCpu(c);
    const own = this.own.snapshot();
    const stepsBefore = this.steps.length;
    const { step, i } = c.list[c.pc]!;
    const executedBefore = this.executed;
    if (c.op === null) {
      c.runner.executed = this.executed;
      c.op = c.runner.prepareOp(step);
      this.executed = c.runner.executed;
      c.x.log = [];
      c.opReports = [];
    }
    const op = c.op;
    const whole = !INTERLEAVABLE.has(step.op);
    const x = c.x;
    x.cursor = 0;
    x.performed = false;
    x.replayLen = x.log.length;
    x.pendingWord = -2;
    x.trace = this.trace;
    const logLen = x.log.length;
    const reports = k.reports.length;
    const consoleLen = k.console.length;
    this.undoBuf = [];
    this.undoJsBuf = [];
    // The operation runs again from its start: the drops it makes are counted again.
    c.drops = [];
    k.current.cpu = id;
    k.xcpu = whole ? null : x;
    this.running = c;
    let done = false;
    let bug = false;
    let ret: OpReturn = undefined;
    try {
      ret = c.runner.callOp(op, i);
      done = true;
    } catch (e) {
      if (e === PREEMPT) {
        // The action ended at the next scheduling point.
      } else if (e instanceof KernelBug) {
        bug = true;
      } else {
        throw e;
      }
    } finally {
      k.xcpu = null;
      this.running = null;
    }
    let entry: LogEntry | null = null;
    for (let j = x.log.length - 1; j >= logLen && entry === null; j--) if (x.log[j]!.local !== true) entry = x.log[j]!;
    if (!done && !bug && x.log.length >= MAX_OP_ACTIONS && x.log.filter((e) => e.local !== true).length >= MAX_OP_ACTIONS) {
      throw new InputError(`explore: ${step.op} took more than ${MAX_OP_ACTIONS} atomic actions without returning on CPU ${id} (a livelock, or an operation too large to explore)`, this.scn.file, step.line);
    }
    let rcu = false;
    for (const r of attributeReports(k.reports, reports, op.index)) c.opReports.push(r);
    if (done || bug) {
      const mine = c.opReports.length === 0 ? NO_REPORTS : c.opReports.slice();
      const expectFailure = done ? c.runner.completeOp(op, ret, i) : undefined;
      c.runner.recordOp(op, ret, mine, expectFailure, done, true, false);
      if (done) {
        for (const d of c.drops) this.own.dropRefs(id, d.pfn, d.n);
        c.drops = [];
        this.applyOwnership(id, this.steps[this.steps.length - 1]!, this.trail.length + 1, ret);
        if (k.rcuGraceSteps > 0) {
          k.rcuStep();
          rcu = true;
        }
      }
      c.pc++;
      c.op = null;
    }
    if (bug) this.bugged = true;
    const opaque = whole || rcu || bug || k.reports.length !== reports || k.console.length !== consoleLen || (entry !== null && entry.word === -1 && entry.undoable !== true);
    const footprint: Footprint = whole
      ? { word: -1, write: true }
      : entry === null
        ? { word: -2, write: false }
        : entry.word === -1
          ? { word: entry.scope ?? -1, write: true }
          : { word: entry.word, write: entry.prim !== 'atomic_read' };
    const prevChain = this.trail.length === 0 ? 0 : this.trail[this.trail.length - 1]!.chain;
    let chain = prevChain;
    if (this.replayChains !== null) chain = this.replayChains[this.trail.length]!;
    else if (opaque && this.keyCache !== null && this.keyCache.depth === this.trail.length) {
      const from = `${this.keyCache.key}#${id}`;
      chain = this.chains.get(from) ?? 0;
      if (chain === 0) {
        chain = this.chains.size + 1;
        this.chains.set(from, chain);
      }
    } else if (opaque) chain = -1;
    this.keyCache = null;
    const a: Action = {
      cpu: id,
      op: step.op,
      line: step.line,
      entry,
      whole,
      returned: done ? { value: ret } : null,
      footprint,
      opaque,
      undo: this.undoBuf,
      undoJs: this.undoJsBuf,
      before,
      own,
      steps: stepsBefore,
      executed: executedBefore,
      bug,
      chain,
    };
    this.trail.push(a);
    return a;
  }

  private applyOwnership(holder: number, s: StepResult, action: number, ret?: OpReturn): void {
    const args: Record<string, unknown> = {};
    const raw = s.args ?? {};
    for (const [n, v] of Object.entries(raw)) args[n] = v !== null && typeof v === 'object' && 'pfn' in v ? v.pfn : v;
    // A mapping's reference is on the folio of the page mapped.
    if (MAPS_FOLIO.has(s.op) && typeof args['page'] === 'number' && args['page'] >= 0 && args['page'] < this.k.nr_pages) args['page'] = this.k.page_folio(args['page']);
    const value = ret !== undefined ? ret : s.result !== null && typeof s.result === 'object' && 'pfn' in s.result ? s.result.pfn : s.result;
    this.own.step(holder, s.op, args, value, action);
  }

  /** Undoes actions until the trail is `depth` long. */
  backtrack(depth: number): void {
    let cheap = !this.leafDirty;
    for (let j = depth; j < this.trail.length && cheap; j++) if (this.trail[j]!.opaque) cheap = false;
    this.keyCache = null;
    if (cheap) {
      while (this.trail.length > depth) {
        const a = this.trail.pop()!;
        const i32 = this.k.i32;
        for (let u = a.undo.length - 2; u >= 0; u -= 2) i32[a.undo[u]!] = a.undo[u + 1]!;
        for (let u = a.undoJs.length - 1; u >= 0; u--) a.undoJs[u]!();
        this.restoreCpu(this.cpus[a.cpu]!, a.before);
        this.own.restore(a.own);
        this.steps.length = a.steps;
        this.executed = a.executed;
        this.bugged = false;
      }
      return;
    }
    const prefix = this.trail.slice(0, depth).map((a) => a.cpu);
    const chains = this.trail.slice(0, depth).map((a) => a.chain);
    this.checkpoint.restore();
    this.restores++;
    this.trail.length = 0;
    this.resetCpus();
    this.leafDirty = false;
    this.replayChains = chains;
    try {
      for (const cpu of prefix) this.step(cpu);
    } finally {
      this.replayChains = null;
    }
    this.replayed += prefix.length;
  }

  /** The final steps and the checker changed the machine beyond undoing word by word. */
  private leafDirty = false;

  /**
   * The state the schedule so far has reached, as a string: two schedules
   * with the same key behave the same from here on (the same actions, end
   * states and findings), so the search explores the state once (see
   * docs/explore.md). It holds the words atomic actions changed, with their
   * values where they differ from the setup's; the chain of opaque actions
   * (which stands for every other byte and JavaScript object of the
   * machine); each CPU's program point, the log of the operation it is in
   * (what its atomics returned: its locals), its handles, its steps' results
   * and its lock sections; the ownership oracle's bookkeeping; and the
   * reports made so far. Orders that a schedule's future cannot see (which
   * CPU finished first) are left out.
   */
  stateKey(): string {
    const i32 = this.k.i32;
    const sw = this.setupWords;
    let s = '';
    for (const w of this.touchedList) {
      const v = i32[w]!;
      if (v !== sw[w]) s += `${w}=${v},`;
    }
    s += `|${this.trail.length === 0 ? 0 : this.trail[this.trail.length - 1]!.chain}|${this.bugged ? 'B' : ''}|${this.jsKey()}`;
    for (const c of this.cpus) {
      s += `|${c.pc}${c.op === null ? '' : ':'}`;
      if (c.op !== null) for (const e of c.x.log) s += `${e.prim}@${e.word}=${String(e.ret)};`;
      for (const [n, v] of c.runner.bindings()) if (this.setupBindings.get(n) !== v) s += `${n}=${boundKey(v)};`;
    }
    s += `|${this.resultsKey()}|${this.sectionsKey()}|${this.own.key()}|`;
    const r = this.k.reports;
    if (r.length > this.setupReports) s += r.slice(this.setupReports).map(signature).sort().join('|');
    if (this.caching) this.keyCache = { depth: this.trail.length, key: s };
    return s;
  }

  /** What undoable sections change outside the memory: each mm's rss counters and each node's vmstat. */
  private jsKey(): string {
    let s = '';
    for (const mm of this.k.mms.values()) s += `${mm.id}:${mm.rss_stat.join(',')};`;
    for (const n of this.k.nodes) s += `${n.vm_stat.join(',')};`;
    return s;
  }

  /** Set by the search when it merges states: opaque actions then record their chain. */
  caching = false;

  /** The steps' results, by CPU, each CPU's in its own order (final:'s last). */
  private resultsKey(): string {
    const by: string[] = this.cpus.map(() => '');
    let fin = '';
    for (let i = this.setupSteps; i < this.steps.length; i++) {
      const st = this.steps[i]!;
      let t = RESULT_KEYS.get(st);
      if (t === undefined) {
        t = `${st.op}=${JSON.stringify(st.result ?? null)}${st.expectFailure !== undefined ? '!' : ''}${st.killed === true ? 'K' : ''};`;
        RESULT_KEYS.set(st, t);
      }
      if (st.cpu !== undefined && st.cpu >= 0 && st.cpu < by.length && i >= this.setupSteps) by[st.cpu] += t;
      else fin += t;
    }
    return `${by.join('/')}/${fin}`;
  }

  /** The opaque actions (lock sections, operations run whole), by CPU. */
  private sectionsKey(): string {
    const by: string[] = this.cpus.map(() => '');
    for (const a of this.trail) if (a.opaque) by[a.cpu] += `${a.entry?.prim ?? a.op},`;
    return by.join('/');
  }

  /** The schedule so far. */
  schedule(): number[] {
    return this.trail.map((a) => a.cpu);
  }

  /**
   * The end of a schedule: `final:`, the checker, the expectations and the
   * oracles. The machine is left as the end left it; backtrack() undoes it.
   */
  finish(): Leaf {
    const k = this.k;
    const scn = this.scn;
    const reports0 = k.reports.length;
    const console0 = k.console.length;
    const steps0 = this.steps.length;
    const seen = new Map<string, Bound>(this.setupBindings);
    for (const c of this.cpus) for (const [n, v] of c.runner.bindings()) seen.set(n, v);
    let executed = this.executed;
    let bug = this.bugged;
    const own0 = this.own.snapshot();
    if (!bug && scn.final !== undefined) {
      const r = new Runner(k, scn, this.variant, seen, this.steps);
      r.executed = executed;
      this.outside = { runner: r, drops: [] };
      try {
        r.run(scn.final);
      } catch (e) {
        if (!(e instanceof KernelBug)) throw e;
        bug = true;
      } finally {
        executed = r.executed;
        this.applyOutside(steps0);
      }
      if ((scn.final ?? []).some((st) => st.kind !== 'op' || !READS_ONLY.has(st.op))) this.leafDirty = true;
    }
    if (!bug) this.own.end((pfn) => k.page_ref_count(pfn), (pfn) => k.PageBuddy(pfn));
    // The end state: what the machine and each CPU hold at the end. Words are those atomic actions
    // changed, where they differ from the setup; results and lock sections are each CPU's, in its
    // own order (which CPU finished first is not part of it); reports and findings as sets.
    const sw = this.setupWords;
    const words = this.touchedList.filter((w) => k.i32[w] !== sw[w]).map((w) => `${w}=${k.i32[w]}`);
    const violations = this.own.violations.slice();
    const before = [words.join(','), this.resultsKey(), this.sectionsKey(), k.reports.slice(this.setupReports).map(signature).sort().join('|'), violations.map((v) => v.kind).sort().join('|'), this.own.heldSummary()].join(' / ');
    // The checker reads the whole memmap: it runs once per distinct end state (what the atomic
    // words, the results and the lock sections run, by CPU and in order, leave).
    const known = this.checked.get(before);
    // A BUG ended the schedule while other CPUs were inside a step: those steps are listed as not finished.
    if (bug) {
      for (const c of this.cpus) {
        if (c.op === null) continue;
        c.runner.recordOp(c.op, undefined, c.opReports.slice(), undefined, false, true, false, true);
      }
    }
    const run = finishRun(k, scn, this.variant, this.steps.slice().sort((a, b) => a.index - b.index), executed, bug, known === undefined || this.checkEvery);
    const checkSigs = known ?? run.reports.slice(reports0).filter((r) => r.kind === 'check').map(signature);
    if (known === undefined && this.checked.size < 100_000) this.checked.set(before, checkSigs);
    if (k.reports.length !== reports0 || k.console.length !== console0) this.leafDirty = true;
    this.own.restore(own0);
    const ownFailures = run.failures.filter((f) => !f.startsWith('expected '));
    const failures = [...ownFailures, ...violations.map((v) => v.text)];
    const signatures = [...new Set([...run.reports.map(signature), ...checkSigs, ...ownFailures.map(() => 'expectation'), ...violations.map((v) => v.kind)])];
    const endState = `${before} / ${checkSigs.join('|')}`;
    this.steps.length = steps0;
    return { schedule: this.schedule(), run, violations, failures, signatures, endState };
  }
}

const NO_REPORTS: readonly Report[] = Object.freeze([]);

/** A step result's part of a state key, made once per result. */
const RESULT_KEYS = new WeakMap<StepResult, string>();

/** A handle's value in a state key. */
function boundKey(v: Bound): string {
  if (v === null) return 'null';
  return v.kind === 'page' ? `p${v.pfn}` : `o${v.type}:${v.id}`;
}

/** A report's signature: what distinguishes one failure from another. */
export function signature(r: Report): string {
  return `${r.kind} ${r.function}: ${r.reason}`;
}

/** A CPU's steps with repeat loops unrolled (their counts must be constant). */
function flatten(list: readonly Step[], file: string, i: number | null = null, out: { step: OpStep; i: number | null }[] = []): { step: OpStep; i: number | null }[] {
  for (const s of list) {
    if (s.kind === 'op') {
      out.push({ step: s, i });
      continue;
    }
    let times: number;
    try {
      times = evalExpr(s.times, i);
    } catch {
      throw new InputError('explore: a repeat: count inside cpus: must be a constant', file, s.line);
    }
    if (times < 0 || times > LIMITS.repeatMax) throw new InputError(`repeat: times must be between 0 and ${LIMITS.repeatMax}, got ${times}`, file, s.line);
    for (let j = 0; j < times; j++) flatten(s.steps, file, j, out);
    if (out.length > 10_000) throw new InputError('explore: a CPU runs more than 10000 steps', file, s.line);
  }
  return out;
}
