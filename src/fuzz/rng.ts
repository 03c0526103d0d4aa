/**
 * The fuzzer's random numbers: a small counter-based generator, so that a
 * program is a pure function of (seed, index) whatever ran before it.
 */

/** 32-bit mix of two integers (splitmix-style finaliser). */
export function mix(a: number, b: number): number {
  let x = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35)) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x ^= x >>> 16;
  return x >>> 0;
}

/** xorshift32 seeded from (seed, index, stream). */
export class Rng {
  private s: number;
  constructor(seed: number, index: number, stream = 0) {
    this.s = mix(mix(seed >>> 0, index >>> 0), stream) || 0x6d2b79f5;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return n <= 1 ? 0 : this.next() % n;
  }
  chance(p: number): boolean {
    return this.next() / 4294967296 < p;
  }
}

/**
 * A generator that always takes the first (low) or always the last (high)
 * choice: two probes of a spec's argument function tell which arguments
 * are chosen at random (they differ) and which follow from the objects.
 */
export class ProbeRng extends Rng {
  constructor(private readonly high: boolean) {
    super(0, 0);
  }
  override next(): number {
    return this.high ? 0xffffffff : 0;
  }
  override int(n: number): number {
    return this.high && n > 1 ? n - 1 : 0;
  }
  override chance(): boolean {
    return !this.high;
  }
}
