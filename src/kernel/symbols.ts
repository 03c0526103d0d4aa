/**
 * Kernel text symbols: every simulated kernel function has an address in
 * the kernel text (from 0xffffffff81000000, 16-byte aligned as gcc aligns
 * functions on x86_64) so that a function pointer stored in struct page (an
 * RCU callback, say) holds what the kernel would store, and call traces
 * print `name+0xoff/0xsize`.
 *
 * Each kernel module declares its functions with the kernel file they live
 * in and whether the kernel inlines them (header functions and
 * __always_inline ones): an inlined function never appears as the RIP of a
 * report, its caller does, as in a real oops.
 *
 * Sizes are not the kernel's (they depend on the compiler); they are
 * derived deterministically from the name so traces are stable.
 */

import { KERNEL_TEXT_START } from './config.js';

export interface KernelSymbol {
  readonly name: string;
  readonly file: string;
  readonly inline: boolean;
  readonly addr: bigint;
  readonly size: number;
}

export interface SymbolDecl {
  readonly file: string;
  readonly names: readonly string[];
  readonly inline: boolean;
}

const baseDecls: SymbolDecl[] = [];

/** Declares kernel functions at module load; order of declaration fixes their addresses. */
export function declareSymbols(file: string, names: readonly string[], inline = false): void {
  baseDecls.push({ file, names, inline });
}

function pseudoSize(name: string): number {
  // FNV-1a of the name -> a size between 0x40 and 0x7f0, 16-byte multiple.
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return 0x40 + ((h % 0x7b) << 4);
}

export class SymbolTable {
  private readonly byName = new Map<string, KernelSymbol>();
  private readonly sorted: KernelSymbol[] = [];
  private next = KERNEL_TEXT_START;

  /** Builds the table from the base kernel's declarations plus any a variant adds. */
  constructor(extra: readonly SymbolDecl[] = []) {
    for (const d of [...baseDecls, ...extra]) this.add(d);
  }

  private add(d: SymbolDecl): void {
    for (const name of d.names) {
      if (this.byName.has(name)) continue;
      const size = pseudoSize(name);
      const sym: KernelSymbol = { name, file: d.file, inline: d.inline, addr: this.next, size };
      this.next += BigInt(size);
      this.byName.set(name, sym);
      this.sorted.push(sym);
    }
  }

  get(name: string): KernelSymbol | undefined {
    return this.byName.get(name);
  }

  /** The address of a function; throws for an undeclared name (a pagesim bug, not user input). */
  addr(name: string): bigint {
    const s = this.byName.get(name);
    if (s === undefined) throw new Error(`no kernel symbol ${name}`);
    return s.addr;
  }

  /** The symbol containing `addr`, for printing a pointer as %pS. */
  lookup(addr: bigint): { sym: KernelSymbol; offset: number } | undefined {
    let lo = 0;
    let hi = this.sorted.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.sorted[mid]!;
      if (addr < s.addr) hi = mid - 1;
      else if (addr >= s.addr + BigInt(s.size)) lo = mid + 1;
      else return { sym: s, offset: Number(addr - s.addr) };
    }
    return undefined;
  }

  /** `name+0xoff/0xsize` as %pS prints it. */
  format(addr: bigint): string {
    const l = this.lookup(addr);
    if (l === undefined) return `0x${addr.toString(16)}`;
    return `${l.sym.name}+0x${l.offset.toString(16)}/0x${l.sym.size.toString(16)}`;
  }
}
