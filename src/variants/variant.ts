/**
 * A design variant: a patch series applied to the simulated kernel.
 *
 * A variant says what it changes relative to the kernel below it, the way
 * its patches do: struct declarations it edits (the layout is recomputed
 * from them), layout assertions it adds or drops, kernel functions it
 * overrides (a mixin class whose methods replace the base's; `super` is
 * the unpatched function), kernel symbols it adds, and scenario operations
 * it adds (new API names). Variants stack like a series: `a+b` applies b on
 * top of a; a variant's `base` is applied first automatically.
 */

import type { AggregateType } from '../layout/ctype.js';
import type { LayoutAssertion } from '../layout/assert.js';
import type { Kernel } from '../kernel/kernel.js';
import type { SymbolDecl } from '../kernel/symbols.js';

/** Struct declarations by struct name (`page`, `ptdesc`, ...); `folio` is derived from `page`, then edited by `folio`. */
export type StructDecls = ReadonlyMap<string, AggregateType>;

// eslint-style note: mixins need a constructor type that accepts any arguments.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KernelCtor = abstract new (...args: any[]) => Kernel;

export interface Variant {
  readonly name: string;
  /** One line for `pagesim variants`. */
  readonly description: string;
  /** The seed thread and patches this variant follows. */
  readonly seed: string;
  /** A variant this one is defined on top of; applied first when this one is named alone. */
  readonly base?: string;
  /** Struct declaration edits. */
  readonly structs?: (decls: StructDecls) => StructDecls;
  /** struct folio edits, on the folio derived from the (edited) struct page. */
  readonly folio?: (folio: AggregateType) => AggregateType;
  /** Layout assertion edits. */
  readonly assertions?: (list: readonly LayoutAssertion[]) => readonly LayoutAssertion[];
  /** Overrides of kernel functions. */
  readonly kernel?: (Base: KernelCtor) => KernelCtor;
  /** Kernel functions the variant adds, for call traces and function pointers. */
  readonly symbols?: readonly SymbolDecl[];
}
