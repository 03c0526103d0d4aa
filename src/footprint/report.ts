/**
 * The footprint report: the assumptions, a table of page kinds with each
 * design's bytes, and one total line per design; or the same as JSON.
 */

import { PAGE_KINDS, type PageKind, type Population } from './classify.js';
import { DESCRIPTOR_BYTES, DESIGNS, designCost, descriptorCount, type DesignCost } from './designs.js';

export interface FootprintReport {
  /** Where the population came from, for the heading. */
  readonly source: string;
  readonly pageSize: number;
  readonly population: Population;
  readonly designs: readonly DesignCost[];
}

export function footprint(population: Population, source: string, pageSize = 4096): FootprintReport {
  return { source, pageSize, population, designs: DESIGNS.map((d) => designCost(d, population)) };
}

const MiB = 2 ** 20;

function mib(bytes: number): string {
  return (bytes / MiB).toFixed(1);
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd());
}

export const ASSUMPTIONS: readonly string[] = [
  ...DESIGNS.map((d) => `${d.name.padEnd(15)} ${String(d.perPfn).padStart(2)} bytes per pfn: ${d.summary}`),
  `descriptors (16-byte-aligned slab objects; none for struct-page-64): folio ${DESCRIPTOR_BYTES.folio} B, large folio ${DESCRIPTOR_BYTES.largeFolio} B, hugetlb folio ${DESCRIPTOR_BYTES.hugetlbFolio} B, struct slab ${DESCRIPTOR_BYTES.slab} B, ptdesc ${DESCRIPTOR_BYTES.ptdesc} B`,
  'free (buddy), reserved, zero, offline, hole and other pages need no descriptor: type and order live in the page word',
  'pages are sorted by their kpageflags bits (docs/footprint.md); a compound tail counts with its head; every pfn of the image pays the per-pfn bytes',
];

export function formatFootprint(r: FootprintReport): string {
  const pop = r.population;
  const ramBytes = pop.pfns * r.pageSize;
  const withMapped = pop.kinds.other.mapped !== null;
  const lines = [`footprint of ${pop.pfns} pfns (${mib(ramBytes)} MiB of ${r.pageSize / 1024} KiB pages) from ${r.source}`, '', 'assumptions:'];
  for (const a of ASSUMPTIONS) lines.push(`  ${a}`);
  lines.push('');
  const header = ['kind', 'pages', 'MiB', 'descriptors', ...(withMapped ? ['mapped'] : []), ...r.designs.map((d) => d.name)];
  const rows: string[][] = [header];
  const kindsShown = PAGE_KINDS.filter((k) => pop.kinds[k].pages > 0);
  for (const kind of kindsShown) {
    const c = pop.kinds[kind];
    rows.push([kind, String(c.pages), mib(c.pages * r.pageSize), String(descriptorCount(kind, c.units)), ...(withMapped ? [String(c.mapped)] : []), ...r.designs.map((d) => String(d.by_kind[kind]))]);
  }
  const sum = (f: (k: PageKind) => number): number => PAGE_KINDS.reduce((s, k) => s + f(k), 0);
  rows.push([
    'total',
    String(pop.pfns),
    mib(ramBytes),
    String(sum((k) => descriptorCount(k, pop.kinds[k].units))),
    ...(withMapped ? [String(sum((k) => pop.kinds[k].mapped ?? 0))] : []),
    ...r.designs.map((d) => String(d.total_bytes)),
  ]);
  lines.push('bytes per page kind under each design (per-pfn memmap plus descriptors):', ...table(rows).map((l) => `  ${l}`), '');
  const w = Math.max(...r.designs.map((d) => d.name.length));
  for (const d of r.designs) {
    const pct = ramBytes > 0 ? ((100 * d.total_bytes) / ramBytes).toFixed(4) : '0';
    lines.push(`${d.name.padEnd(w)}  ${String(d.total_bytes).padStart(12)} bytes  ${mib(d.total_bytes).padStart(9)} MiB  ${pct}% of RAM`);
  }
  return `${lines.join('\n')}\n`;
}

/** `{"pages", "designs": [{"name", "total_bytes", "by_kind"}], "kinds", "assumptions"}` */
export function footprintJson(r: FootprintReport): unknown {
  const kinds: Record<string, { pages: number; descriptors: number; large_units: number; mapped: number | null }> = {};
  for (const k of PAGE_KINDS) {
    const c = r.population.kinds[k];
    kinds[k] = { pages: c.pages, descriptors: descriptorCount(k, c.units), large_units: c.largeUnits, mapped: c.mapped };
  }
  return {
    pages: r.population.pfns,
    designs: r.designs.map((d) => ({ name: d.name, total_bytes: d.total_bytes, by_kind: d.by_kind })),
    kinds,
    assumptions: { page_size: r.pageSize, descriptor_bytes: DESCRIPTOR_BYTES, per_pfn_bytes: Object.fromEntries(DESIGNS.map((d) => [d.name, d.perPfn])) },
  };
}
