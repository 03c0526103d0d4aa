/**
 * C integer conversion of scenario arguments: a value written for a
 * parameter becomes what the kernel function receives when C converts it to
 * the parameter's type (x86_64: two's complement, long is 64 bits). An
 * `unsigned int order` of -2 arrives as 4294967294; an `int` of 2^32 + 5
 * arrives as 5 (gcc reduces modulo 2^N). The kernel's own checks then
 * decide what happens, as they would for a caller that passed it.
 *
 * Scenario expressions are exact integers in [-(2^53-1), 2^53-1]; every C
 * integer type of 32 bits or fewer, and long, hold the converted value
 * exactly as a JavaScript number. An unsigned 64-bit type given a negative
 * value holds 2^64 - n, which a double cannot always hold: the number the
 * operation gets is the nearest double (still above every user address),
 * and `argBits()` gives the exact 64 bits to the operations that store or
 * align them.
 */

import type { ScalarType } from '../layout/ctype.js';

/** The exact bits of 64-bit arguments whose C value is not a safe integer, per argument object. */
const exactBits = new WeakMap<object, Map<string, bigint>>();

/** Whether v (a safe integer) is a value of type t, so conversion leaves it alone. */
export function fitsCType(v: number, t: ScalarType): boolean {
  const bits = t.size * 8;
  if (bits >= 53) return t.signed || v >= 0;
  return t.signed ? v >= -(2 ** (bits - 1)) && v < 2 ** (bits - 1) : v >= 0 && v < 2 ** bits;
}

/** The value of v (a safe integer) converted to C type t, as a number (see the file comment for 64 bits). */
export function toCType(v: number, t: ScalarType): number {
  if (fitsCType(v, t)) return v;
  const bits = t.size * 8;
  if (bits === 32) return t.signed ? v | 0 : v >>> 0;
  if (bits < 32) {
    const shift = 32 - bits;
    return t.signed ? (v << shift) >> shift : (v << shift) >>> shift;
  }
  // Only a negative value for an unsigned 64-bit type is left.
  return Number(BigInt.asUintN(64, BigInt(v)));
}

/**
 * Converts argument `name` of `args` to C type t in place, remembering the
 * exact bits when the converted value is beyond the safe integers.
 */
export function convertArg(args: Record<string, unknown>, name: string, v: number, t: ScalarType): void {
  const c = toCType(v, t);
  args[name] = c;
  if (!Number.isSafeInteger(c)) {
    let m = exactBits.get(args);
    if (m === undefined) exactBits.set(args, (m = new Map()));
    m.set(name, BigInt.asUintN(64, BigInt(v)));
  }
}

/** The exact 64 bits of an integer argument as the kernel function receives it. */
export function argBits(args: object, name: string): bigint {
  const exact = exactBits.get(args)?.get(name);
  if (exact !== undefined) return exact;
  const v = (args as Record<string, unknown>)[name];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new Error(`argBits: ${name} is not an integer argument`);
  return BigInt.asUintN(64, BigInt(v));
}
