/**
 * The /proc/kpageflags and /proc/kpagecount files of a simulated machine,
 * pfn 0 up to get_max_dump_pfn() (fs/proc/page.c).
 */

import { makeOutputDir } from '../util/output-file.js';
import { join } from 'node:path';
import type { Kernel } from '../kernel/kernel.js';
import { PAGE_SHIFT } from '../kernel/config.js';
import { writeImage, type KpageImage } from './image.js';
import { KPF_RESERVED, hiBit } from './kpf.js';
import { snapshot_page } from './snapshot.js';
import { kpageCountOf, stablePageFlagsOf, type KpfContext, type KpfWords } from './stable-page-flags.js';

/** x86_64 SECTION_SIZE_BITS = 27 (arch/x86/include/asm/sparsemem.h): 128 MiB sections. */
export const PAGES_PER_SECTION = 1 << (27 - PAGE_SHIFT);

/**
 * get_max_dump_pfn(): max_pfn rounded up to a whole section under SPARSEMEM.
 * pagesim's max_pfn is the end of its memmap.
 */
export function maxDumpPfn(k: Kernel): number {
  return Math.ceil(k.nr_pages / PAGES_PER_SECTION) * PAGES_PER_SECTION;
}

export interface KpageImages {
  readonly kpageflags: KpageImage;
  readonly kpagecount: KpageImage;
}

/**
 * Both files for the whole machine. A pfn past the memmap but inside the last
 * section reads as the kernel's memmap_init() left it: init_unavailable_range()
 * initialised it PG_reserved, so KPF_RESERVED and a mapcount of 0.
 */
export function encodeImages(k: Kernel, ctx: KpfContext = {}): KpageImages {
  const count = maxDumpPfn(k);
  const flags = new Uint32Array(count * 2);
  const counts = new Uint32Array(count * 2);
  const w: KpfWords = { lo: 0, hi: 0 };
  for (let pfn = 0; pfn < count; pfn++) {
    if (pfn >= k.nr_pages) {
      flags[2 * pfn + 1] = hiBit(KPF_RESERVED);
      continue;
    }
    const ps = snapshot_page(k, pfn);
    stablePageFlagsOf(k, ps, ctx, w);
    flags[2 * pfn] = w.lo;
    flags[2 * pfn + 1] = w.hi;
    const c = kpageCountOf(k, ps);
    // The int is sign-extended into the u64 (get_kpage_count returns it as u64).
    counts[2 * pfn] = c >>> 0;
    counts[2 * pfn + 1] = c < 0 ? 0xffffffff : 0;
  }
  return {
    kpageflags: { file: 'kpageflags', count, words: flags },
    kpagecount: { file: 'kpagecount', count, words: counts },
  };
}

/** Writes DIR/kpageflags and DIR/kpagecount; returns their paths. */
export function writeImages(k: Kernel, dir: string, ctx: KpfContext = {}): { kpageflags: string; kpagecount: string } {
  makeOutputDir(dir);
  const imgs = encodeImages(k, ctx);
  const out = { kpageflags: join(dir, 'kpageflags'), kpagecount: join(dir, 'kpagecount') };
  writeImage(out.kpageflags, imgs.kpageflags);
  writeImage(out.kpagecount, imgs.kpagecount);
  return out;
}
