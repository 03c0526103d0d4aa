/**
 * The variant registry and stack resolution (`a+b`: a, then b on top).
 */

import type { Variant } from './variant.js';
import { didYouMean } from '../scenario/suggest.js';
import { freeKeepsType } from './free-keeps-type.js';
import { refcountFrozenWarn } from './refcount-frozen-warn.js';
import { refcountFrozenBit, refcountFrozenBitNaive } from './refcount-frozen-bit.js';
import { ptdescFrozen, ptdescMemdesc, ptdescMemdescRfc } from './ptdesc.js';
import { netppSharedMapcount, netppSkipCheck, netppV4 } from './netpp.js';
import { insertOrder0Only, notrmappable } from './compound.js';
import { linux612 } from './linux-6.12.js';

export const baseline: Variant = {
  name: 'baseline',
  description: 'mainline (linux-mm 7.3.0-rc5): the free path resets any page type (seed 001 applied); refcount 0 means frozen',
  seed: 'none: mainline',
};

const registry: Variant[] = [
  baseline,
  freeKeepsType,
  refcountFrozenWarn,
  refcountFrozenBit,
  refcountFrozenBitNaive,
  ptdescFrozen,
  ptdescMemdescRfc,
  ptdescMemdesc,
  netppV4,
  netppSkipCheck,
  netppSharedMapcount,
  notrmappable,
  insertOrder0Only,
  linux612,
];

/** Every variant: the shipped ones, then those loaded with --variant-file (registerVariant()). */
export const VARIANTS: readonly Variant[] = registry;

const byName = new Map(VARIANTS.map((v) => [v.name, v]));

/** Adds a variant loaded from outside the repository (src/variants/load-file.ts); its name must be new. */
export function registerVariant(v: Variant): void {
  if (byName.has(v.name)) throw new Error(`variant "${v.name}" is already defined`);
  registry.push(v);
  byName.set(v.name, v);
}

export function findVariant(name: string): Variant | undefined {
  return byName.get(name);
}

/** The patch series a stack name stands for, bases first, each variant once. */
export function resolveStack(stack: string): Variant[] {
  const out: Variant[] = [];
  const add = (name: string, seen: readonly string[]): void => {
    const v = byName.get(name);
    if (v === undefined) throw new Error(`unknown variant "${name}"`);
    if (seen.includes(name)) throw new Error(`variant "${name}" is its own base`);
    if (v.base !== undefined) add(v.base, [...seen, name]);
    if (v.name !== 'baseline' && !out.includes(v)) out.push(v);
  };
  for (const part of stack.split('+')) add(part.trim(), []);
  return out;
}

/** Why a stack name is not valid, or null. A stack names each variant once, after its bases. */
export function variantProblem(stack: string): string | null {
  const parts = stack.split('+').map((p) => p.trim());
  for (const p of parts) {
    if (p === '') return `empty variant name in "${stack}"`;
    if (!byName.has(p)) return `unknown variant "${p}"${parts.length > 1 ? ` in "${stack}"` : ''}${didYouMean(p, byName.keys())}; known: ${VARIANTS.map((v) => v.name).join(', ')}`;
  }
  let resolved: string;
  try {
    resolved = resolveStack(stack).map((v) => v.name).join('+') || 'baseline';
  } catch (e) {
    return (e as Error).message;
  }
  const applied = new Set<string>();
  for (const p of parts) {
    if (applied.has(p)) {
      const why = parts.filter((x) => x === p).length > 1 ? 'is listed twice' : 'is already applied as the base of a variant before it';
      return `variant "${p}" ${why} in "${stack}" (the stack resolves to ${resolved}; name each variant once, bases first or left out)`;
    }
    applied.add(p);
    for (const v of resolveStack(p)) applied.add(v.name);
  }
  return null;
}
