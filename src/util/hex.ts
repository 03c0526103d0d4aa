/** Hex as the kernel prints 64-bit values (%016lx); a leaf module, so that any layer may use it. */

export function hex16(v: bigint): string {
  return BigInt.asUintN(64, v).toString(16).padStart(16, '0');
}

/** Two 32-bit words as the 16-digit hex of a u64. */
export function hexWords(lo: number, hi: number): string {
  return (hi >>> 0).toString(16).padStart(8, '0') + (lo >>> 0).toString(16).padStart(8, '0');
}
