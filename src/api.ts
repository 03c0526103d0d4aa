/**
 * pagesim's public API: what a design variant written outside this
 * repository imports (`import { defineVariant } from 'pagesim'`), loaded
 * with `--variant-file FILE` (docs/variants.md). A variant is the same
 * `Variant` object the shipped ones are: struct edits, layout assertion
 * edits, kernel function overrides (a mixin class; `super` is the
 * unpatched function) and kernel symbols it adds.
 */

import type { Variant } from './variants/variant.js';

export type { Variant, KernelCtor, StructDecls } from './variants/variant.js';
export type { Kernel } from './kernel/kernel.js';
export type { Site, Report, ReportKind } from './report/report.js';
export type { SymbolDecl } from './kernel/symbols.js';
export type { AggregateType, CType, Member, ScalarType } from './layout/ctype.js';
export type { LayoutAssertion } from './layout/assert.js';

// Struct declarations: C types and the edits a patch makes to a struct.
export {
  u8, u16, u32, u64, s8, s16, s32, s64, int, short, unsigned_short, unsigned_int, long, unsigned_long,
  atomic_t, atomic_long_t, pgoff_t, size_t, ptr, field, struct, union, anonStruct, anonUnion, array,
  list_head, llist_node, rcu_head,
} from './layout/ctype.js';
export { insertAfter, insertBefore, replaceMember, removeMember, appendTo } from './layout/edit.js';
export { MATCH } from './layout/assert.js';
// Kernel constants a patch uses.
export { ERRNO, ENOMEM, EINVAL, EFAULT, EBUSY } from './kernel/errno.js';
export { PAGE_SIZE, PAGE_SHIFT } from './kernel/config.js';
// The shipped variants, to build on (`base:`) or to compare with.
export { VARIANTS, findVariant, resolveStack } from './variants/index.js';

/** A variant, checked for the fields every variant needs (a typed identity for JavaScript modules). */
export function defineVariant(v: Variant): Variant {
  for (const key of ['name', 'description', 'seed'] as const) {
    if (typeof v?.[key] !== 'string' || v[key] === '') throw new TypeError(`a variant needs a non-empty string "${key}"`);
  }
  return v;
}
