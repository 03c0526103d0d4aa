/**
 * The `steps:` list of a scenario: operation steps checked against the
 * operation registry, and `repeat` steps.
 */

import { isMap, isScalar, isSeq, type YAMLMap } from 'yaml';
import { LIMITS } from '../kernel/config.js';
import { formatGfp } from '../kernel/gfp.js';
import { HandleScope } from './handles.js';
import { quote, ValueError } from './problem.js';
import { didYouMean } from './suggest.js';
import type { ArgValue, Expr, HandleRef, OpLookup, OpSignature, OpStep, ParamDef, RepeatStep, ResultLiteral, Step } from './types.js';
import { constantValue, exprNames, formatExpr } from './expr.js';
import { parseArg, parseHandleName, parseIntValue, parseResultLiteral, shown, type ScalarIn } from './values.js';
import { SourceDoc, type Entry, type Item, type YNode } from './yaml-source.js';

/** Most step nodes (operations and repeats, as written) one file may hold. */
export const MAX_STEP_NODES = 100_000;
/** Deepest nesting of `repeat`. */
export const MAX_REPEAT_DEPTH = 16;

/** The keys of an operation step besides the operation itself. */
const MODIFIERS: readonly string[] = ['as', 'expect', 'cpu', 'show'];
const REPEAT_KEYS: readonly string[] = ['times', 'steps'];

/** The modifier entries of one operation step, by key. */
type Modifiers = ReadonlyMap<string, Entry>;

/** A parameter's value as given in the file, with its line. */
interface GivenArg {
  readonly scalar: ScalarIn;
  readonly line: number;
}

function kindOfNode(node: YNode): string {
  return isMap(node) ? 'a mapping' : isSeq(node) ? 'a list' : 'a scalar';
}

/** Step nodes counted over one file, shared by the parsers of its step lists. */
interface NodeCount {
  n: number;
}

export class StepParser {
  constructor(
    private readonly src: SourceDoc,
    private readonly ops: OpLookup,
    private readonly cpus: number,
    private readonly handles = new HandleScope(),
    /** The CPU every step runs on (a `cpus:` list), which a step may not change; null: `cpu:` is allowed. */
    private readonly fixedCpu: number | null = null,
    private readonly nodes: NodeCount = { n: 0 },
  ) {}

  /**
   * A parser for a list that starts from the names this one has bound so
   * far: each CPU's list of a `cpus:` section (with `fixedCpu`), or `final:`.
   */
  fork(fixedCpu: number | null): StepParser {
    return new StepParser(this.src, this.ops, this.cpus, this.handles.clone(), fixedCpu, this.nodes);
  }

  /** Makes the names another parser bound visible here (`final:` sees what the CPUs bound). */
  absorbNames(other: StepParser): void {
    this.handles.absorb(other.handles);
  }

  /** A non-empty list of steps; `depth` counts the repeats around it. */
  stepList(node: YNode | null, line: number, depth: number, what: string): Step[] {
    if (!isSeq(node) || node.items.length === 0) this.src.fail(line, `${what} must be a non-empty list of steps`);
    return this.src.items(node, line).map((item) => this.step(item, depth));
  }

  private step(item: Item, depth: number): Step {
    if (++this.nodes.n > MAX_STEP_NODES) this.src.fail(item.line, `more than ${MAX_STEP_NODES} steps in one file`);
    const { node, line } = item;
    if (isScalar(node) && typeof node.value === 'string') return this.bareStep(node.value, line, depth);
    if (isMap(node)) return this.mappingStep(node, line, depth);
    return this.src.fail(line, 'a step must be an operation name (- check) or a mapping (- alloc_pages: {gfp: GFP_KERNEL})');
  }

  /** `- check`: an operation without arguments. */
  private bareStep(name: string, line: number, depth: number): OpStep {
    if (name === 'repeat') this.src.fail(line, 'repeat needs a mapping: - repeat: {times: N, steps: [...]}');
    const op = this.lookup(name, line, []);
    const required = op.params.filter((p) => p.default === undefined).map((p) => p.name);
    if (required.length > 0) this.src.fail(line, `${op.name} needs ${required.join(', ')}: write - ${op.name}: {${required[0]}: ...}`);
    return this.opStep(op, null, new Map(), line, depth);
  }

  private mappingStep(map: YAMLMap, line: number, depth: number): Step {
    const entries = this.src.entries(map, line);
    const repeat = entries.find((e) => e.key === 'repeat');
    if (repeat !== undefined) {
      const other = entries.find((e) => e.key !== 'repeat');
      if (other !== undefined) this.src.fail(other.keyLine, `a repeat step has no other keys (put ${quote(other.key)} on the steps inside)`);
      return this.repeatStep(repeat, line, depth);
    }
    const opEntry = this.operationEntry(entries, line);
    const op = this.lookup(opEntry.key, opEntry.keyLine, MODIFIERS);
    const modifiers = new Map(entries.filter((e) => e !== opEntry).map((e) => [e.key, e]));
    return this.opStep(op, opEntry, modifiers, line, depth);
  }

  /** The one key of a step mapping that is not a modifier. */
  private operationEntry(entries: readonly Entry[], line: number): Entry {
    const candidates = entries.filter((e) => !MODIFIERS.includes(e.key));
    if (candidates.length === 0) this.src.fail(line, `a step needs an operation besides ${MODIFIERS.join(', ')}`);
    const unknown = candidates.find((e) => this.ops.get(e.key) === undefined);
    if (candidates.length > 1 && unknown === undefined) {
      this.src.fail(candidates[1]!.keyLine, `a step calls one operation, but this one has ${quote(candidates[0]!.key)} and ${quote(candidates[1]!.key)}`);
    }
    return unknown ?? candidates[0]!;
  }

  /** The operation named `name`, or an error suggesting a close name (from `extra` too: misspelt modifiers). */
  private lookup(name: string, line: number, extra: readonly string[]): OpSignature {
    const op = this.ops.get(name);
    if (op === undefined) this.src.fail(line, `unknown operation ${quote(name)}${didYouMean(name, [...this.ops.names(), ...extra])}`);
    return op;
  }

  private opStep(op: OpSignature, opEntry: Entry | null, modifiers: Modifiers, line: number, depth: number): OpStep {
    const inLoop = depth > 0;
    const args = this.args(op, opEntry, line, inLoop);
    const expect = this.expect(op, modifiers.get('expect'), inLoop);
    const as = this.as(op, modifiers.get('as'), inLoop);
    if (as !== null) this.handles.bind(as);
    return { kind: 'op', op: op.name, args, as, expect, cpu: this.cpu(op, modifiers.get('cpu')), show: this.show(op, modifiers.get('show')), line };
  }

  /** Runs a value parser, turning its ValueError into the InputError at `line`, prefixed with `what`. */
  private value<T>(line: number, what: string, parse: () => T): T {
    try {
      return parse();
    } catch (err) {
      if (err instanceof ValueError) this.src.fail(line, `${what} ${err.message}`);
      throw err;
    }
  }

  /** The scalar of an entry; lists and mappings are refused. */
  private scalarOf(entry: Entry, what: string): ScalarIn {
    if (entry.value === null) return { value: null, source: '' };
    if (!isScalar(entry.value)) this.src.fail(entry.line, `${what} must be a single value, got ${kindOfNode(entry.value)}`);
    return this.src.scalar(entry.value, entry.line, what);
  }

  /** Arguments by parameter name, in parameter order, defaults filled in. */
  private args(op: OpSignature, opEntry: Entry | null, line: number, inLoop: boolean): Map<string, ArgValue> {
    const given = opEntry === null ? new Map<string, GivenArg>() : this.givenArgs(op, opEntry);
    const parsed = new Map<string, ArgValue>();
    for (const [name, g] of given) parsed.set(name, this.arg(op, op.params.find((p) => p.name === name)!, g, inLoop));
    const args = new Map<string, ArgValue>();
    for (const p of op.params) {
      const v = parsed.get(p.name) ?? (p.default !== undefined ? defaultArg(op, p) : null);
      if (v === null) this.src.fail(opEntry?.keyLine ?? line, `${op.name}: missing required parameter ${quote(p.name)}`);
      args.set(p.name, v);
    }
    return args;
  }

  /** The arguments written for an operation: one scalar for the first parameter, or a mapping by name. */
  private givenArgs(op: OpSignature, entry: Entry): Map<string, GivenArg> {
    const v = entry.value;
    if (v === null) return new Map();
    if (isScalar(v)) {
      const first = op.params[0];
      const scalar = this.src.scalar(v, entry.line, op.name);
      if (first === undefined) this.src.fail(entry.line, `${op.name} takes no arguments, got ${shown(scalar)}`);
      return new Map([[first.name, { scalar, line: entry.line }]]);
    }
    if (!isMap(v)) return this.src.fail(entry.line, `${op.name}: arguments must be one value or a mapping of parameter: value`);
    const names = op.params.map((p) => p.name);
    const given = new Map<string, GivenArg>();
    for (const e of this.src.entries(v, entry.line)) {
      if (!names.includes(e.key)) this.src.fail(e.keyLine, `${op.name} has no parameter ${quote(e.key)}${didYouMean(e.key, names)}; ${paramList(op)}`);
      given.set(e.key, { scalar: this.scalarOf(e, `${op.name}: ${e.key}`), line: e.line });
    }
    return given;
  }

  private arg(op: OpSignature, p: ParamDef, g: GivenArg, inLoop: boolean): ArgValue {
    const v = this.value(g.line, `${op.name}: ${p.name}`, () => parseArg(p.type, g.scalar, inLoop));
    if (v.kind === 'handle') this.checkBound(op, v, g.line);
    // A name in an integer expression must be an integer an earlier step bound (mmap's address).
    const expr = v.kind === 'int' ? v.expr : v.kind === 'handle' ? v.offset : null;
    for (const name of expr === null ? [] : exprNames(expr)) {
      if (!this.handles.mayBeBound(name)) {
        const what = v.kind === 'int' ? `${p.name} must be an integer expression, got ${quote(String(g.scalar.value))}` : `${p.name} offset must be an integer expression, got ${quote(formatExpr(expr!))}`;
        this.src.fail(g.line, `${op.name}: ${what} (${quote(name)} is not a number, and no earlier step binds it with as:)`);
      }
    }
    return v;
  }

  private checkBound(op: OpSignature, ref: HandleRef, line: number): void {
    if (!this.handles.mayBeBound(ref.name)) this.src.fail(line, `${op.name}: handle \`${ref.name}\` is not bound by an earlier step (bind one with as: ${ref.name})`);
  }


  private expect(op: OpSignature, entry: Entry | undefined, inLoop: boolean): ResultLiteral | null {
    if (entry === undefined) return null;
    if (op.result === 'void') this.src.fail(entry.keyLine, `${op.name} returns nothing, so its step cannot have expect`);
    const scalar = this.scalarOf(entry, `${op.name}: expect`);
    const r = this.value(entry.line, `${op.name}: expect`, () => parseResultLiteral(op.result, scalar, inLoop));
    if (r.kind === 'handle') this.checkBound(op, r.ref, entry.line);
    return r;
  }

  private as(op: OpSignature, entry: Entry | undefined, inLoop: boolean): string | null {
    if (entry === undefined) return null;
    if (op.result !== 'page' && op.result !== 'handle' && op.result !== 'int') {
      this.src.fail(entry.keyLine, `${op.name}: as binds a page, a handle or an integer, but ${op.name} returns ${op.result === 'void' ? 'nothing' : `a ${op.result}`}`);
    }
    const scalar = this.scalarOf(entry, `${op.name}: as`);
    return this.value(entry.line, `${op.name}: as`, () => parseHandleName(scalar, inLoop));
  }

  private cpu(op: OpSignature, entry: Entry | undefined): number | null {
    if (this.fixedCpu !== null) {
      if (entry !== undefined) this.src.fail(entry.keyLine, `${op.name}: a step of a cpus: list runs on that list's CPU (${this.fixedCpu}); cpu: cannot move it`);
      return this.fixedCpu;
    }
    if (entry === undefined) return null;
    const s = this.scalarOf(entry, `${op.name}: cpu`);
    const cpu = s.value;
    if (typeof cpu !== 'number' || !Number.isInteger(cpu) || cpu < 0 || cpu >= this.cpus) {
      this.src.fail(entry.line, `${op.name}: cpu must be a CPU number from 0 to ${this.cpus - 1} (the machine has ${this.cpus}), got ${shown(s)}`);
    }
    return cpu;
  }

  private show(op: OpSignature, entry: Entry | undefined): boolean {
    if (entry === undefined) return false;
    const s = this.scalarOf(entry, `${op.name}: show`);
    const show = s.value;
    if (typeof show !== 'boolean') this.src.fail(entry.line, `${op.name}: show must be true or false, got ${shown(s)}`);
    return show;
  }

  /** `- repeat: {times: N, steps: [...]}`. */
  private repeatStep(entry: Entry, line: number, depth: number): RepeatStep {
    if (depth >= MAX_REPEAT_DEPTH) this.src.fail(entry.keyLine, `repeat is nested more than ${MAX_REPEAT_DEPTH} deep`);
    if (!isMap(entry.value)) this.src.fail(entry.line, 'repeat takes a mapping: repeat: {times: N, steps: [...]}');
    const fields = new Map<string, Entry>();
    for (const f of this.src.entries(entry.value, entry.line)) {
      if (!REPEAT_KEYS.includes(f.key)) this.src.fail(f.keyLine, `repeat has no key ${quote(f.key)}${didYouMean(f.key, REPEAT_KEYS)}; it takes times and steps`);
      fields.set(f.key, f);
    }
    const times = fields.get('times') ?? this.src.fail(entry.keyLine, 'repeat needs times: the number of iterations');
    const steps = fields.get('steps') ?? this.src.fail(entry.keyLine, 'repeat needs steps: the list of steps to repeat');
    return { kind: 'repeat', times: this.times(times, depth > 0), steps: this.stepList(steps.value, steps.line, depth + 1, 'repeat: steps'), line };
  }

  /** The iteration count: an integer expression (`$i` of an enclosing repeat allowed), checked now when constant. */
  private times(entry: Entry, inLoop: boolean): Expr {
    const scalar = this.scalarOf(entry, 'repeat: times');
    const e = this.value(entry.line, 'repeat: times', () => parseIntValue(scalar, inLoop));
    const v = constantValue(e);
    if (v !== null && (v < 0 || v > LIMITS.repeatMax)) this.src.fail(entry.line, `repeat: times must be from 0 to ${LIMITS.repeatMax}, got ${v}`);
    return e;
  }
}

/** "its parameters are gfp, order" or "it takes no parameters", for messages. */
function paramList(op: OpSignature): string {
  return op.params.length === 0 ? 'it takes no parameters' : `its parameters are ${op.params.map((p) => p.name).join(', ')}`;
}

/**
 * A parameter's default as an argument. The registry is code, not input:
 * a default that does not parse as its type is a bug, reported as such.
 */
function defaultArg(op: OpSignature, p: ParamDef): ArgValue {
  const d = p.default!;
  try {
    const v = parseArg(p.type, { value: d, source: String(d) }, false);
    // A numeric gfp default prints the way the kernel prints masks (GFP_KERNEL, not 3264).
    return v.kind === 'gfp' && typeof d === 'number' ? { ...v, text: formatGfp(v.mask) } : v;
  } catch (err) {
    if (err instanceof ValueError) throw new Error(`operation registry: default of ${op.name}.${p.name} is not a ${p.type}: ${err.message}`);
    throw err;
  }
}
