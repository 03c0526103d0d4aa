/**
 * The parsed form of a scenario file (format v1, docs/scenarios.md).
 *
 * The parser (parse.ts) turns YAML into these types, checking every step
 * against the operation registry, so that running a scenario never meets
 * malformed input: what is left for run time is only what depends on
 * values (a handle bound in an earlier step, `$i` in a loop).
 */

import type { ScalarType } from '../layout/ctype.js';

/** What a step's parameter accepts. */
export type ParamType =
  /** A page: a handle name (`p`, `p$i`), optionally `+ N` pages (`p+3`). */
  | 'page'
  /** Any handle (an mm, a cache, a pool, an object): a handle name. */
  | 'handle'
  /** An integer: decimal, 0x hex, a size (`4KiB`), or an expression with + - * / ( ) and $i. */
  | 'int'
  /** A gfp mask: `GFP_KERNEL | __GFP_COMP`, names from src/kernel/gfp.ts, or a number. */
  | 'gfp'
  | 'bool'
  | 'string';

export interface ParamDef {
  readonly name: string;
  readonly type: ParamType;
  /**
   * For an `int` parameter, the C type the kernel function declares it with
   * (`unsigned int order`, `int nid`, `unsigned long addr`): the runner
   * converts each value to it as C would before the operation sees it.
   */
  readonly ctype?: ScalarType;
  /** Optional parameters take this default when absent. */
  readonly default?: number | boolean | string;
  readonly doc?: string;
}

/** What an operation returns. */
export type ResultType = 'void' | 'page' | 'handle' | 'int' | 'bool' | 'errno' | 'text';

/** An integer expression; `$i` is the innermost repeat's iteration index. */
export type Expr =
  | { readonly kind: 'num'; readonly value: number }
  | { readonly kind: 'var' }
  /** An integer a step bound with `as:` (an address mmap returned); the name may contain `$i`. */
  | { readonly kind: 'ref'; readonly name: string }
  | { readonly kind: 'bin'; readonly op: '+' | '-' | '*' | '/'; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'neg'; readonly arg: Expr };

/** A reference to a bound handle; `name` may contain `$i`, `offset` counts pages. */
export interface HandleRef {
  readonly kind: 'handle';
  readonly name: string;
  readonly offset: Expr | null;
}

export type ArgValue =
  | { readonly kind: 'int'; readonly expr: Expr }
  | { readonly kind: 'gfp'; readonly mask: number; readonly text: string }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'string'; readonly value: string }
  | HandleRef;

/** An expected step result as written: `null`, `true`, `3`, `-EINVAL`, a string, or a handle name. */
export type ResultLiteral =
  | { readonly kind: 'null' }
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'errno'; readonly name: string; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'handle'; readonly ref: HandleRef };

export interface OpStep {
  readonly kind: 'op';
  readonly op: string;
  /** Arguments by parameter name, defaults filled in. */
  readonly args: ReadonlyMap<string, ArgValue>;
  /** Bind the result to this handle name (may contain `$i`). */
  readonly as: string | null;
  readonly expect: ResultLiteral | null;
  /** Run the step on this CPU (the current CPU otherwise). */
  readonly cpu: number | null;
  /** Show the step's result in the suite matrix. */
  readonly show: boolean;
  readonly line: number;
}

export interface RepeatStep {
  readonly kind: 'repeat';
  readonly times: Expr;
  readonly steps: readonly Step[];
  readonly line: number;
}

export type Step = OpStep | RepeatStep;

/** A report matcher of a top-level `expect`; every field given must match. */
/** `explore:` for one variant stack: the failure signatures found (each matched as a substring) or ok, and optionally the counts. */
export interface ExploreExpectation {
  readonly failures: readonly string[] | 'ok';
  readonly schedules?: number;
  readonly endStates?: number;
  readonly line: number;
}

export interface ReportMatcher {
  readonly kind?: string;
  readonly function?: string;
  readonly reason?: string;
  readonly message?: string;
}

export type VariantExpectation = { readonly kind: 'ok' } | { readonly kind: 'reports'; readonly matchers: readonly ReportMatcher[] };

export interface ScenarioMachine {
  readonly memoryBytes: number;
  readonly cpus: number;
  readonly nodes: number;
  /** /sys/kernel/mm/transparent_hugepage/enabled (default always). */
  readonly thp?: 'always' | 'madvise' | 'never';
  /** End an RCU grace period after every N steps (default 0: only at synchronize_rcu / rcu_barrier). */
  readonly rcu_grace_steps?: number;
  /**
   * /proc/sys/kernel/panic_on_oops. 0: an oops in process context kills the
   * task and the machine goes on (tainted D); 1: it panics. Absent: the run
   * stops at the first oops, without the panic's lines.
   */
  readonly panic_on_oops?: 0 | 1;
  /** page_owner=on: the machine records who allocated each page (proc: page_owner). */
  readonly page_owner?: boolean;
}

/** One of a file's `cases:`: its own steps (after the file's setup steps) and expectations. */
export interface ScenarioCase {
  readonly name: string;
  readonly description: string;
  readonly line: number;
  readonly steps: readonly Step[];
  readonly expect: ReadonlyMap<string, VariantExpectation>;
  readonly expectLines: ReadonlyMap<string, number>;
}

export interface Scenario {
  readonly file: string;
  readonly name: string;
  readonly description: string;
  readonly machine: ScenarioMachine;
  /** Variant stacks to run by default (`a+b`), in order. */
  readonly variants: readonly string[];
  readonly steps: readonly Step[];
  /**
   * A concurrent scenario: one step list per CPU (two to four), run after
   * `steps` (the setup). Each step's `cpu` is its list's index. Absent for
   * an ordinary scenario.
   */
  readonly cpus?: readonly (readonly Step[])[];
  /** Steps run after every CPU's list has finished (checks, refcount expectations). */
  readonly final?: readonly Step[];
  /**
   * The interleaving `pagesim run` replays: the CPU of each atomic action in
   * order (as `pagesim explore` prints a failing one). Without it the CPUs
   * run one after another.
   */
  readonly schedule?: readonly number[];
  /** The line of each entry of `schedule`, for messages. */
  readonly scheduleLines?: readonly number[];
  /** What `pagesim explore` should find, by variant stack. */
  readonly exploreExpect?: ReadonlyMap<string, ExploreExpectation>;
  /**
   * Several scenarios in one file, each run on a fresh machine after the
   * setup `steps`; expandCases() (src/engine/load.ts) makes each a Scenario.
   */
  readonly cases?: readonly ScenarioCase[];
  /** Expectations by variant stack name. */
  readonly expect: ReadonlyMap<string, VariantExpectation>;
  /** Line of each top-level `expect` entry, for messages. */
  readonly expectLines: ReadonlyMap<string, number>;
}

/** The operation registry as the parser sees it. */
export interface OpSignature {
  readonly name: string;
  readonly params: readonly ParamDef[];
  readonly result: ResultType;
}

export interface OpLookup {
  get(name: string): OpSignature | undefined;
  /** Names of all operations, for "did you mean" hints. */
  names(): Iterable<string>;
}

/** Variant stack names the parser accepts in `variants:` and `expect:`. */
export interface VariantLookup {
  /** Null when the stack is valid, else a message naming what is wrong. */
  problem(stack: string): string | null;
}
