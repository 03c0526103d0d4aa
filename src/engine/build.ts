/**
 * Building a machine for a variant stack: struct declarations edited by
 * each variant, layouts computed and their assertions checked, kernel
 * functions overridden by each variant's mixin, then a machine booted.
 * The per-stack work is done once and cached; booting is per run.
 */

import { PageOwner } from '../kernel/page_owner.js';
import { computeLayout, type StructLayout } from '../layout/layout.js';
import { checkAssertions, type AssertionFailure, type LayoutAssertion } from '../layout/assert.js';
import type { AggregateType } from '../layout/ctype.js';
import { folioMatches, makeStructFolio, struct_page, struct_ptdesc, tableMatches } from '../structs/page.js';
import { slabMatches, struct_slab } from '../structs/slab.js';
import { netmemMatches, struct_net_iov, struct_net_iov_area, struct_netmem_desc } from '../structs/netmem.js';
import { Kernel } from '../kernel/kernel.js';
import { SymbolTable, type SymbolDecl } from '../kernel/symbols.js';
import { planMachine, type MachineConfig } from '../kernel/mm_init.js';
import { resolveStack } from '../variants/index.js';
import type { KernelCtor, Variant } from '../variants/variant.js';

export interface BuiltVariant {
  /** The stack name as given (`a+b`). */
  readonly name: string;
  readonly variants: readonly Variant[];
  readonly structs: ReadonlyMap<string, StructLayout>;
  readonly assertions: readonly LayoutAssertion[];
  /** Non-empty when the layouts break an assertion: the variant does not build. */
  readonly assertionFailures: readonly AssertionFailure[];
  readonly kernelClass: typeof Kernel;
  readonly symbolDecls: readonly SymbolDecl[];
}

export function baseStructDecls(): Map<string, AggregateType> {
  return new Map([
    ['page', struct_page],
    ['ptdesc', struct_ptdesc],
    ['slab', struct_slab],
    ['netmem_desc', struct_netmem_desc],
    ['net_iov', struct_net_iov],
    ['net_iov_area', struct_net_iov_area],
  ]);
}

const cache = new Map<string, BuiltVariant>();

export function buildVariant(stack: string): BuiltVariant {
  const hit = cache.get(stack);
  if (hit !== undefined) return hit;
  const variants = resolveStack(stack);
  let decls: ReadonlyMap<string, AggregateType> = baseStructDecls();
  let assertions: readonly LayoutAssertion[] = [...folioMatches, ...tableMatches, ...slabMatches, ...netmemMatches];
  let cls: KernelCtor = Kernel;
  const symbolDecls: SymbolDecl[] = [];
  for (const v of variants) {
    if (v.structs) decls = v.structs(decls);
    if (v.assertions) assertions = v.assertions(assertions);
    if (v.kernel) cls = v.kernel(cls);
    if (v.symbols) symbolDecls.push(...v.symbols);
  }
  const structs = new Map<string, StructLayout>();
  for (const [name, decl] of decls) structs.set(name, computeLayout(name, decl));
  let folio = makeStructFolio(decls.get('page')!);
  for (const v of variants) if (v.folio) folio = v.folio(folio);
  structs.set('folio', computeLayout('folio', folio));
  const built: BuiltVariant = {
    name: stack,
    variants,
    structs,
    assertions,
    assertionFailures: checkAssertions(assertions, structs),
    kernelClass: cls as unknown as typeof Kernel,
    symbolDecls,
  };
  cache.set(stack, built);
  return built;
}

/** Run-time settings of a machine that do not shape it (sysfs knobs, RCU pacing). */
export interface MachineKnobs {
  readonly thp?: 'always' | 'madvise' | 'never';
  readonly rcu_grace_steps?: number;
  readonly panic_on_oops?: 0 | 1;
  readonly page_owner?: boolean;
}

/** Boots a machine of this variant. */
export function createMachine(built: BuiltVariant, config: MachineConfig & MachineKnobs): Kernel {
  const plan = planMachine({ memoryBytes: config.memoryBytes, cpus: config.cpus, nodes: config.nodes }, built.structs.get('page')!.size);
  const k = new built.kernelClass(plan, { structs: built.structs }, new SymbolTable(built.symbolDecls));
  k.boot();
  if (config.thp !== undefined) k.thpMode = config.thp;
  if (config.rcu_grace_steps !== undefined) k.rcuGraceSteps = config.rcu_grace_steps;
  if (config.panic_on_oops !== undefined) k.panicOnOops = config.panic_on_oops;
  if (config.page_owner === true) PageOwner.enable(k);
  return k;
}
