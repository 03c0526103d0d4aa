/**
 * The printk formats pagesim's reports use (lib/vsprintf.c):
 * %pGp (page flags with their node/zone/last_cpupid fields), %p (hashed
 * pointers), and print_hex_dump rows.
 */

import { LAST_CPUPID_MASK, LAST_CPUPID_PGOFF, LAST_CPUPID_WIDTH, NODES_PGOFF, NODES_WIDTH, ZONES_PGOFF, ZONES_WIDTH, KASAN_TAG_WIDTH, SECTIONS_WIDTH } from './config.js';
import { PAGEFLAGS_MASK, PAGEFLAG_NAMES } from './page-flags.js';
import { hex16, hexWords } from '../util/hex.js';

export { hex16, hexWords };

/**
 * %pGp: `0x<flags>(<names>|node=<n>|zone=<z>|lastcpupid=<c>)`. Names in the
 * order of the mmflags.h table; fields only when their width is non-zero
 * (x86_64 with SPARSEMEM_VMEMMAP has no section field, no KASAN tag).
 */
export function formatPageFlags(lo: number, hi: number): string {
  const parts: string[] = [];
  const main = lo & PAGEFLAGS_MASK;
  let rest = main;
  for (const [bit, name] of PAGEFLAG_NAMES) {
    const m = 1 << bit;
    if ((rest & m) !== 0) {
      parts.push(name);
      rest &= ~m;
    }
  }
  if (rest !== 0) parts.push(`0x${(rest >>> 0).toString(16)}`);
  const v = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
  const field = (pgoff: number, width: number): number => Number((v >> BigInt(pgoff)) & ((1n << BigInt(width)) - 1n));
  if (SECTIONS_WIDTH > 0) parts.push(`section=0x${field(64 - SECTIONS_WIDTH, SECTIONS_WIDTH).toString(16)}`);
  parts.push(`node=${field(NODES_PGOFF, NODES_WIDTH)}`);
  parts.push(`zone=${field(ZONES_PGOFF, ZONES_WIDTH)}`);
  // lastcpupid uses the %#x spec: number() writes the 0x prefix in base 16 even for zero.
  const cpupid = field(LAST_CPUPID_PGOFF, LAST_CPUPID_WIDTH) & LAST_CPUPID_MASK;
  parts.push(`lastcpupid=0x${cpupid.toString(16)}`);
  if (KASAN_TAG_WIDTH > 0) parts.push('kasantag=0x0');
  return `0x${v.toString(16)}(${parts.join('|')})`;
}

/**
 * %p: the kernel prints pointers hashed with a boot-time siphash key, as
 * 32 bits zero-extended to 16 digits; NULL prints as zeros. pagesim uses a
 * fixed key so output is reproducible.
 */
export function hashPointer(v: bigint): string {
  if (v === 0n) return '0000000000000000';
  let h = 0x9e3779b9;
  let x = BigInt.asUintN(64, v);
  for (let i = 0; i < 8; i++) {
    h ^= Number(x & 0xffn);
    h = Math.imul(h, 0x01000193) >>> 0;
    h ^= h >>> 13;
    x >>= 8n;
  }
  return (h >>> 0).toString(16).padStart(16, '0');
}

/** print_hex_dump(prefix, DUMP_PREFIX_NONE, 32, 8, words): one row per 32 bytes. */
export function hexDumpRows(prefix: string, words: Uint32Array | number[], start: number, bytes: number): string[] {
  const rows: string[] = [];
  for (let off = 0; off < bytes; off += 32) {
    const groups: string[] = [];
    for (let g = 0; g < 32 && off + g < bytes; g += 8) {
      const w = start + ((off + g) >> 2);
      groups.push(hexWords(words[w]!, words[w + 1]!));
    }
    rows.push(`${prefix}${groups.join(' ')}`);
  }
  return rows;
}
