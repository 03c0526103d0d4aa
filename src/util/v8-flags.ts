/**
 * V8 settings the simulated kernel needs to stay fast when several variant
 * stacks run in one process.
 *
 * Every variant stack is its own class chain (src/engine/build.ts), so a
 * kernel function written in a base class sees one receiver shape (V8 map)
 * per stack at each `this.x` load and `this.f()` call. V8 keeps an inline
 * cache polymorphic for up to four shapes by default; a fifth makes it
 * megamorphic for good: every property access goes through a global hash
 * table and nothing is inlined, which made the baseline's pcp pair 7 to 12
 * times slower once `pagesim` had run its variants (docs/performance.md).
 * Raising the limit keeps those caches polymorphic: the optimising compiler
 * still inlines, and a check against a few more shapes costs little.
 *
 * Imported for its effect by the bottom layer of the kernel
 * (src/kernel/machine.ts), so it runs before any kernel code has filled an
 * inline cache, in every process that simulates a kernel.
 */

import { setFlagsFromString } from 'node:v8';

/**
 * Variant stacks a process may run before the kernel's inline caches go
 * megamorphic (one shape per stack, plus a few for objects whose shape a
 * variant changes). `pagesim` runs 14 stacks; fuzzing that switches designs
 * may run more. `pagesim bench` measures the baseline after every shipped
 * variant has run (multi-variant-pcp) and marks a slowdown.
 */
export const POLYMORPHIC_SHAPES = 64;

setFlagsFromString(`--max-valid-polymorphic-map-count=${POLYMORPHIC_SHAPES}`);
