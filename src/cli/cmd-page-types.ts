/**
 * `pagesim page-types IMAGE [-r|--raw] [--page-size SIZE]`: the summary the
 * kernel's tools/mm/page-types prints for a kpageflags image (raw or gzip),
 * byte for byte as page-types 6.12 prints it with `-F IMAGE` (and `-r`).
 */

import { InputError } from '../util/errors.js';
import { parseArgs, parseSize } from './args.js';
import { readImage } from '../kpageflags/image.js';
import { summarize } from '../kpageflags/page-types.js';

export const PAGE_TYPES_HELP = `usage: pagesim page-types IMAGE [-r|--raw] [--page-size SIZE]

Prints the page-flags summary of a /proc/kpageflags image (plain or gzip), exactly as
the kernel's tools/mm/page-types (6.12) prints it for 'page-types -F IMAGE': one row per
distinct flag combination with its page count and MB, then the total. -r/--raw keeps
the kernel-hacking bits (reserved, mlocked, private, owner_2, ...) and compound head/tail
of non-hugetlb pages, and renames overloaded bits (anon_exclusive, readahead, slub_frozen).
--page-size is the page size used for the MB column (default 4KiB, as on x86_64).`;

export function pageTypesCommand(argv: readonly string[]): number {
  // page-types spells raw mode -r; parseArgs only knows long options, so take it out first.
  const raw = argv.includes('-r');
  const a = parseArgs(argv.filter((x) => x !== '-r'), { flags: ['raw', 'help'], options: ['page-size'] }, 'page-types');
  if (a.flags.has('help')) {
    process.stdout.write(`${PAGE_TYPES_HELP}\n`);
    return 0;
  }
  if (a.positional.length !== 1) throw new InputError('page-types: give exactly one kpageflags image (usage: pagesim page-types IMAGE [-r])');
  const sizes = a.options.get('page-size') ?? [];
  if (sizes.length > 1) throw new InputError('page-types: give --page-size at most once');
  const pageSize = sizes.length === 1 ? parseSize(sizes[0]!, '--page-size') : 4096;
  if (pageSize < 1024 || (pageSize & (pageSize - 1)) !== 0) throw new InputError(`--page-size: ${pageSize} is not a power of two of at least 1KiB`);
  const file = a.positional[0]!;
  const img = readImage(file, 'kpageflags');
  process.stdout.write(summarize(img.words, { raw: raw || a.flags.has('raw'), pageSize, file }));
  return 0;
}
