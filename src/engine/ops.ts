/**
 * The operation registry: every scenario step is a kernel function called
 * by name. Each kernel area registers its operations here (name, parameters
 * with the kernel's parameter names, result type, and how to call the
 * simulated kernel), so the parser, the runner, `pagesim ops` and the docs
 * all read one table.
 */

import type { Kernel } from '../kernel/kernel.js';
import type { OpLookup, OpSignature, ParamDef, ResultType } from '../scenario/types.js';
import type { ScalarType } from '../layout/ctype.js';

/** The C integer types of operation parameters. */
export * as C from './ctypes.js';

/** A value a handle holds: a page (pfn), or another kernel object by id. */
export type HandleValue = { readonly kind: 'page'; readonly pfn: number } | { readonly kind: 'object'; readonly type: string; readonly id: number; readonly label: string };

/** Arguments as the runner resolved them: pages are pfns, gfp and ints are numbers. */
export type OpArgs = Readonly<Record<string, number | boolean | string | HandleValue | null>>;

/** What an operation returns before formatting: a pfn for pages (-1 = NULL), a number, ... */
export type OpReturn = number | boolean | string | HandleValue | null | undefined | void;

export interface OpDef extends OpSignature {
  readonly doc: string;
  /** The kernel area, for grouping in docs. */
  readonly group: string;
  /** A kernel method that must exist for the operation to be available (variant-added API). */
  readonly requires?: string;
  run(k: Kernel, a: OpArgs): OpReturn;
}

const registry = new Map<string, OpDef>();

export function defineOp(def: OpDef): void {
  if (registry.has(def.name)) throw new Error(`operation ${def.name} defined twice`);
  registry.set(def.name, def);
}

export function getOp(name: string): OpDef | undefined {
  return registry.get(name);
}

export function allOps(): OpDef[] {
  return [...registry.values()];
}

export const opLookup: OpLookup = {
  get: (name) => registry.get(name),
  names: () => registry.keys(),
};

/**
 * Shorthands for parameter definitions. An integer parameter names the C
 * type the kernel declares it with (`P.int('order', C.unsigned_int, 0)`);
 * the runner converts every value to it as C would (src/scenario/cint.ts).
 */
export const P = {
  page: (name = 'page', doc?: string): ParamDef => ({ name, type: 'page', ...(doc ? { doc } : {}) }),
  int: (name: string, ctype: ScalarType, dflt?: number, doc?: string): ParamDef => ({ name, type: 'int', ctype, ...(dflt !== undefined ? { default: dflt } : {}), ...(doc ? { doc } : {}) }),
  gfp: (name = 'gfp', dflt?: number): ParamDef => ({ name, type: 'gfp', ...(dflt !== undefined ? { default: dflt } : {}) }),
  bool: (name: string, dflt?: boolean): ParamDef => ({ name, type: 'bool', ...(dflt !== undefined ? { default: dflt } : {}) }),
  string: (name: string, dflt?: string): ParamDef => ({ name, type: 'string', ...(dflt !== undefined ? { default: dflt } : {}) }),
  handle: (name: string): ParamDef => ({ name, type: 'handle' }),
};

/** Defines an operation that calls the kernel method of the same name with the parameters in order. */
export function defineMethodOp(group: string, name: string, params: readonly ParamDef[], result: ResultType, doc: string, requires?: string): void {
  defineOp({
    name,
    params,
    result,
    doc,
    group,
    ...(requires !== undefined ? { requires } : {}),
    run: methodCaller(name, params.map((p) => p.name)),
  });
}

type Method = (...args: unknown[]) => OpReturn;

/** Calls kernel method `name` with the arguments in parameter order, without building an argument list for the common arities. */
function methodCaller(name: string, names: readonly string[]): (k: Kernel, a: OpArgs) => OpReturn {
  const method = (k: Kernel): Method => (k as unknown as Record<string, Method>)[name]!;
  const [n0, n1, n2] = names as [string, string, string];
  switch (names.length) {
    case 0:
      return (k) => method(k).call(k);
    case 1:
      return (k, a) => method(k).call(k, a[n0]);
    case 2:
      return (k, a) => method(k).call(k, a[n0], a[n1]);
    case 3:
      return (k, a) => method(k).call(k, a[n0], a[n1], a[n2]);
    default:
      return (k, a) => method(k).apply(k, names.map((n) => a[n]));
  }
}

/** Whether a kernel instance provides an operation (variant-added API is absent from other variants). */
export function opAvailable(k: Kernel, def: OpDef): boolean {
  if (def.requires === undefined) return true;
  return typeof (k as unknown as Record<string, unknown>)[def.requires] === 'function';
}
