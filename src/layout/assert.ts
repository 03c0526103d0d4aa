/**
 * Layout assertions in the style of the kernel's FOLIO_MATCH / TABLE_MATCH /
 * SLAB_MATCH: `static_assert(offsetof(struct a, x) == offsetof(struct b, y) + k)`.
 * They sit beside the declarations they protect and are checked when a
 * variant's layouts are built; a failure is what the compiler would have
 * refused, so the variant does not load.
 */

import { hasField, offsetOf, type StructLayout } from './layout.js';

export interface LayoutAssertion {
  /** The macro name as in the kernel source: FOLIO_MATCH, TABLE_MATCH, ... */
  readonly macro: string;
  /** The header that holds it, for the error message. */
  readonly file: string;
  readonly left: { struct: string; field: string };
  readonly right: { struct: string; field: string; plus?: number };
}

export function MATCH(
  macro: string,
  file: string,
  leftStruct: string,
  leftField: string,
  rightStruct: string,
  rightField: string,
  plus = 0,
): LayoutAssertion {
  return { macro, file, left: { struct: leftStruct, field: leftField }, right: { struct: rightStruct, field: rightField, plus } };
}

export interface AssertionFailure {
  readonly assertion: LayoutAssertion;
  /** gcc-style message: `error: static assertion failed: "offsetof(...) == ..."`. */
  readonly message: string;
}

/** Checks every assertion against the layouts; returns the failures (empty when all hold). */
export function checkAssertions(assertions: readonly LayoutAssertion[], layouts: ReadonlyMap<string, StructLayout>): AssertionFailure[] {
  const failures: AssertionFailure[] = [];
  for (const a of assertions) {
    const l = layouts.get(a.left.struct);
    const r = layouts.get(a.right.struct);
    const expr = describe(a);
    if (l === undefined || r === undefined || !hasField(l, a.left.field) || !hasField(r, a.right.field)) {
      failures.push({ assertion: a, message: `${a.file}: error: ${a.macro}(${a.left.field}, ${a.right.field}): no such member in ${expr}` });
      continue;
    }
    const lo = offsetOf(l, a.left.field);
    const ro = offsetOf(r, a.right.field) + (a.right.plus ?? 0);
    if (lo !== ro) {
      failures.push({ assertion: a, message: `${a.file}: error: static assertion failed: "${expr}" (${lo} != ${ro})` });
    }
  }
  return failures;
}

function describe(a: LayoutAssertion): string {
  const plus = a.right.plus ? ` + ${a.right.plus}` : '';
  return `offsetof(struct ${a.left.struct}, ${a.left.field}) == offsetof(struct ${a.right.struct}, ${a.right.field})${plus}`;
}
