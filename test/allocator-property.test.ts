/**
 * Property-based tests of the allocator (fast-check): random sequences of
 * allocations and frees keep the whole-machine checker clean, and once
 * everything is freed and the per-CPU lists drained, the free lists are
 * exactly as they were after boot.
 *
 * Commands print as kernel calls, so a shrunk counterexample reads like a
 * scenario: `alloc_pages(GFP_KERNEL|__GFP_COMP, 3)`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { restoredMachine, buddyinfo } from './helpers/machine.js';
import { checkMachine } from '../src/check/checker.js';
import type { Kernel } from '../src/kernel/kernel.js';
import { GFP_ATOMIC, GFP_HIGHUSER_MOVABLE, GFP_KERNEL, GFP_NOWAIT, __GFP_COMP, __GFP_NOWARN, __GFP_RECLAIMABLE, formatGfp } from '../src/kernel/gfp.js';

interface Held {
  page: number;
  order: number;
  kind: 'plain' | 'compound' | 'split' | 'frozen';
}

type Model = { held: Held[] };

const GFPS = [GFP_KERNEL, GFP_HIGHUSER_MOVABLE, GFP_KERNEL | __GFP_RECLAIMABLE, GFP_ATOMIC, GFP_NOWAIT];

class Alloc implements fc.Command<Model, Kernel> {
  constructor(
    readonly gfp: number,
    readonly order: number,
    readonly kind: Held['kind'],
  ) {}
  check(): boolean {
    return true;
  }
  run(m: Model, k: Kernel): void {
    const gfp = (this.kind === 'compound' ? this.gfp | __GFP_COMP : this.gfp) | __GFP_NOWARN;
    const page = this.kind === 'frozen' ? k.alloc_frozen_pages(gfp, this.order) : k.alloc_pages(gfp, this.order);
    if (page < 0) return; // an allocation may fail when memory runs out; that is allowed
    if (this.kind === 'split') {
      k.split_page(page, this.order);
      for (let i = 0; i < 1 << this.order; i++) m.held.push({ page: page + i, order: 0, kind: 'plain' });
    } else m.held.push({ page, order: this.order, kind: this.kind });
  }
  toString(): string {
    const fn = this.kind === 'frozen' ? 'alloc_frozen_pages' : 'alloc_pages';
    return `${fn}(${formatGfp((this.kind === 'compound' ? this.gfp | __GFP_COMP : this.gfp) | __GFP_NOWARN)}, ${this.order})${this.kind === 'split' ? ' + split_page' : ''}`;
  }
}

class Free implements fc.Command<Model, Kernel> {
  constructor(readonly pick: number) {}
  check(m: Readonly<Model>): boolean {
    return m.held.length > 0;
  }
  run(m: Model, k: Kernel): void {
    const [h] = m.held.splice(this.pick % m.held.length, 1);
    freeHeld(k, h!);
  }
  toString(): string {
    return `free(#${this.pick})`;
  }
}

class Drain implements fc.Command<Model, Kernel> {
  check(): boolean {
    return true;
  }
  run(_m: Model, k: Kernel): void {
    k.drain_all_pages(null);
  }
  toString(): string {
    return 'drain_all_pages()';
  }
}

class Check implements fc.Command<Model, Kernel> {
  check(): boolean {
    return true;
  }
  run(_m: Model, k: Kernel): void {
    const r = checkMachine(k);
    assert.deepEqual(r.violations, []);
    assert.equal(k.reports.length, 0, k.reports.map((x) => x.text).join('\n'));
  }
  toString(): string {
    return 'check()';
  }
}

function freeHeld(k: Kernel, h: Held): void {
  if (h.kind === 'frozen') k.free_frozen_pages(h.page, h.order);
  else if (h.kind === 'compound') k.folio_put(h.page);
  else k.__free_pages(h.page, h.order);
}

const commands = [
  fc.tuple(fc.constantFrom(...GFPS), fc.integer({ min: 0, max: 10 }), fc.constantFrom<Held['kind']>('plain', 'compound', 'split', 'frozen')).map(([g, o, kind]) => new Alloc(g, kind === 'compound' && o === 0 ? 1 : o, kind) as fc.Command<Model, Kernel>),
  fc.tuple(fc.constantFrom(...GFPS), fc.integer({ min: 0, max: 3 })).map(([g, o]) => new Alloc(g, o, 'plain') as fc.Command<Model, Kernel>),
  fc.nat().map((n) => new Free(n) as fc.Command<Model, Kernel>),
  fc.nat().map((n) => new Free(n) as fc.Command<Model, Kernel>),
  fc.constant(new Drain() as fc.Command<Model, Kernel>),
  fc.constant(new Check() as fc.Command<Model, Kernel>),
];

for (const variant of ['baseline', 'refcount-frozen-bit']) {
  test(`random allocation sequences keep the machine consistent and free back to the boot state [${variant}]`, () => {
    fc.assert(
      fc.property(fc.commands(commands, { maxCommands: 120 }), (cmds) => {
        const k = restoredMachine(variant, 128 * 2 ** 20, 2);
        const boot = buddyinfo(k);
        const model: Model = { held: [] };
        fc.modelRun(() => ({ model, real: k }), cmds);
        for (const h of model.held.splice(0)) freeHeld(k, h);
        k.drain_all_pages(null);
        assert.deepEqual(checkMachine(k).violations, []);
        assert.equal(k.reports.length, 0, k.reports.map((x) => x.text).join('\n'));
        assert.deepEqual(buddyinfo(k), boot);
      }),
      { seed: 0x5eed, numRuns: 60 },
    );
  });
}
