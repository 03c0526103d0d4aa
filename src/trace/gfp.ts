/**
 * GFP (get_free_pages) flag table: names to bits, parsing of the kernel's
 * `gfp_flags=` text and printing in the kernel's own style.
 *
 * Version the table follows: the bit enum of include/linux/gfp_types.h and
 * the print order of `__def_gfpflag_names` in include/trace/events/mmflags.h
 * of the linux-mm 7.3.0-rc5 tree. Bit values changed over time (the layout was
 * reshuffled in 4.4, 4.10, 4.13/4.15 and became an enum in 6.12), so:
 *
 *  - flag *names* from any kernel are translated to the bits of this table,
 *    i.e. by meaning (`GFP_ZERO` from a 4.4 trace becomes the 2026
 *    `__GFP_ZERO` bit);
 *  - *raw hex* (`gfp_flags=0x140cca`, printed by perf/trace-cmd when they
 *    could not resolve the print fmt, e.g. 6.12/6.13 before the Jan 2025
 *    TRACE_DEFINE_ENUM fix) is kept as-is: its bits are those of the kernel
 *    that wrote it, which match this table only for kernels >= 4.15 or so.
 *
 * This module has no dependency on the trace parser; other parts of pagesim
 * (scenario `gfp:` expressions) can use it on its own.
 */

/** Build-time options that move GFP bits (the enum has conditional members). */
export interface GfpConfig {
  /** CONFIG_KASAN_HW_TAGS (arm64 MTE): adds __GFP_SKIP_ZERO and __GFP_SKIP_KASAN after __GFP_ZEROTAGS. */
  readonly kasanHwTags: boolean;
  /** CONFIG_LOCKDEP: adds __GFP_NOLOCKDEP. */
  readonly lockdep: boolean;
}

/** The usual production config (x86_64 distro kernels, and the 6.18 VM our captures come from). */
export const DEFAULT_GFP_CONFIG: GfpConfig = { kasanHwTags: false, lockdep: false };

/** One entry of the print table: a mask and the name printed for it. */
export interface GfpName {
  readonly name: string;
  readonly mask: number;
}

/** A GFP table for one configuration. */
export interface GfpTable {
  readonly config: GfpConfig;
  /** Every known name (single flags, composites, legacy spellings) to its mask. */
  readonly byName: ReadonlyMap<string, number>;
  /** Names in the order show_gfp_flags() tries them (composites first). */
  readonly printOrder: readonly GfpName[];
  /** Mask of all bits the config defines. */
  readonly allBits: number;
}

/** Result of decoding a gfp_flags text. */
export interface GfpDecoded {
  readonly mask: number;
  /** Names that are not in the table (flags removed from the kernel, or typos); they add no bits. */
  readonly unknown: readonly string[];
}

/** Single-bit flags in enum order (the bit number is the position), suffixes of `___GFP_*_BIT`. */
function bitEnumOrder(config: GfpConfig): string[] {
  const order = [
    'DMA', 'HIGHMEM', 'DMA32', 'MOVABLE', 'RECLAIMABLE', 'HIGH', 'IO', 'FS', 'ZERO',
    'UNUSED', // bit 9 (0x200) has been unused since __GFP_ATOMIC went away in 6.3
    'DIRECT_RECLAIM', 'KSWAPD_RECLAIM', 'WRITE', 'NOWARN', 'RETRY_MAYFAIL', 'NOFAIL', 'NORETRY',
    'MEMALLOC', 'COMP', 'NOMEMALLOC', 'HARDWALL', 'THISNODE', 'ACCOUNT', 'ZEROTAGS',
  ];
  if (config.kasanHwTags) order.push('SKIP_ZERO', 'SKIP_KASAN');
  if (config.lockdep) order.push('NOLOCKDEP');
  order.push('NO_OBJ_EXT');
  return order;
}

/** Masks of the single `__GFP_*` flags; flags the config compiles out are 0, as in the header. */
function singleFlags(config: GfpConfig): Map<string, number> {
  const flags = new Map<string, number>();
  bitEnumOrder(config).forEach((suffix, bit) => {
    if (suffix !== 'UNUSED') flags.set(`__GFP_${suffix}`, 2 ** bit);
  });
  for (const optional of ['__GFP_SKIP_ZERO', '__GFP_SKIP_KASAN', '__GFP_NOLOCKDEP']) {
    if (!flags.has(optional)) flags.set(optional, 0);
  }
  return flags;
}

/** The composite GFP_* masks, defined from the single flags as gfp_types.h defines them. */
function compositeFlags(f: ReadonlyMap<string, number>): Map<string, number> {
  const g = (name: string): number => f.get(name) ?? 0;
  const reclaim = g('__GFP_DIRECT_RECLAIM') | g('__GFP_KSWAPD_RECLAIM');
  const user = reclaim | g('__GFP_IO') | g('__GFP_FS') | g('__GFP_HARDWALL');
  const highuser = user | g('__GFP_HIGHMEM');
  const highuserMovable = highuser | g('__GFP_MOVABLE') | g('__GFP_SKIP_KASAN');
  const transhugeLight = (highuserMovable | g('__GFP_COMP') | g('__GFP_NOMEMALLOC') | g('__GFP_NOWARN')) & ~reclaim;
  const kernel = reclaim | g('__GFP_IO') | g('__GFP_FS');
  return new Map<string, number>([
    ['__GFP_RECLAIM', reclaim],
    ['GFP_ATOMIC', g('__GFP_HIGH') | g('__GFP_KSWAPD_RECLAIM')],
    ['GFP_KERNEL', kernel],
    ['GFP_KERNEL_ACCOUNT', kernel | g('__GFP_ACCOUNT')],
    ['GFP_NOWAIT', g('__GFP_KSWAPD_RECLAIM') | g('__GFP_NOWARN')],
    ['GFP_NOIO', reclaim],
    ['GFP_NOFS', reclaim | g('__GFP_IO')],
    ['GFP_USER', user],
    ['GFP_DMA', g('__GFP_DMA')],
    ['GFP_DMA32', g('__GFP_DMA32')],
    ['GFP_HIGHUSER', highuser],
    ['GFP_HIGHUSER_MOVABLE', highuserMovable],
    ['GFP_TRANSHUGE_LIGHT', transhugeLight],
    ['GFP_TRANSHUGE', transhugeLight | g('__GFP_DIRECT_RECLAIM')],
  ]);
}

/**
 * Spellings used by older kernels, mapped to the 2026 flag with the same
 * meaning. Before 4.6 ("mm, tracing: unify mm flags handling") single flags
 * printed without the leading underscores (`GFP_ZERO`, `GFP_NOWARN`).
 * `__GFP_WAIT` (until 4.4) became `__GFP_RECLAIM` in the composite
 * definitions; `GFP_TEMPORARY` (removed in 4.14) was GFP_KERNEL|__GFP_RECLAIMABLE.
 * Flags without a modern equivalent (COLD, NOTRACK, REPEAT, OTHER_NODE,
 * NO_KSWAPD, __GFP_ATOMIC) are left unknown on purpose.
 */
function legacyAliases(all: ReadonlyMap<string, number>): Map<string, number> {
  const g = (name: string): number => all.get(name) ?? 0;
  const aliases = new Map<string, number>();
  for (const suffix of ['HIGH', 'IO', 'FS', 'NOWARN', 'NOFAIL', 'NORETRY', 'COMP', 'ZERO', 'NOMEMALLOC', 'MEMALLOC',
    'HARDWALL', 'THISNODE', 'RECLAIMABLE', 'MOVABLE', 'HIGHMEM', 'WRITE', 'ACCOUNT', 'DIRECT_RECLAIM', 'KSWAPD_RECLAIM']) {
    aliases.set(`GFP_${suffix}`, g(`__GFP_${suffix}`));
  }
  aliases.set('GFP_WAIT', g('__GFP_RECLAIM'));
  aliases.set('__GFP_WAIT', g('__GFP_RECLAIM'));
  aliases.set('GFP_TEMPORARY', g('GFP_KERNEL') | g('__GFP_RECLAIMABLE'));
  return aliases;
}

/** Print order of mmflags.h `__def_gfpflag_names`: most bits first, then the single flags in enum order. */
function printOrder(config: GfpConfig, all: ReadonlyMap<string, number>): GfpName[] {
  const composites = ['GFP_TRANSHUGE', 'GFP_TRANSHUGE_LIGHT', 'GFP_HIGHUSER_MOVABLE', 'GFP_HIGHUSER', 'GFP_USER',
    'GFP_KERNEL_ACCOUNT', 'GFP_KERNEL', 'GFP_NOFS', 'GFP_ATOMIC', 'GFP_NOIO', 'GFP_NOWAIT', 'GFP_DMA', 'GFP_DMA32',
    '__GFP_RECLAIM'];
  // Single flags follow the enum. __GFP_NO_OBJ_EXT is listed last as 6.13-6.18
  // kernels with CONFIG_SLAB_OBJ_EXT print it (the captured 6.18 format file
  // does); the 2026 mmflags.h dropped it, which would print it as 0x1000000.
  const singles = bitEnumOrder(config).filter((s) => s !== 'UNUSED').map((s) => `__GFP_${s}`);
  return [...composites, ...singles].map((name) => ({ name, mask: all.get(name) ?? 0 }));
}

/** Builds the table for a kernel configuration. */
export function buildGfpTable(config: GfpConfig = DEFAULT_GFP_CONFIG): GfpTable {
  const singles = singleFlags(config);
  const modern = new Map([...singles, ...compositeFlags(singles)]);
  const byName = new Map([...legacyAliases(modern), ...modern]);
  let allBits = 0;
  for (const mask of singles.values()) allBits |= mask;
  return { config, byName, printOrder: printOrder(config, modern), allBits };
}

/** The table for the default config; what the trace parser uses. */
export const GFP: GfpTable = buildGfpTable();

/** Mask of one modern flag name (e.g. `__GFP_COMP`, `GFP_KERNEL`); throws on an unknown name. */
export function gfpBit(name: string, table: GfpTable = GFP): number {
  const mask = table.byName.get(name);
  if (mask === undefined) throw new Error(`unknown GFP flag ${name}`);
  return mask;
}

/** Value of a hex or decimal number token, or NaN. */
function numberToken(token: string): number {
  if (/^0[xX][0-9a-fA-F]+$/.test(token)) return Number.parseInt(token.slice(2), 16);
  if (/^[0-9]+$/.test(token)) return Number.parseInt(token, 10);
  return Number.NaN;
}

/**
 * Decodes a gfp_flags text: `A|B|0x10`, raw hex `0x140cca`, `none` or the
 * empty string (both 0). Hex parts are OR-ed in unchanged (the kernel prints
 * bits no name covers as a trailing hex part). Unknown names add no bits and
 * are returned in `unknown`.
 */
export function decodeGfp(text: string, table: GfpTable = GFP): GfpDecoded {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed === 'none') return { mask: 0, unknown: [] };
  let mask = 0;
  const unknown: string[] = [];
  for (const part of trimmed.split('|')) {
    const token = part.trim();
    const named = table.byName.get(token);
    const value = named ?? numberToken(token);
    if (Number.isNaN(value)) unknown.push(token);
    else mask = (mask | value) >>> 0;
  }
  return { mask, unknown };
}

/** Numeric mask of a gfp_flags text (see decodeGfp; unknown names add nothing). */
export function parseGfp(text: string, table: GfpTable = GFP): number {
  return decodeGfp(text, table).mask;
}

/**
 * The names the kernel prints for a mask: every table entry whose bits are
 * all still present is printed and its bits removed, left-over bits follow
 * as one hex part, `|` separates; 0 prints nothing. This is the walk both
 * __print_flags() (trace output) and printk's %pGg (lib/vsprintf.c
 * format_flags() over mm/debug.c's gfpflag_names) make over the same
 * __def_gfpflag_names table, so the kernel's reports (page_owner,
 * warn_alloc) use it too.
 */
export function gfpFlagNames(mask: number, table: GfpTable = GFP): string {
  let rest = mask >>> 0;
  const parts: string[] = [];
  for (const { name, mask: m } of table.printOrder) {
    if (rest === 0) break;
    if (m !== 0 && (rest & m) >>> 0 === m) {
      parts.push(name);
      rest = (rest & ~m) >>> 0;
    }
  }
  if (rest !== 0) parts.push(`0x${rest.toString(16)}`);
  return parts.join('|');
}

/** Prints a mask the way the kernel's show_gfp_flags() does: gfpFlagNames(), and 0 is `none`. */
export function formatGfp(mask: number, table: GfpTable = GFP): string {
  return mask === 0 ? 'none' : gfpFlagNames(mask, table);
}
