/**
 * The descriptor memory a simulated machine really uses at the end of a run,
 * per variant: the memmap (one struct page of the variant's size per pfn)
 * plus descriptors a design allocates apart from struct page (slab objects
 * of its descriptor caches, and the slab pages they occupy), per descriptor
 * type. Unlike the estimate from kpageflags (designs.ts), nothing here is
 * assumed: it is what the variant's code allocated.
 */

import type { Kernel } from '../kernel/kernel.js';
import { PAGE_SIZE } from '../kernel/config.js';

export interface DescriptorUse {
  readonly type: string;
  readonly objects: number;
  readonly object_size: number;
  readonly object_bytes: number;
  readonly slab_pages: number;
  readonly slab_bytes: number;
}

export interface MeasuredFootprint {
  readonly variant: string;
  readonly pages: number;
  readonly struct_page_size: number;
  readonly memmap_bytes: number;
  readonly descriptors: readonly DescriptorUse[];
  /** memmap plus the slab pages of the descriptor caches. */
  readonly total_bytes: number;
}

export function measureFootprint(k: Kernel, variant: string): MeasuredFootprint {
  const memmap = k.nr_pages * k.structPageSize;
  const descriptors = k.slabCaches
    .filter((c) => k.descriptorCaches.has(c.name))
    .map((c) => ({
      type: c.name,
      objects: c.inuse_objects,
      object_size: c.size,
      object_bytes: c.inuse_objects * c.size,
      slab_pages: c.nr_slabs << c.order,
      slab_bytes: (c.nr_slabs << c.order) * PAGE_SIZE,
    }));
  return {
    variant,
    pages: k.nr_pages,
    struct_page_size: k.structPageSize,
    memmap_bytes: memmap,
    descriptors,
    total_bytes: memmap + descriptors.reduce((n, d) => n + d.slab_bytes, 0),
  };
}

/** One table: a row per variant, a column group per descriptor type seen in any of them. */
export function formatMeasured(scenario: string, rows: readonly MeasuredFootprint[]): string {
  const types = [...new Set(rows.flatMap((r) => r.descriptors.map((d) => d.type)))];
  const head = ['variant', 'struct page', 'memmap bytes', ...types.flatMap((t) => [`${t} objects`, `${t} bytes`, `${t} slab pages`]), 'total bytes'];
  const body = rows.map((r) => [
    r.variant,
    String(r.struct_page_size),
    String(r.memmap_bytes),
    ...types.flatMap((t) => {
      const d = r.descriptors.find((x) => x.type === t);
      return d === undefined ? ['-', '-', '-'] : [`${d.objects} x ${d.object_size}`, String(d.object_bytes), String(d.slab_pages)];
    }),
    String(r.total_bytes),
  ]);
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join('  ').trimEnd();
  const pages = rows[0]?.pages ?? 0;
  return [`descriptor memory at the end of ${scenario} (${pages} pages)`, '', line(head), ...body.map(line), ''].join('\n');
}
